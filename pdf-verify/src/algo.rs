//! Digest and signature algorithms: RSA PKCS#1 v1.5, RSASSA-PSS, ECDSA P-256/P-384.
//!
//! Pitfall: ECDSA with a digest longer than the curve (P-256 + SHA-384) occurs in real
//! signed PDFs, so ECDSA is always verified with `verify_prehash` on the digest we computed.

use const_oid::ObjectIdentifier as Oid;
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs1::DecodeRsaPublicKey;
use sha2::Digest;
use thiserror::Error;

use super::asn1::{self, Tlv};

pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
const RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const RSA_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
const RSA_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
const RSA_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
const RSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
const P384: Oid = Oid::new_unwrap("1.3.132.0.34");

/// Smallest RSA modulus accepted (BSrE issues 2048+; smaller is a downgrade).
const MIN_RSA_BITS: usize = 2048;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AlgError {
    #[error("unsupported digest algorithm {0}")]
    Digest(String),
    #[error("unsupported signature algorithm {0}")]
    Signature(String),
    #[error("signature algorithm does not match the digest algorithm")]
    DigestMismatch,
    #[error("unusable public key: {0}")]
    Key(&'static str),
    #[error("signature does not verify")]
    BadSignature,
    #[error("malformed algorithm parameters")]
    Params,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlg {
    /// Only for legacy ESS signingCertificate (v1) hashes, never for signatures.
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlg {
    pub fn from_oid(oid: &Oid) -> Result<Self, AlgError> {
        Ok(match *oid {
            SHA1 => Self::Sha1,
            SHA256 => Self::Sha256,
            SHA384 => Self::Sha384,
            SHA512 => Self::Sha512,
            _ => return Err(AlgError::Digest(oid.to_string())),
        })
    }

    /// Parses an AlgorithmIdentifier (parameters, if any, must be NULL).
    pub fn from_alg_id(t: Tlv<'_>) -> Result<Self, AlgError> {
        let id = AlgId::parse(t)?;
        Self::from_oid(&id.oid)
    }

    pub fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        }
        match self {
            Self::Sha1 => run::<sha1::Sha1>(parts),
            Self::Sha256 => run::<sha2::Sha256>(parts),
            Self::Sha384 => run::<sha2::Sha384>(parts),
            Self::Sha512 => run::<sha2::Sha512>(parts),
        }
    }
}

/// An AlgorithmIdentifier with its raw parameters.
#[derive(Debug, Clone)]
pub struct AlgId<'a> {
    pub oid: Oid,
    pub params: Option<Tlv<'a>>,
}

impl<'a> AlgId<'a> {
    pub fn parse(t: Tlv<'a>) -> Result<Self, AlgError> {
        let kids = t.tagged(asn1::SEQUENCE).and_then(|t| t.children()).map_err(|_| AlgError::Params)?;
        let oid_tlv = kids.first().ok_or(AlgError::Params)?.tagged(asn1::OID).map_err(|_| AlgError::Params)?;
        let oid = Oid::from_bytes(oid_tlv.value).map_err(|_| AlgError::Params)?;
        let params = kids.get(1).copied().filter(|p| p.tag != 0x05); // NULL = absent
        Ok(Self { oid, params })
    }
}

