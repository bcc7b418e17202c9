//! CMS SignedData (RFC 5652) as used by PAdES and RFC 3161 tokens.
//!
//! Pitfalls: `/Contents` is zero-padded — decode one TLV and require only
//! zeros after it; BER is normalised first; signed attributes are hashed as received with
//! the [0] tag replaced by SET (0x31); messageDigest, contentType and
//! signingCertificate(V2) are checked.

use const_oid::ObjectIdentifier as Oid;
use thiserror::Error;

use super::algo::{self, AlgError, AlgId, DigestAlg};
use super::asn1::{self, Asn1Error, Tlv};
use super::cert::Cert;

pub const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
pub const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
pub const ID_TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ATTR_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
const ATTR_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
const ATTR_SIGNING_CERT: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.12");
const ATTR_SIGNING_CERT_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
pub const ATTR_SIGNATURE_TIMESTAMP: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CmsError {
    #[error("CMS structure: {0}")]
    Structure(#[from] Asn1Error),
    #[error("CMS: {0}")]
    Malformed(&'static str),
    #[error("non-zero bytes after the CMS object in /Contents")]
    TrailingData,
    #[error("exactly one SignerInfo expected, found {0}")]
    SignerCount(usize),
    #[error("signer certificate not in the CMS")]
    NoSignerCert,
    #[error("signed attributes missing")]
    NoSignedAttrs,
    #[error("contentType attribute missing or wrong")]
    ContentType,
    #[error("messageDigest does not match the signed data")]
    DigestMismatch,
    #[error("signingCertificate attribute does not match the signer certificate")]
    SigningCertMismatch,
    #[error("PAdES signature without signingCertificateV2")]
    NoSigningCert,
    #[error("{0}")]
    Alg(#[from] AlgError),
}

impl CmsError {
    /// True when the cryptography says "no" (vs. a structure we cannot read).
    pub fn is_invalid_signature(&self) -> bool {
        matches!(
            self,
            Self::DigestMismatch
                | Self::SigningCertMismatch
                | Self::ContentType
                | Self::Alg(AlgError::BadSignature | AlgError::DigestMismatch)
        )
    }
}

pub struct Attribute<'a> {
    pub oid: Oid,
    pub values: Vec<Tlv<'a>>,
}

pub struct SignerInfo<'a> {
    sid: Tlv<'a>,
    pub digest: DigestAlg,
    signed_attrs_raw: Option<&'a [u8]>,
    signed_attrs: Vec<Attribute<'a>>,
    sig_alg: AlgId<'a>,
    pub signature: &'a [u8],
    pub unsigned_attrs: Vec<Attribute<'a>>,
}

pub struct SignedData<'a> {
    pub certs: Vec<Cert>,
    pub econtent_type: Oid,
    pub econtent: Option<&'a [u8]>,
    pub signer: SignerInfo<'a>,
}

/// Decodes hex-less `/Contents` bytes: one BER/DER element followed only by zero padding.
pub fn normalize_contents(contents: &[u8]) -> Result<Vec<u8>, CmsError> {
    let (der, used) = asn1::normalize(contents)?;
    if contents.get(used..).is_some_and(|rest| rest.iter().any(|b| *b != 0)) {
        return Err(CmsError::TrailingData);
    }
    Ok(der)
}

fn oid_of(t: &Tlv<'_>) -> Result<Oid, CmsError> {
    Oid::from_bytes(t.tagged(asn1::OID)?.value).map_err(|_| CmsError::Malformed("bad OID"))
}

fn attributes<'a>(set_value: &'a [u8]) -> Result<Vec<Attribute<'a>>, CmsError> {
    let mut out = Vec::new();
    for a in asn1::children(set_value)? {
        let kids = a.tagged(asn1::SEQUENCE)?.children()?;
        let [oid, values] = kids.as_slice() else { return Err(CmsError::Malformed("attribute")) };
        out.push(Attribute { oid: oid_of(oid)?, values: values.tagged(asn1::SET)?.children()? });
    }
    Ok(out)
}

