//! Request bodies that hold a PIN, a NIK or a token: built in one buffer that is wiped
//! when the request no longer needs it.
//!
//! `reqwest`'s `.json()` serializes into a growing `Vec` and hands it to the connection as
//! plain `Bytes`: the PIN would then sit in freed heap memory (once per reallocation) until
//! something overwrites it. Here the body is measured first, written once into an exactly
//! sized `Zeroizing` buffer, and given to `reqwest` as `Bytes` that own that buffer, so it is
//! wiped when the last clone (retries share it) is dropped. Copies made further down (the
//! HTTP writer's and TLS record buffers) are beyond the client's reach.

use std::io::{self, Write};

use bytes::Bytes;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::ClientError;

/// `POST /v1/sessions/nik` from the caller's borrowed NIK and PIN: no `String` copy of the
/// PIN is ever made. Same JSON as [`crate::api::NikSignIn`].
#[derive(Serialize)]
pub(crate) struct NikSignIn<'a> {
    pub nik: &'a str,
    pub pin: &'a str,
}

/// `POST /v1/sessions/notice`, borrowed. Same JSON as [`crate::api::NoticeSignIn`].
#[derive(Serialize)]
pub(crate) struct NoticeSignIn<'a> {
    pub code: &'a str,
    pub pin: &'a str,
}

/// Counts bytes without keeping them.
struct Measure(usize);

impl Write for Measure {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `body` as JSON in a buffer that is wiped on drop (and never reallocated while filled).
pub(crate) fn json_buffer<B: Serialize>(body: &B) -> Result<Zeroizing<Vec<u8>>, ClientError> {
    let invalid = |e: serde_json::Error| ClientError::Config(format!("request body: {e}"));
    let mut measure = Measure(0);
    serde_json::to_writer(&mut measure, body).map_err(invalid)?;
    let mut buf = Zeroizing::new(Vec::with_capacity(measure.0));
    serde_json::to_writer(&mut *buf, body).map_err(invalid)?;
    Ok(buf)
}

/// `body` as JSON, ready for `reqwest` (cheap to clone for a retry), wiped when dropped.
pub(crate) fn json_body<B: Serialize>(body: &B) -> Result<Bytes, ClientError> {
    Ok(Bytes::from_owner(json_buffer(body)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api;

    #[test]
    fn borrowed_sign_in_bodies_are_the_wire_types() {
        let nik = json_buffer(&NikSignIn { nik: "3201011505800001", pin: "123456" }).expect("json");
        let wire: api::NikSignIn = serde_json::from_slice(&nik).expect("the server's type reads it");
        assert_eq!((wire.nik.as_str(), wire.pin.as_str()), ("3201011505800001", "123456"));
        let notice = json_buffer(&NoticeSignIn { code: "7QK3M9ZT4HX2WD8R", pin: "2468" }).expect("json");
        let wire: api::NoticeSignIn = serde_json::from_slice(&notice).expect("the server's type reads it");
        assert_eq!((wire.code.as_str(), wire.pin.as_str()), ("7QK3M9ZT4HX2WD8R", "2468"));
    }

    /// What a test can show: the body is written once into a buffer of exactly its size
    /// (no reallocation left a partial copy behind), that buffer is a `Zeroizing` one, and
    /// the `Bytes` handed to `reqwest` are that very allocation, not a copy. That the
    /// memory is overwritten on drop is `zeroize`'s contract, not observable safely here.
    #[test]
    fn the_body_is_one_exactly_sized_wiped_buffer_shared_with_reqwest() {
        let body = NikSignIn { nik: "3201011505800001", pin: "123456" };
        let buf: Zeroizing<Vec<u8>> = json_buffer(&body).expect("json");
        assert_eq!(buf.capacity(), buf.len());
        let at = buf.as_ptr();
        let bytes = Bytes::from_owner(buf);
        assert_eq!(bytes.as_ptr(), at);
        let retry = bytes.clone();
        assert_eq!(retry.as_ptr(), at, "a retry shares the buffer");
        assert_eq!(&json_body(&body).expect("json")[..], &bytes[..]);
    }
}
