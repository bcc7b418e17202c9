//! PAdES-B signatures: a detached CMS SignedData over the PDF's ByteRange, with the
//! signed attributes contentType, messageDigest and signingCertificateV2 (ETSI EN 319 122).
//! No signingTime attribute: PAdES puts the claimed time in the signature dictionary `/M`.

use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::CertificateChoices;
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Encode};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::DecodePrivateKey;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;

use crate::pdf::{self, Prepared};

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("signer key: {0}")]
    Key(String),
    #[error("certificate: {0}")]
    Cert(#[from] der::Error),
    #[error("CMS: {0}")]
    Cms(String),
    #[error(transparent)]
    Pdf(#[from] pdf::PdfError),
}

/// id-aa-signingCertificateV2 (RFC 5035).
const ID_AA_SIGNING_CERTIFICATE_V2: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// ESSCertIDv2 with the default hash algorithm (SHA-256), so `hashAlgorithm` is omitted.
#[derive(der::Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
}

#[derive(der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

/// The document signer: key plus the chain to embed (signer first, then intermediates).
pub struct DocumentSigner {
    key: SigningKey,
    signer_cert: Certificate,
    signer_der: Vec<u8>,
    chain: Vec<Certificate>,
}

impl DocumentSigner {
    pub fn new(key_pkcs8_der: &[u8], signer_cert_der: &[u8], intermediates_der: &[Vec<u8>]) -> Result<Self, SignError> {
        let key = SigningKey::from_pkcs8_der(key_pkcs8_der).map_err(|e| SignError::Key(e.to_string()))?;
        let signer_cert = Certificate::from_der(signer_cert_der)?;
        let chain = intermediates_der.iter().map(|d| Certificate::from_der(d)).collect::<Result<Vec<_>, _>>()?;
        Ok(DocumentSigner { key, signer_cert, signer_der: signer_cert_der.to_vec(), chain })
    }

    /// Signs a prepared PDF and returns the final file.
    pub fn sign_pdf(&self, prepared: Prepared) -> Result<Vec<u8>, SignError> {
        let mut hasher = Sha256::new();
        for part in prepared.signed_parts() {
            hasher.update(part);
        }
        let digest = hasher.finalize();
        let cms = self.cms_detached(&digest)?;
        Ok(prepared.embed(&cms)?)
    }

    /// DER of a ContentInfo(SignedData) over an externally computed SHA-256 digest.
    pub fn cms_detached(&self, digest: &[u8]) -> Result<Vec<u8>, SignError> {
        let sha256 = AlgorithmIdentifierOwned { oid: const_oid_sha256(), parameters: None };
        let eci = EncapsulatedContentInfo { econtent_type: const_oid_data(), econtent: None };
        let sid = SignerIdentifier::IssuerAndSerialNumber(cms::cert::IssuerAndSerialNumber {
            issuer: self.signer_cert.tbs_certificate.issuer.clone(),
            serial_number: self.signer_cert.tbs_certificate.serial_number.clone(),
        });

        let ess = SigningCertificateV2 {
            certs: vec![EssCertIdV2 { cert_hash: OctetString::new(Sha256::digest(&self.signer_der).to_vec())? }],
        };
        let mut values = SetOfVec::new();
        values.insert(Any::from_der(&ess.to_der()?)?)?;
        let signing_cert_attr = Attribute { oid: ID_AA_SIGNING_CERTIFICATE_V2, values };

        let mut sib = SignerInfoBuilder::new(&self.key, sid, sha256.clone(), &eci, Some(digest)).map_err(cms_err)?;
        sib.add_signed_attribute(signing_cert_attr).map_err(cms_err)?;

        let mut builder = SignedDataBuilder::new(&eci);
        builder.add_digest_algorithm(sha256).map_err(cms_err)?;
        builder.add_certificate(CertificateChoices::Certificate(self.signer_cert.clone())).map_err(cms_err)?;
        for cert in &self.chain {
            builder.add_certificate(CertificateChoices::Certificate(cert.clone())).map_err(cms_err)?;
        }
        builder.add_signer_info::<SigningKey, DerSignature>(sib).map_err(cms_err)?;
        let content_info = builder.build().map_err(cms_err)?;
        content_info.to_der().map_err(cms_err)
    }
}

fn cms_err(e: impl std::fmt::Display) -> SignError {
    SignError::Cms(e.to_string())
}

fn const_oid_sha256() -> der::oid::ObjectIdentifier {
    der::oid::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1")
}

fn const_oid_data() -> der::oid::ObjectIdentifier {
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1")
}
