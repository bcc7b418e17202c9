//! An in-memory central server for unit tests of the runtime, where starting the
//! reference server (which lives in `central/server`) would only add noise. It follows
//! the same rules: 3 wrong PINs lock a citizen, documents belong to one NIK or KK.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{Central, CentralError, Citizen, DocKind, DocumentMeta, PdfBytes, PrintReport, SessionToken};
use crate::session::nik::Nik;

struct Person {
    citizen: Citizen,
    pin: String,
    wrong: u32,
    docs: Vec<(DocumentMeta, Vec<u8>)>,
}

#[derive(Default)]
struct Inner {
    people: Vec<Person>,
    notices: HashMap<String, String>,
    sessions: HashMap<String, String>,
    reports: Vec<PrintReport>,
    down: bool,
    next_token: u64,
}

/// Demo data and server rules, in memory.
#[derive(Clone, Default)]
pub struct SimCentral(Arc<Mutex<Inner>>);

pub const DEMO_NIK: &str = "3201011505800001";
pub const DEMO_PIN: &str = "123456";
pub const DEMO_NOTICE: &str = "7Q2K9M4T1V8X3Z6B";

impl SimCentral {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Two demo citizens of one family, with a KK, an Akta Kelahiran and a biodata.
    pub fn demo() -> SimCentral {
        let sim = SimCentral::default();
        let kk = "3201010101090001";
        sim.add_citizen("Budi Santoso", DEMO_NIK, kk, DEMO_PIN);
        sim.add_citizen("Siti Aminah", "3201015703850002", kk, "654321");
        sim.add_document(DEMO_NIK, DocKind::KartuKeluarga, kk, 2, 2);
        sim.add_document(DEMO_NIK, DocKind::AktaKelahiran, "3201-LT-15052080-0001", 1, 1);
        sim.add_document(DEMO_NIK, DocKind::Biodata, DEMO_NIK, 1, 0);
        sim.lock().notices.insert(DEMO_NOTICE.into(), DEMO_NIK.into());
        sim
    }

    pub fn add_citizen(&self, name: &str, nik: &str, kk: &str, pin: &str) {
        let citizen = Citizen { name: name.into(), nik: nik.into(), kk: kk.into() };
        self.lock().people.push(Person { citizen, pin: pin.into(), wrong: 0, docs: vec![] });
    }

    pub fn add_document(&self, nik: &str, kind: DocKind, number: &str, pages: u32, prints_left: u32) {
        let mut inner = self.lock();
        let id = format!("doc-{}", inner.people.iter().map(|p| p.docs.len()).sum::<usize>() + 1);
        let Some(person) = inner.people.iter_mut().find(|p| p.citizen.nik == nik) else { return };
        let pdf = minimal_pdf(&format!("{} {number}", kind.code()), pages);
        let meta = DocumentMeta {
            id,
            kind,
            number: number.into(),
            issued: "2024-03-01".into(),
            pages,
            prints_left,
            sha256: hex::encode(Sha256::digest(&pdf)),
            size: pdf.len() as u64,
            owner_nik: nik.into(),
            kk: person.citizen.kk.clone(),
        };
        person.docs.push((meta, pdf));
    }

    /// Makes the server unreachable (or reachable again).
    pub fn set_down(&self, down: bool) {
        self.lock().down = down;
    }

    pub fn reports(&self) -> Vec<PrintReport> {
        self.lock().reports.clone()
    }

    fn sign_in(&self, nik: &str, pin: &str) -> Result<(SessionToken, Citizen), CentralError> {
        let mut inner = self.lock();
        if inner.down {
            return Err(CentralError::Unreachable);
        }
        inner.next_token += 1;
        let token = format!("sim-token-{}", inner.next_token);
        let person = inner.people.iter_mut().find(|p| p.citizen.nik == nik).ok_or(CentralError::UnknownCitizen)?;
        if person.wrong >= 3 {
            return Err(CentralError::Locked);
        }
        if person.pin != pin {
            person.wrong += 1;
            return Err(match 3 - person.wrong {
                0 => CentralError::Locked,
                n => CentralError::WrongPin { attempts_left: n },
            });
        }
        person.wrong = 0;
        let citizen = person.citizen.clone();
        inner.sessions.insert(token.clone(), nik.to_owned());
        Ok((SessionToken::new(token), citizen))
    }

    fn session_docs(&self, token: &SessionToken) -> Result<Vec<(DocumentMeta, Vec<u8>)>, CentralError> {
        let inner = self.lock();
        if inner.down {
            return Err(CentralError::Unreachable);
        }
        let nik = inner.sessions.get(token.expose()).ok_or(CentralError::SessionExpired)?;
        Ok(inner.people.iter().find(|p| &p.citizen.nik == nik).map(|p| p.docs.clone()).unwrap_or_default())
    }
}

#[async_trait::async_trait]
impl Central for SimCentral {
    async fn sign_in_nik(&self, nik: &Nik, pin: &str) -> Result<(SessionToken, Citizen), CentralError> {
        self.sign_in(nik.digits(), pin)
    }
    async fn sign_in_notice(&self, code: &str, pin: &str) -> Result<(SessionToken, Citizen), CentralError> {
        let nik = self.lock().notices.get(code).cloned().ok_or(CentralError::UnknownNotice)?;
        self.sign_in(&nik, pin)
    }
    async fn list_documents(&self, token: &SessionToken) -> Result<Vec<DocumentMeta>, CentralError> {
        Ok(self.session_docs(token)?.into_iter().map(|(m, _)| m).collect())
    }
    async fn download(&self, token: &SessionToken, document_id: &str) -> Result<PdfBytes, CentralError> {
        let docs = self.session_docs(token)?;
        let (_, pdf) = docs.into_iter().find(|(m, _)| m.id == document_id).ok_or(CentralError::SessionExpired)?;
        Ok(Arc::new(Zeroizing::new(pdf)))
    }
    async fn report_print(&self, report: &PrintReport) -> Result<(), CentralError> {
        let mut inner = self.lock();
        if inner.down {
            return Err(CentralError::Unreachable);
        }
        if !inner.reports.iter().any(|r| r.report_id == report.report_id) {
            inner.reports.push(report.clone());
        }
        Ok(())
    }
    async fn sign_out(&self, token: &SessionToken) {
        self.lock().sessions.remove(token.expose());
    }
}

/// A small valid PDF with `pages` A4 pages showing `label` (unsigned: the in-memory
/// server is for runtime tests; signed PDFs come from the reference server).
pub fn minimal_pdf(label: &str, pages: u32) -> Vec<u8> {
    let label: String = label.chars().filter(|c| c.is_ascii_alphanumeric() || " -".contains(*c)).collect();
    let mut objects: Vec<String> = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        String::new(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
    ];
    let mut kids = vec![];
    for n in 0..pages {
        let content = format!("BT /F1 24 Tf 72 760 Td ({label} - {}) Tj ET", n + 1);
        objects.push(format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()));
        let content_id = objects.len();
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {content_id} 0 R /Resources << /Font << /F1 3 0 R >> >> >>"
        ));
        kids.push(format!("{} 0 R", objects.len()));
    }
    objects[1] = format!("<< /Type /Pages /Kids [{}] /Count {pages} >>", kids.join(" "));
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = vec![];
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{obj}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}
