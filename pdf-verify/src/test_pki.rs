//! Test-only PKI: rcgen certificates, each able to break one signer rule, and PDFs
//! signed with them by the reference server's own PDF writer and CMS signer
//! (`adm_central::pdf`, `adm_central::sign`), so no second PDF assembler exists.
//! The pyHanko corpus carries no private keys, so new signer cases are made here.

use std::time::{Duration, SystemTime};

use adm_central::pdf::{A4_PORTRAIT, InfoEntry, PageContent, SignatureFields, prepare};
use adm_central::sign::DocumentSigner;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName, DnType, IsCa, Issuer,
    KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams, SerialNumber,
};

use super::TrustAnchors;

/// 2026-06-01, inside every validity period below (as the pyHanko corpus' "now").
pub fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_272_000)
}

fn dn(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "ID");
    dn.push(DnType::OrganizationName, "adm-kiosk tests");
    dn.push(DnType::CommonName, cn);
    dn
}

fn base(cn: &str, serial: u8) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = dn(cn);
    p.not_before = rcgen::date_time_ymd(2020, 1, 1);
    p.not_after = rcgen::date_time_ymd(2040, 1, 1);
    p.serial_number = Some(SerialNumber::from_slice(&[0x10, serial]));
    p.use_authority_key_identifier_extension = true;
    p
}

/// A CA: its certificate and the key that signs certificates and CRLs.
pub struct Ca {
    pub der: Vec<u8>,
    pub pem: String,
    pub key_pkcs8: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    pub fn root(cn: &str) -> Ca {
        let key = KeyPair::generate().expect("key");
        let mut p = base(cn, 1);
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(1));
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p.use_authority_key_identifier_extension = false;
        let cert = p.self_signed(&key).expect("root");
        Ca { der: cert.der().to_vec(), pem: cert.pem(), key_pkcs8: key.serialize_der(), issuer: Issuer::new(p, key) }
    }

    pub fn intermediate(&self, cn: &str) -> Ca {
        let key = KeyPair::generate().expect("key");
        let mut p = base(cn, 2);
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = p.signed_by(&key, &self.issuer).expect("intermediate");
        Ca { der: cert.der().to_vec(), pem: cert.pem(), key_pkcs8: key.serialize_der(), issuer: Issuer::new(p, key) }
    }

    /// A signer under this CA; `shape` adjusts the parameters (key usages, EKU, CA flag).
    pub fn leaf(&self, cn: &str, serial: u8, shape: impl FnOnce(&mut CertificateParams)) -> Leaf {
        let key = KeyPair::generate().expect("key");
        let mut p = base(cn, serial);
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::ContentCommitment];
        shape(&mut p);
        let cert = p.signed_by(&key, &self.issuer).expect("leaf");
        Leaf { der: cert.der().to_vec(), key_pkcs8: key.serialize_der(), serial: vec![0x10, serial] }
    }

    /// A CRL by this CA revoking `serials` at `revoked_at`, valid `this_update..next_update`.
    pub fn crl(
        &self,
        serials: &[&[u8]],
        revoked_at: (i32, u8, u8),
        this: (i32, u8, u8),
        next: (i32, u8, u8),
    ) -> Vec<u8> {
        let params = CertificateRevocationListParams {
            this_update: rcgen::date_time_ymd(this.0, this.1, this.2),
            next_update: rcgen::date_time_ymd(next.0, next.1, next.2),
            crl_number: SerialNumber::from_slice(&[1]),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|s| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(s),
                    revocation_time: rcgen::date_time_ymd(revoked_at.0, revoked_at.1, revoked_at.2),
                    reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        params.signed_by(&self.issuer).expect("CRL").der().to_vec()
    }
}

pub struct Leaf {
    pub der: Vec<u8>,
    pub key_pkcs8: Vec<u8>,
    pub serial: Vec<u8>,
}

/// Root → intermediate, and the anchors that trust the root.
pub struct Pki {
    pub root: Ca,
    pub inter: Ca,
}