/// Exactly one value of a required-unique attribute (RFC 5652 §11).
fn single<'a>(attrs: &[Attribute<'a>], oid: Oid) -> Result<Option<Tlv<'a>>, CmsError> {
    let mut found = attrs.iter().filter(|a| a.oid == oid);
    let Some(a) = found.next() else { return Ok(None) };
    if found.next().is_some() || a.values.len() != 1 {
        return Err(CmsError::Malformed("attribute repeated"));
    }
    Ok(a.values.first().copied())
}

/// Parses normalised DER of a ContentInfo holding SignedData with one SignerInfo.
pub fn parse(der: &[u8]) -> Result<SignedData<'_>, CmsError> {
    let (ci, rest) = asn1::parse(der)?;
    if !rest.is_empty() {
        return Err(CmsError::TrailingData);
    }
    let ci = ci.tagged(asn1::SEQUENCE)?.children()?;
    let [ct, content] = ci.as_slice() else { return Err(CmsError::Malformed("ContentInfo")) };
    if oid_of(ct)? != ID_SIGNED_DATA {
        return Err(CmsError::Malformed("not SignedData"));
    }
    let sd = asn1::parse(content.tagged(asn1::CTX0)?.value)?.0.tagged(asn1::SEQUENCE)?.children()?;
    // version, digestAlgorithms, encapContentInfo, [0] certificates?, [1] crls?, signerInfos
    let encap = sd.get(2).ok_or(CmsError::Malformed("SignedData"))?.tagged(asn1::SEQUENCE)?.children()?;
    let econtent_type = oid_of(encap.first().ok_or(CmsError::Malformed("encapContentInfo"))?)?;
    let econtent = match encap.get(1) {
        Some(e) => Some(asn1::parse(e.tagged(asn1::CTX0)?.value)?.0.tagged(asn1::OCTET_STRING)?.value),
        None => None,
    };
    let mut certs = Vec::new();
    let mut signer_infos = None;
    for t in sd.iter().skip(3) {
        match t.tag {
            asn1::CTX0 => {
                for c in t.children()? {
                    // Other CertificateChoices (attribute certs …) are tagged; skip them.
                    if c.tag == asn1::SEQUENCE {
                        certs.push(Cert::from_der(c.raw)?);
                    }
                }
            }
            asn1::CTX1 => {}
            asn1::SET => signer_infos = Some(t.children()?),
            _ => return Err(CmsError::Malformed("SignedData field")),
        }
    }
    let sis = signer_infos.ok_or(CmsError::Malformed("no signerInfos"))?;
    let [si] = sis.as_slice() else { return Err(CmsError::SignerCount(sis.len())) };
    Ok(SignedData { certs, econtent_type, econtent, signer: signer_info(*si)? })
}