/// Verifies `signature` over a message whose digest (with `digest`) is `hashed`.
/// `spki` is the signer's DER SubjectPublicKeyInfo.
pub fn verify(
    spki: &[u8],
    sig_alg: &AlgId<'_>,
    digest: DigestAlg,
    hashed: &[u8],
    signature: &[u8],
) -> Result<(), AlgError> {
    let implied = match sig_alg.oid {
        RSA | EC_PUBLIC_KEY | RSA_PSS => None,
        RSA_SHA256 | ECDSA_SHA256 => Some(DigestAlg::Sha256),
        RSA_SHA384 | ECDSA_SHA384 => Some(DigestAlg::Sha384),
        RSA_SHA512 | ECDSA_SHA512 => Some(DigestAlg::Sha512),
        other => return Err(AlgError::Signature(other.to_string())),
    };
    if implied.is_some_and(|d| d != digest) || digest == DigestAlg::Sha1 {
        return Err(AlgError::DigestMismatch);
    }
    let key = spki::SubjectPublicKeyInfoRef::try_from(spki).map_err(|_| AlgError::Key("bad SubjectPublicKeyInfo"))?;
    let key_bits = key.subject_public_key.as_bytes().ok_or(AlgError::Key("unaligned key bits"))?;
    match sig_alg.oid {
        RSA | RSA_SHA256 | RSA_SHA384 | RSA_SHA512 => {
            let pk = rsa_key(&key.algorithm.oid, key_bits)?;
            let scheme = match digest {
                DigestAlg::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                DigestAlg::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                DigestAlg::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                DigestAlg::Sha1 => return Err(AlgError::DigestMismatch),
            };
            pk.verify(scheme, hashed, signature).map_err(|_| AlgError::BadSignature)
        }
        RSA_PSS => {
            let pk = rsa_key(&key.algorithm.oid, key_bits)?;
            let (hash, salt) = pss_params(sig_alg.params)?;
            if hash != digest {
                return Err(AlgError::DigestMismatch);
            }
            let scheme = match hash {
                DigestAlg::Sha256 => rsa::Pss::new_with_salt::<sha2::Sha256>(salt),
                DigestAlg::Sha384 => rsa::Pss::new_with_salt::<sha2::Sha384>(salt),
                DigestAlg::Sha512 => rsa::Pss::new_with_salt::<sha2::Sha512>(salt),
                DigestAlg::Sha1 => return Err(AlgError::DigestMismatch),
            };
            pk.verify(scheme, hashed, signature).map_err(|_| AlgError::BadSignature)
        }
        _ => {
            if key.algorithm.oid != EC_PUBLIC_KEY {
                return Err(AlgError::Key("ECDSA signature but not an EC key"));
            }
            let curve = key
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<Oid>().ok())
                .ok_or(AlgError::Key("EC key without named curve"))?;
            match curve {
                P256 => {
                    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bits)
                        .map_err(|_| AlgError::Key("bad P-256 point"))?;
                    let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| AlgError::BadSignature)?;
                    vk.verify_prehash(hashed, &sig).map_err(|_| AlgError::BadSignature)
                }
                P384 => {
                    let vk = p384::ecdsa::VerifyingKey::from_sec1_bytes(key_bits)
                        .map_err(|_| AlgError::Key("bad P-384 point"))?;
                    let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| AlgError::BadSignature)?;
                    vk.verify_prehash(hashed, &sig).map_err(|_| AlgError::BadSignature)
                }
                other => Err(AlgError::Signature(format!("ECDSA on curve {other}"))),
            }
        }
    }
}

fn rsa_key(alg: &Oid, bits: &[u8]) -> Result<rsa::RsaPublicKey, AlgError> {
    if *alg != RSA && *alg != RSA_PSS {
        return Err(AlgError::Key("RSA signature but not an RSA key"));
    }
    let pk = rsa::RsaPublicKey::from_pkcs1_der(bits).map_err(|_| AlgError::Key("bad RSA key"))?;
    if rsa::traits::PublicKeyParts::n(&pk).bits() < MIN_RSA_BITS {
        return Err(AlgError::Key("RSA key shorter than 2048 bits"));
    }
    Ok(pk)
}

/// RSASSA-PSS-params: hash and salt length. The MGF1 hash must equal the message hash
/// (the `rsa` crate uses one digest for both); trailerField must be 1.
fn pss_params(params: Option<Tlv<'_>>) -> Result<(DigestAlg, usize), AlgError> {
    let mut hash = DigestAlg::Sha1; // RFC 4055 defaults
    let mut mgf_hash = DigestAlg::Sha1;
    let mut salt = 20usize;
    let kids = match params {
        Some(p) => p.tagged(asn1::SEQUENCE).and_then(|p| p.children()).map_err(|_| AlgError::Params)?,
        None => Vec::new(),
    };
    for k in kids {
        let inner = asn1::parse(k.value).map_err(|_| AlgError::Params)?.0;
        match k.tag {
            0xA0 => hash = DigestAlg::from_alg_id(inner)?,
            0xA1 => {
                let mgf = AlgId::parse(inner)?;
                if mgf.oid != MGF1 {
                    return Err(AlgError::Params);
                }
                mgf_hash = DigestAlg::from_alg_id(mgf.params.ok_or(AlgError::Params)?)?;
            }
            0xA2 => salt = small_uint(inner)?,
            0xA3 => {
                if small_uint(inner)? != 1 {
                    return Err(AlgError::Params);
                }
            }
            _ => return Err(AlgError::Params),
        }
    }
    if hash != mgf_hash {
        return Err(AlgError::Params);
    }
    Ok((hash, salt))
}

fn small_uint(t: Tlv<'_>) -> Result<usize, AlgError> {
    let v = t.tagged(asn1::INTEGER).map_err(|_| AlgError::Params)?.value;
    if v.is_empty() || v.len() > 4 || v.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(AlgError::Params);
    }
    Ok(v.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b)))
}
