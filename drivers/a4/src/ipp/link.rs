//! One IPP request/response over HTTP, with errors sorted into "could not reach the
//! printer" and "the printer said no".

use std::time::Duration;

use ::ipp::prelude::*;

use super::attrs;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Connection refused/reset, timeout, HTTP error: nothing (more) is known.
    #[error("printer unreachable: {0}")]
    Unreachable(String),
    /// The printer answered with an IPP error status.
    #[error("printer answered {code:?}: {message}")]
    Status { code: StatusCode, message: String },
    #[error("IPP protocol: {0}")]
    Protocol(String),
}

/// Builds requests for, and sends them to, one printer URI.
#[derive(Debug, Clone)]
pub struct Link {
    pub uri: Uri,
    pub user_name: String,
}

impl Link {
    pub fn request(&self, op: Operation) -> Result<IppRequestResponse, LinkError> {
        let mut req = IppRequestResponse::new(IppVersion::v2_0(), op, Some(self.uri.clone()))
            .map_err(|e| LinkError::Protocol(e.to_string()))?;
        let user = IppValue::new_name_without_language(self.user_name.clone())
            .map_err(|e| LinkError::Protocol(e.to_string()))?;
        req.attributes_mut().add(DelimiterTag::OperationAttributes, attr("requesting-user-name", user)?);
        Ok(req)
    }

    pub fn send(&self, req: IppRequestResponse, timeout: Duration) -> Result<IppRequestResponse, LinkError> {
        let client = IppClient::builder(self.uri.clone()).request_timeout(timeout).build();
        let resp = parser_guard(|| client.send(req))?.map_err(|e| match e {
            IppError::StatusError(code) => LinkError::Status { code, message: String::new() },
            IppError::ParseError(e) => LinkError::Protocol(e.to_string()),
            other => LinkError::Unreachable(other.to_string()),
        })?;
        let code = resp.header().status_code();
        if !code.is_success() {
            let message = attrs::strings(&resp, DelimiterTag::OperationAttributes, "status-message").join(" ");
            return Err(LinkError::Status { code, message });
        }
        Ok(resp)
    }

    pub fn get_printer_attributes(&self, names: &[&str], timeout: Duration) -> Result<IppRequestResponse, LinkError> {
        let mut req = self.request(Operation::GetPrinterAttributes)?;
        add_keywords(&mut req, DelimiterTag::OperationAttributes, "requested-attributes", names)?;
        self.send(req, timeout)
    }

    pub fn get_job_attributes(&self, job_id: i32, timeout: Duration) -> Result<IppRequestResponse, LinkError> {
        let mut req = self.request(Operation::GetJobAttributes)?;
        req.attributes_mut().add(DelimiterTag::OperationAttributes, attr("job-id", IppValue::Integer(job_id))?);
        add_keywords(
            &mut req,
            DelimiterTag::OperationAttributes,
            "requested-attributes",
            &[
                "job-state",
                "job-state-reasons",
                "job-state-message",
                "job-impressions-completed",
                "job-media-sheets-completed",
                "job-pages-completed",
            ],
        )?;
        self.send(req, timeout)
    }

    pub fn cancel_job(&self, job_id: i32, timeout: Duration) -> Result<(), LinkError> {
        let mut req = self.request(Operation::CancelJob)?;
        req.attributes_mut().add(DelimiterTag::OperationAttributes, attr("job-id", IppValue::Integer(job_id))?);
        self.send(req, timeout).map(|_| ())
    }

    /// The id of the job called `name`, looking at unfinished jobs first.
    pub fn find_job_by_name(&self, name: &str, timeout: Duration) -> Result<Option<i32>, LinkError> {
        for which in ["not-completed", "completed"] {
            let mut req = self.request(Operation::GetJobs)?;
            add_keywords(&mut req, DelimiterTag::OperationAttributes, "which-jobs", &[which])?;
            add_keywords(&mut req, DelimiterTag::OperationAttributes, "requested-attributes", &["job-id", "job-name"])?;
            let resp = self.send(req, timeout)?;
            for group in resp.attributes().groups_of(DelimiterTag::JobAttributes) {
                let is_ours = group.get("job-name").is_some_and(|a| a.value().to_string() == name);
                if let (true, Some(IppValue::Integer(id))) = (is_ours, group.get("job-id").map(|a| a.value())) {
                    return Ok(Some(*id));
                }
            }
        }
        Ok(None)
    }
}

