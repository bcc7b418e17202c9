//! The served PDFs carry a real PAdES signature that chains to the demo trust anchor, and
//! a tampered copy (served on request, for the kiosk's refusal test) breaks it.
//! (pyHanko validates the same files in `central/check-pades.sh`.)

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode, Reader};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{DerSignature, VerifyingKey};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use crate::common::*;

const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const SIGNING_CERT_V2: &str = "1.2.840.113549.1.9.16.2.47";

fn verifying_key(cert: &Certificate) -> VerifyingKey {
    VerifyingKey::from_sec1_bytes(cert.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes()).unwrap()
}

fn issued_by(child: &Certificate, issuer: &Certificate) -> bool {
    let sig = DerSignature::from_bytes(child.signature.raw_bytes()).unwrap();
    verifying_key(issuer).verify(&child.tbs_certificate.to_der().unwrap(), &sig).is_ok()
}

/// Checks the signature of a single-revision PDF against the trust anchor: ByteRange
/// covers the file, digest matches, signature verifies, chain leads to the root.
pub fn check_pades(pdf: &[u8], root_pem: &str) -> Result<(), String> {
    let text = String::from_utf8_lossy(pdf);
    for needle in ["/Type /Sig", "/Filter /Adobe.PPKLite", "/SubFilter /ETSI.CAdES.detached"] {
        text.find(needle).ok_or(format!("missing {needle}"))?;
    }
    let at = text.rfind("/ByteRange [").ok_or("no ByteRange")? + "/ByteRange [".len();
    let range: Vec<usize> =
        text[at..].split(']').next().unwrap().split_whitespace().map(|n| n.parse().unwrap()).collect();
    let [a, b, c, d] = range[..] else { return Err("ByteRange".into()) };
    if a != 0 || c + d != pdf.len() || pdf[b] != b'<' || pdf[c - 1] != b'>' {
        return Err(format!("ByteRange {range:?} does not cover the file"));
    }
    let der_bytes = hex::decode(&pdf[b + 1..c - 1]).map_err(|e| e.to_string())?;
    let mut reader = der::SliceReader::new(&der_bytes).unwrap();
    let ci = ContentInfo::decode(&mut reader).map_err(|e| e.to_string())?;
    assert!(
        reader.remaining_len() == der::Length::ZERO
            || der_bytes[usize::try_from(reader.position()).unwrap()..].iter().all(|&x| x == 0)
    );
    let sd: SignedData = ci.content.decode_as().map_err(|e| e.to_string())?;
    let certs: Vec<Certificate> = sd
        .certificates
        .as_ref()
        .unwrap()
        .0
        .iter()
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let si = sd.signer_infos.0.get(0).ok_or("no signer")?;
    let attrs = si.signed_attrs.as_ref().ok_or("no signed attributes")?;
    let digest = Sha256::new().chain_update(&pdf[..b]).chain_update(&pdf[c..]).finalize();
    let md = attrs.iter().find(|a| a.oid.to_string() == MESSAGE_DIGEST).ok_or("no messageDigest")?;
    let md = md.values.get(0).unwrap().decode_as::<der::asn1::OctetString>().unwrap();
    if md.as_bytes() != &digest[..] {
        return Err("digest mismatch: the document was modified".into());
    }
    attrs.iter().find(|a| a.oid.to_string() == SIGNING_CERT_V2).ok_or("no signingCertificateV2")?;
    let cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(isn) = &si.sid else { return Err("sid".into()) };
    let signer =
        certs.iter().find(|c| c.tbs_certificate.serial_number == isn.serial_number).ok_or("signer cert missing")?;
    let sig = DerSignature::from_bytes(si.signature.as_bytes()).map_err(|e| e.to_string())?;
    verifying_key(signer).verify(&attrs.to_der().unwrap(), &sig).map_err(|_| "bad signature")?;
    let root = Certificate::from_der(&CertificateDer::from_pem_slice(root_pem.as_bytes()).unwrap()).unwrap();
    let intermediate = certs.iter().find(|c| issued_by(signer, c)).ok_or("signer not issued by an embedded CA")?;
    if !issued_by(intermediate, &root) {
        return Err("chain does not lead to the trust anchor".into());
    }
    Ok(())
}

#[tokio::test]
async fn every_document_is_signed_and_tampering_is_detectable() {
    let server = server();
    let client = client(&server);
    let mut checked = 0;
    for (nik, pin) in [BUDI, SITI, DEWI, ANDI, RINA] {
        let grant = client.sign_in_nik(nik, pin).await.unwrap();
        for doc in client.list_documents(&grant.token).await.unwrap() {
            let pdf = client.download(&grant.token, &doc).await.unwrap();
            check_pades(&pdf, &server.trust_anchor_pem).unwrap_or_else(|e| panic!("{}: {e}", doc.id));
            checked += 1;
        }
    }
    assert!(checked >= 10);

    server.admin().tamper_document("doc-demo-0002").unwrap();
    let grant = client.sign_in_nik(BUDI.0, BUDI.1).await.unwrap();
    let docs = client.list_documents(&grant.token).await.unwrap();
    let doc = docs.iter().find(|d| d.id == "doc-demo-0002").unwrap();
    // The listing announces the tampered file's checksum: only the signature can tell.
    let pdf = client.download(&grant.token, doc).await.unwrap();
    assert_eq!(check_pades(&pdf, &server.trust_anchor_pem).unwrap_err(), "digest mismatch: the document was modified");
}
