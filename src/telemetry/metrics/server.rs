//! The `/metrics` endpoint: a minimal HTTP/1.x server on loopback for the local agent.
//! One connection at a time, one exchange per connection, bounded in size and time.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use super::Metrics;

/// The content type of the OpenMetrics 1.0 text format.
pub const OPENMETRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The port the agent config (`fleet/kiosk/prometheus-agent.yml`) scrapes.
pub const DEFAULT_PORT: u16 = 9464;

/// How long one scrape connection may take to send its request or read the answer. The
/// server handles one connection at a time (one scraper, on loopback), so a stuck
/// client must not hold it for long.
pub(super) const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest request head accepted; a scrape's is a few hundred bytes.
const MAX_REQUEST_HEAD: usize = 8 * 1024;

/// A running metrics endpoint. Dropping it (or [`ServerHandle::shutdown`]) stops it.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.stop.store(true, Ordering::SeqCst);
            // Wake the blocking accept() with one last connection.
            let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(500));
            let _ = thread.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Serves `GET /metrics` on `addr`, which must be a loopback address: the endpoint is for
/// the local agent only, and the kiosk opens no port to the network.
pub fn serve(metrics: Arc<Metrics>, addr: SocketAddr) -> io::Result<ServerHandle> {
    if !addr.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("metrics: refusing to listen on non-loopback address {addr}"),
        ));
    }
    let listener = TcpListener::bind(addr)?;
    let addr = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let stop_flag = stop.clone();
    let thread = std::thread::Builder::new().name("metrics-http".into()).spawn(move || {
        for conn in listener.incoming() {
            if stop_flag.load(Ordering::SeqCst) {
                break;
            }
            match conn {
                Ok(stream) => {
                    if let Err(e) = handle(&metrics, stream) {
                        tracing::debug!("metrics: connection: {e}");
                    }
                }
                // E.g. EMFILE: back off a little instead of spinning.
                Err(e) => {
                    tracing::warn!("metrics: accept: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    })?;
    tracing::info!("metrics: serving OpenMetrics on http://{addr}/metrics");
    Ok(ServerHandle { addr, stop, thread: Some(thread) })
}

/// One HTTP/1.x exchange, then the connection is closed.
fn handle(metrics: &Metrics, stream: TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?).take(MAX_REQUEST_HEAD as u64);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Read (and ignore) the headers up to the blank line, within the size cap.
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_ascii_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (status, content_type, body) = match (method, path) {
        ("GET", "/metrics") => ("200 OK", OPENMETRICS_CONTENT_TYPE, metrics.encode()),
        (_, "/metrics") => ("405 Method Not Allowed", "text/plain; charset=utf-8", "only GET\n".to_string()),
        _ => ("404 Not Found", "text/plain; charset=utf-8", "not found: try /metrics\n".to_string()),
    };
    let mut out = stream;
    let allow = if status.starts_with("405") { "Allow: GET\r\n" } else { "" };
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{allow}Connection: close\r\n\r\n",
        body.len()
    )?;
    out.write_all(body.as_bytes())?;
    out.flush()?;
    let _ = out.shutdown(Shutdown::Write);
    Ok(())
}