fn signer_info(si: Tlv<'_>) -> Result<SignerInfo<'_>, CmsError> {
    let f = si.tagged(asn1::SEQUENCE)?.children()?;
    let mut it = f.iter().skip(1).peekable(); // version
    let sid = *it.next().ok_or(CmsError::Malformed("sid"))?;
    let digest = DigestAlg::from_alg_id(*it.next().ok_or(CmsError::Malformed("digestAlgorithm"))?)?;
    let (mut signed_attrs_raw, mut signed_attrs) = (None, Vec::new());
    if let Some(sa) = it.next_if(|t| t.tag == asn1::CTX0) {
        signed_attrs_raw = Some(sa.raw);
        signed_attrs = attributes(sa.value)?;
    }
    let sig_alg = AlgId::parse(*it.next().ok_or(CmsError::Malformed("signatureAlgorithm"))?)?;
    let signature = it.next().ok_or(CmsError::Malformed("signature"))?.tagged(asn1::OCTET_STRING)?.value;
    let unsigned_attrs = match it.next() {
        Some(u) => attributes(u.tagged(asn1::CTX1)?.value)?,
        None => Vec::new(),
    };
    if it.next().is_some() {
        return Err(CmsError::Malformed("SignerInfo trailing fields"));
    }
    Ok(SignerInfo { sid, digest, signed_attrs_raw, signed_attrs, sig_alg, signature, unsigned_attrs })
}

impl SignedData<'_> {
    /// Finds the signer's certificate by issuerAndSerialNumber or subjectKeyIdentifier.
    pub fn signer_cert(&self) -> Result<&Cert, CmsError> {
        let sid = self.signer.sid;
        match sid.tag {
            asn1::SEQUENCE => {
                let kids = sid.children()?;
                let [issuer, serial] = kids.as_slice() else { return Err(CmsError::Malformed("sid")) };
                self.certs
                    .iter()
                    .find(|c| c.issuer == issuer.raw && c.serial == serial.value)
                    .ok_or(CmsError::NoSignerCert)
            }
            0x80 => self
                .certs
                .iter()
                .find(|c| {
                    c.cert.tbs_certificate.extensions.iter().flatten().any(|e| {
                        e.extn_id.to_string() == "2.5.29.14"
                            && asn1::parse(e.extn_value.as_bytes()).is_ok_and(|(t, _)| t.value == sid.value)
                    })
                })
                .ok_or(CmsError::NoSignerCert),
            _ => Err(CmsError::Malformed("sid")),
        }
    }

    /// Verifies the signer over content whose digest (by the signer's digest algorithm)
    /// is `content_digest`; returns the signer certificate.
    pub fn verify_signer(&self, content_digest: &[u8], require_signing_cert: bool) -> Result<&Cert, CmsError> {
        let si = &self.signer;
        let raw = si.signed_attrs_raw.ok_or(CmsError::NoSignedAttrs)?;
        let ct = single(&si.signed_attrs, ATTR_CONTENT_TYPE)?.ok_or(CmsError::ContentType)?;
        if oid_of(&ct)? != self.econtent_type {
            return Err(CmsError::ContentType);
        }
        let md = single(&si.signed_attrs, ATTR_MESSAGE_DIGEST)?.ok_or(CmsError::DigestMismatch)?;
        if md.tagged(asn1::OCTET_STRING)?.value != content_digest {
            return Err(CmsError::DigestMismatch);
        }
        let cert = self.signer_cert()?;
        check_signing_cert(&si.signed_attrs, cert, require_signing_cert)?;
        // Hash the attributes exactly as received, only the IMPLICIT [0] tag becomes SET.
        let (_, body) = raw.split_first().ok_or(CmsError::NoSignedAttrs)?;
        let hashed = si.digest.digest(&[&[asn1::SET], body]);
        algo::verify(&cert.spki, &si.sig_alg, si.digest, &hashed, si.signature)?;
        Ok(cert)
    }
}

/// ESS signingCertificate(V2): the first ESSCertID must be the signer's certificate.
fn check_signing_cert(attrs: &[Attribute<'_>], cert: &Cert, required: bool) -> Result<(), CmsError> {
    let (value, v2) = match (single(attrs, ATTR_SIGNING_CERT_V2)?, single(attrs, ATTR_SIGNING_CERT)?) {
        (Some(v), _) => (v, true),
        (None, Some(v)) => (v, false),
        (None, None) if required => return Err(CmsError::NoSigningCert),
        (None, None) => return Ok(()),
    };
    // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies OPTIONAL }
    let outer = value.tagged(asn1::SEQUENCE)?.children()?;
    let certs = outer.first().ok_or(CmsError::SigningCertMismatch)?.tagged(asn1::SEQUENCE)?.children()?;
    let first = certs.first().ok_or(CmsError::SigningCertMismatch)?.tagged(asn1::SEQUENCE)?.children()?;
    let mut it = first.iter();
    let alg = if v2 {
        match first.first() {
            Some(t) if t.tag == asn1::SEQUENCE => {
                it.next();
                DigestAlg::from_alg_id(*t)?
            }
            _ => DigestAlg::Sha256, // ESSCertIDv2 default
        }
    } else {
        DigestAlg::Sha1
    };
    let hash = it.next().ok_or(CmsError::SigningCertMismatch)?.tagged(asn1::OCTET_STRING)?.value;
    if hash != alg.digest(&[&cert.der]).as_slice() {
        return Err(CmsError::SigningCertMismatch);
    }
    Ok(())
}