/// Runs the `ipp` crate's parsing of a printer's answer, turning a panic inside it into a
/// protocol error. ipp 8.0.0 panics on some malformed answers (a text- or name-with-language
/// value whose inner length runs past the value: `get_len_string` slices without a bounds
/// check; found by the `ipp_attrs` fuzz target), and a printer's bytes must never take the
/// print run down.
fn parser_guard<T>(parse: impl FnOnce() -> T) -> Result<T, LinkError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse))
        .map_err(|_| LinkError::Protocol("the printer's answer could not be parsed".into()))
}

/// Reads an IPP answer from its bytes exactly as [`Link::send`] does after HTTP (for the
/// fuzz targets and tests).
pub fn parse_answer(bytes: &[u8]) -> Result<IppRequestResponse, LinkError> {
    let reader = ::ipp::reader::IppReader::new(std::io::Cursor::new(bytes.to_vec()));
    parser_guard(|| ::ipp::parser::IppParser::new(reader).parse())?.map_err(|e| LinkError::Protocol(e.to_string()))
}

pub fn add_keywords(
    req: &mut IppRequestResponse,
    tag: DelimiterTag,
    name: &str,
    values: &[&str],
) -> Result<(), LinkError> {
    let mut vals = Vec::with_capacity(values.len());
    for v in values {
        vals.push(IppValue::new_keyword(*v).map_err(|e| LinkError::Protocol(e.to_string()))?);
    }
    let value = if vals.len() == 1 { vals.remove(0) } else { IppValue::Array(vals) };
    req.attributes_mut().add(tag, attr(name, value)?);
    Ok(())
}

pub fn attr(name: &str, value: IppValue) -> Result<IppAttribute, LinkError> {
    IppAttribute::with_name(name, value).map_err(|e| LinkError::Protocol(e.to_string()))
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    /// The answer the `ipp_attrs` fuzz target found: a `textWithLanguage` value (tag 0x35)
    /// whose language length (0xfffd) runs past the value made ipp 8.0.0 panic.
    const PANICKING_ANSWER: &[u8] = &[
        0x01, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x01, 0x01, 0x35, 0x00, 0x02, 0xff, 0xfd, 0x00, 0x04, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x27, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x3d, 0x09, 0x00,
    ];

    #[test]
    fn an_answer_the_ipp_parser_panics_on_is_a_protocol_error() {
        assert!(matches!(parse_answer(PANICKING_ANSWER), Err(LinkError::Protocol(_))));
    }

    /// The same answer from a printer over HTTP: the request fails, the caller lives on.
    #[test]
    fn a_printer_sending_it_gets_a_protocol_error() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("address").port();
        let printer = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().expect("connection");
            let mut request = [0u8; 4096];
            let _ = conn.read(&mut request);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/ipp\r\nContent-Length: {}\r\n\r\n",
                PANICKING_ANSWER.len()
            );
            conn.write_all(head.as_bytes()).and_then(|()| conn.write_all(PANICKING_ANSWER)).expect("answer");
            // Read the rest of the request before closing: the first read may end before
            // the request body, and closing on a client still sending it fails its write
            // (broken pipe) before it reads the answer this test is about.
            let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
            while matches!(conn.read(&mut request), Ok(n) if n > 0) {}
        });
        let uri: Uri = format!("http://127.0.0.1:{port}/ipp/print").parse().expect("uri");
        let link = Link { uri, user_name: "kiosk".into() };
        let result = link.get_printer_attributes(&["printer-state"], Duration::from_secs(5));
        assert!(matches!(result, Err(LinkError::Protocol(_))), "{:?}", result.err());
        printer.join().expect("printer thread");
    }
}
