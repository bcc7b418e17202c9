//! A certificate with the raw DER pieces path validation needs.
//!
//! The TBS bytes are taken as received (never re-encoded) for the same reason the CMS
//! signed attributes are: `der` re-sorts SETs on the way through.

use std::time::SystemTime;

use der::Decode;
use x509_cert::Certificate;

use super::algo::{self, AlgError, AlgId, DigestAlg};
use super::asn1::{self, Asn1Error};

#[derive(Debug, Clone)]
pub struct Cert {
    pub der: Vec<u8>,
    pub cert: Certificate,
    /// Raw encodings, for byte-exact comparisons and signature checks.
    pub tbs: Vec<u8>,
    pub issuer: Vec<u8>,
    pub subject: Vec<u8>,
    pub serial: Vec<u8>,
    pub spki: Vec<u8>,
    sig_alg: Vec<u8>,
    signature: Vec<u8>,
}

impl Cert {
    pub fn from_der(der: &[u8]) -> Result<Self, Asn1Error> {
        let cert = Certificate::from_der(der).map_err(|_| Asn1Error::Missing)?;
        let (outer, rest) = asn1::parse(der)?;
        if !rest.is_empty() {
            return Err(Asn1Error::Missing);
        }
        let parts = outer.tagged(asn1::SEQUENCE)?.children()?;
        let [tbs, sig_alg, sig] = parts.as_slice() else { return Err(Asn1Error::Missing) };
        let bits = sig.tagged(0x03)?.value;
        let (unused, signature) = bits.split_first().ok_or(Asn1Error::Truncated)?;
        if *unused != 0 {
            return Err(Asn1Error::Missing);
        }
        let fields = tbs.children()?;
        // [0] version is optional; the fields after it are positional.
        let skip = usize::from(fields.first().is_some_and(|f| f.tag == asn1::CTX0));
        let get = |i: usize| fields.get(skip + i).ok_or(Asn1Error::Missing);
        Ok(Self {
            der: der.to_vec(),
            cert,
            tbs: tbs.raw.to_vec(),
            serial: get(0)?.tagged(asn1::INTEGER)?.value.to_vec(),
            issuer: get(2)?.tagged(asn1::SEQUENCE)?.raw.to_vec(),
            subject: get(4)?.tagged(asn1::SEQUENCE)?.raw.to_vec(),
            spki: get(5)?.tagged(asn1::SEQUENCE)?.raw.to_vec(),
            sig_alg: sig_alg.raw.to_vec(),
            signature: signature.to_vec(),
        })
    }

    /// The value of the extension `oid` (dotted), if the certificate has it.
    pub fn extension(&self, oid: &str) -> Option<&[u8]> {
        self.cert
            .tbs_certificate
            .extensions
            .as_ref()?
            .iter()
            .find(|e| e.extn_id.to_string() == oid)
            .map(|e| e.extn_value.as_bytes())
    }

    /// RFC 4514-style subject, e.g. `CN=...,OU=...,O=...,C=ID`.
    pub fn subject_string(&self) -> String {
        self.cert.tbs_certificate.subject.to_string()
    }

    /// Whether `issuer` signed this certificate (checks only the signature).
    pub fn signed_by(&self, issuer_spki: &[u8]) -> Result<(), AlgError> {
        verify_signed(&self.tbs, &self.sig_alg, &self.signature, issuer_spki)
    }

    pub fn valid_at(&self, at: SystemTime) -> bool {
        let v = &self.cert.tbs_certificate.validity;
        v.not_before.to_system_time() <= at && at <= v.not_after.to_system_time()
    }
}

/// Whether `issuer_spki` signed `tbs` (a certificate's or a CRL's to-be-signed part, as
/// received) with the raw AlgorithmIdentifier `sig_alg`.
pub fn verify_signed(tbs: &[u8], sig_alg: &[u8], signature: &[u8], issuer_spki: &[u8]) -> Result<(), AlgError> {
    let (t, _) = asn1::parse(sig_alg).map_err(|_| AlgError::Params)?;
    let alg = AlgId::parse(t)?;
    let digest = implied_digest(&alg)?;
    algo::verify(issuer_spki, &alg, digest, &digest.digest(&[tbs]), signature)
}

/// The digest a certificate signature algorithm implies.
fn implied_digest(alg: &AlgId<'_>) -> Result<DigestAlg, AlgError> {
    let s = alg.oid.to_string();
    Ok(match s.as_str() {
        "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" => DigestAlg::Sha256,
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => DigestAlg::Sha384,
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => DigestAlg::Sha512,
        "1.2.840.113549.1.1.10" => {
            // PSS: the hash is in the parameters ([0] hashAlgorithm, default SHA-1).
            let p = alg.params.ok_or(AlgError::Params)?;
            let first = p.children().map_err(|_| AlgError::Params)?.into_iter().find(|c| c.tag == 0xA0);
            match first {
                Some(h) => DigestAlg::from_alg_id(asn1::parse(h.value).map_err(|_| AlgError::Params)?.0)?,
                None => return Err(AlgError::Digest("SHA-1 (PSS default)".into())),
            }
        }
        _ => return Err(AlgError::Signature(s)),
    })
}