impl Pki {
    // Public since the verifier is its own crate; a new PKI makes new keys each time, so
    // it is no `Default`.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Pki {
        let root = Ca::root("Test Root CA");
        let inter = root.intermediate("Test Document CA");
        Pki { root, inter }
    }

    pub fn anchors(&self) -> TrustAnchors {
        TrustAnchors::from_pem(self.root.pem.as_bytes()).expect("root PEM")
    }

    /// A document signer as the reference server makes one (digitalSignature +
    /// nonRepudiation, no EKU), after `shape`.
    pub fn signer(&self, serial: u8, shape: impl FnOnce(&mut CertificateParams)) -> Leaf {
        self.inter.leaf("Test Signer", serial, shape)
    }

    /// A one-page PDF signed by `leaf`, with the intermediate embedded in the CMS.
    pub fn sign(&self, leaf: &Leaf) -> Vec<u8> {
        sign_with(&leaf.key_pkcs8, &leaf.der, std::slice::from_ref(&self.inter.der))
    }
}

/// Signs a small PDF with any key and certificate chain (signer first is implied).
pub fn sign_with(key_pkcs8: &[u8], cert_der: &[u8], chain: &[Vec<u8>]) -> Vec<u8> {
    let page = PageContent { size: A4_PORTRAIT, content: b"BT /F1 12 Tf 50 800 Td (DOKUMEN UJI) Tj ET".to_vec() };
    let info = [InfoEntry { key: "NIK", value: "3174055708900003".into() }];
    let sig = SignatureFields {
        name: "Test Signer".into(),
        reason: "test".into(),
        location: "test".into(),
        signing_date: "D:20260501000000Z".into(),
    };
    let prepared = prepare(&[page], &info, &sig, &[7; 16]);
    DocumentSigner::new(key_pkcs8, cert_der, chain).expect("signer").sign_pdf(prepared).expect("signed PDF")
}

/// Adds a PAdES /DSS with `crls` to a PDF made by [`sign_with`] as an incremental
/// update (what a B-LT augmentation does): a new catalog revision pointing at the DSS.
/// The reference writer's catalog is object 1 and it uses objects up to `size - 1`.
pub fn append_dss_crls(pdf: &[u8], crls: &[Vec<u8>]) -> Vec<u8> {
    use std::fmt::Write as _;
    let doc = lopdf::Document::load_mem(pdf).expect("signed PDF loads");
    let size = doc.max_id + 1;
    let catalog = doc.catalog().expect("catalog");
    let mut out = pdf.to_vec();
    let mut offsets = Vec::new();
    let dss = size;
    let first_crl = size + 1;
    let crl_refs: Vec<String> = (0..crls.len()).map(|i| format!("{} 0 R", first_crl + i as u32)).collect();
    // The catalog again, with /DSS added (its other keys are copied as written).
    let mut cat = String::from("<<");
    for (k, v) in catalog.iter() {
        let v = match v {
            lopdf::Object::Reference((n, g)) => format!("{n} {g} R"),
            lopdf::Object::Name(n) => format!("/{}", String::from_utf8_lossy(n)),
            lopdf::Object::Dictionary(_) => "<< /Fields [6 0 R] /SigFlags 3 >>".to_owned(),
            other => panic!("unexpected catalog value {other:?}"),
        };
        let _ = write!(cat, " /{} {v}", String::from_utf8_lossy(k));
    }
    let _ = write!(cat, " /DSS {dss} 0 R >>");
    offsets.push((1u32, out.len()));
    out.extend_from_slice(format!("1 0 obj\n{cat}\nendobj\n").as_bytes());
    offsets.push((dss, out.len()));
    out.extend_from_slice(format!("{dss} 0 obj\n<< /CRLs [{}] >>\nendobj\n", crl_refs.join(" ")).as_bytes());
    for (i, crl) in crls.iter().enumerate() {
        let n = first_crl + i as u32;
        offsets.push((n, out.len()));
        out.extend_from_slice(format!("{n} 0 obj\n<< /Length {} >>\nstream\n", crl.len()).as_bytes());
        out.extend_from_slice(crl);
        out.extend_from_slice(b"\nendstream\nendobj\n");
    }
    let prev = super::byterange::last_startxref(pdf).expect("startxref");
    let id = "07".repeat(16);
    adm_pdf_xref::finish(&mut out, &offsets, &format!("/Root 1 0 R /Info 5 0 R /Prev {prev} /ID [<{id}> <{id}>]"));
    out
}
