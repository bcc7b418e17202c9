//! Minimal DER walker and BER→DER normaliser for CMS.
//!
//! Pitfalls: the signed attributes must be hashed exactly as
//! received, and `der` sorts every SET OF while decoding — so the CMS structure is walked
//! here by hand, keeping the raw bytes of every element. Some signers emit BER (indefinite
//! lengths, chunked OCTET STRINGs): [`normalize`] turns that into DER *without* reordering
//! anything, which yields the same bytes the signer hashed.

use thiserror::Error;

/// Guards the recursion of [`normalize`] against hostile nesting.
const MAX_DEPTH: usize = 48;

pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
pub const OID: u8 = 0x06;
pub const OCTET_STRING: u8 = 0x04;
pub const INTEGER: u8 = 0x02;
pub const GENERALIZED_TIME: u8 = 0x18;
pub const CTX0: u8 = 0xA0;
pub const CTX1: u8 = 0xA1;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum Asn1Error {
    #[error("ASN.1 data truncated")]
    Truncated,
    #[error("ASN.1 length not supported")]
    BadLength,
    #[error("ASN.1 high tag numbers not supported")]
    HighTag,
    #[error("ASN.1 nesting too deep")]
    TooDeep,
    #[error("unexpected ASN.1 tag {found:#04x} (wanted {wanted:#04x})")]
    Tag { wanted: u8, found: u8 },
    #[error("ASN.1 structure incomplete")]
    Missing,
}

/// One element: its tag, its contents, and its whole encoding (header included).
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub value: &'a [u8],
    pub raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// This element if it has `tag`.
    pub fn tagged(self, tag: u8) -> Result<Self, Asn1Error> {
        if self.tag == tag { Ok(self) } else { Err(Asn1Error::Tag { wanted: tag, found: self.tag }) }
    }

    pub fn children(&self) -> Result<Vec<Tlv<'a>>, Asn1Error> {
        children(self.value)
    }
}

/// Header: tag, length (`None` = indefinite), header size.
fn header(input: &[u8]) -> Result<(u8, Option<usize>, usize), Asn1Error> {
    let tag = *input.first().ok_or(Asn1Error::Truncated)?;
    if tag & 0x1F == 0x1F {
        return Err(Asn1Error::HighTag);
    }
    let first = *input.get(1).ok_or(Asn1Error::Truncated)?;
    if first < 0x80 {
        return Ok((tag, Some(usize::from(first)), 2));
    }
    if first == 0x80 {
        return Ok((tag, None, 2));
    }
    let n = usize::from(first & 0x7F);
    if n > 4 {
        return Err(Asn1Error::BadLength);
    }
    let bytes = input.get(2..2 + n).ok_or(Asn1Error::Truncated)?;
    let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Ok((tag, Some(len), 2 + n))
}

/// Parses one definite-length element, returning it and what follows.
pub fn parse(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), Asn1Error> {
    let (tag, len, hl) = header(input)?;
    let len = len.ok_or(Asn1Error::BadLength)?;
    let end = hl.checked_add(len).ok_or(Asn1Error::BadLength)?;
    let raw = input.get(..end).ok_or(Asn1Error::Truncated)?;
    let value = raw.get(hl..).ok_or(Asn1Error::Truncated)?;
    let rest = input.get(end..).ok_or(Asn1Error::Truncated)?;
    Ok((Tlv { tag, value, raw }, rest))
}

pub fn children(mut value: &[u8]) -> Result<Vec<Tlv<'_>>, Asn1Error> {
    let mut out = Vec::new();
    while !value.is_empty() {
        let (t, rest) = parse(value)?;
        out.push(t);
        value = rest;
    }
    Ok(out)
}

/// Writes a DER header for `tag` and `len`.
pub fn write_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8); // < 0x80: fits
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let sig = bytes.get(skip..).unwrap_or(&[]);
        out.push(0x80 | sig.len() as u8); // at most size_of::<usize>() bytes
        out.extend_from_slice(sig);
    }
}

/// Normalises the first BER element of `input` to DER (definite minimal lengths,
/// constructed OCTET STRINGs joined) and returns it with the number of input bytes used.
/// Element order is never changed (see module docs).
pub fn normalize(input: &[u8]) -> Result<(Vec<u8>, usize), Asn1Error> {
    let mut out = Vec::with_capacity(input.len());
    let used = norm(input, &mut out, 0)?;
    Ok((out, used))
}

fn norm(input: &[u8], out: &mut Vec<u8>, depth: usize) -> Result<usize, Asn1Error> {
    if depth > MAX_DEPTH {
        return Err(Asn1Error::TooDeep);
    }
    let (tag, len, hl) = header(input)?;
    let constructed = tag & 0x20 != 0;
    if !constructed {
        let len = len.ok_or(Asn1Error::BadLength)?;
        let end = hl.checked_add(len).ok_or(Asn1Error::BadLength)?;
        let value = input.get(hl..end).ok_or(Asn1Error::Truncated)?;
        write_header(out, tag, value.len());
        out.extend_from_slice(value);
        return Ok(end);
    }
    // Collect the normalised children first: the header needs their total length.
    let mut body = Vec::new();
    let mut pos = hl;
    loop {
        match len {
            Some(l) => {
                if pos >= hl.checked_add(l).ok_or(Asn1Error::BadLength)? {
                    break;
                }
            }
            None => {
                let eoc = input.get(pos..pos + 2).ok_or(Asn1Error::Truncated)?;
                if eoc == [0, 0] {
                    pos += 2;
                    break;
                }
            }
        }
        let rest = input.get(pos..).ok_or(Asn1Error::Truncated)?;
        if let Some(l) = len {
            // A child may not run past its parent's definite length.
            let limit = (hl + l).saturating_sub(pos);
            let used = norm(rest.get(..limit).ok_or(Asn1Error::Truncated)?, &mut body, depth + 1)?;
            pos += used;
        } else {
            pos += norm(rest, &mut body, depth + 1)?;
        }
    }
    if tag == 0x24 {
        // Constructed OCTET STRING (BER chunking, e.g. of eContent): DER wants one primitive.
        let mut joined = Vec::with_capacity(body.len());
        for c in children(&body)? {
            joined.extend_from_slice(c.tagged(OCTET_STRING)?.value);
        }
        write_header(out, OCTET_STRING, joined.len());
        out.extend_from_slice(&joined);
    } else {
        write_header(out, tag, body.len());
        out.extend_from_slice(&body);
    }
    Ok(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_lengths_become_definite() {
        // SEQUENCE(indef){ INTEGER 5, OCTET STRING(constructed, indef){ "ab", "c" } }
        let ber = [0x30, 0x80, 0x02, 0x01, 0x05, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0, 0, 0, 0];
        let (der, used) = normalize(&ber).expect("valid BER");
        assert_eq!(used, ber.len());
        assert_eq!(der, [0x30, 0x08, 0x02, 0x01, 0x05, 0x04, 0x03, b'a', b'b', b'c']);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for input in [&[][..], &[0x30], &[0x30, 0x85, 1, 1, 1, 1, 1], &[0x30, 0x80, 0x30, 0x80], &[0x1F, 0]] {
            assert!(normalize(input).is_err());
        }
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 500).flatten().collect();
        assert_eq!(normalize(&deep), Err(Asn1Error::TooDeep));
    }
}
