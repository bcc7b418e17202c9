//! One IPP-USB interface's HTTP, carried between its bulk pipes and a TCP connection to
//! the IPP server that plays the printer's brain (ippeveprinter on the test host).
//!
//! An IPP-USB interface is a persistent byte pipe: the host sends HTTP/1.1 requests on
//! bulk OUT and reads the answers on bulk IN, one after another (ipp-usb sends the next
//! request on an interface only once it has read the whole answer to the last), for as
//! long as the device is configured. A TCP connection to the server does not live that
//! long: the server may close it after an answer (ipp-usb asks for `Connection: close`
//! from printers with the `http-connection = close` quirk, e.g. the HP OfficeJet Pro 8730
//! played here; ippeveprinter then drops the connection when it reads the next request,
//! so that request would be lost half-sent) or when idle. So each request gets its own
//! connection: the first bytes the host sends after the server answered open a new one
//! (the old one is closed), and the USB side never sees a close.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The TCP side of one interface.
#[derive(Debug)]
pub struct TcpLink {
    target: Mutex<String>,
    conn: Mutex<Option<Conn>>,
    opened: AtomicU64,
}

#[derive(Debug)]
struct Conn {
    /// Its number, so a reader that saw EOF on connection N does not drop connection N+1
    /// opened meanwhile.
    id: u64,
    stream: TcpStream,
    /// The server has answered on it: the host's next bytes are a new request.
    answered: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl TcpLink {
    pub fn new(target: &str) -> TcpLink {
        TcpLink { target: Mutex::new(target.to_owned()), conn: Mutex::new(None), opened: AtomicU64::new(0) }
    }

    pub fn set_target(&self, target: &str) {
        *lock(&self.target) = target.to_owned();
        self.reset();
    }

    /// How many TCP connections were opened so far.
    pub fn connections(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }

    fn connect(&self) -> io::Result<Conn> {
        let target = lock(&self.target).clone();
        let addr = target
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{target}: no address")))?;
        let stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)?;
        stream.set_nodelay(true)?;
        let id = self.opened.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::debug!(%target, id, "IPP-USB: TCP connection opened");
        Ok(Conn { id, stream, answered: false })
    }

    /// Host → printer bytes. Opens a connection for a new request.
    pub fn write(&self, data: &[u8]) -> io::Result<()> {
        let mut conn = lock(&self.conn);
        if let Some(old) = conn.take_if(|c| c.answered) {
            let _ = old.stream.shutdown(std::net::Shutdown::Both);
        }
        if conn.is_none() {
            *conn = Some(self.connect()?);
        }
        let result = match conn.as_mut() {
            Some(c) => c.stream.write_all(data),
            None => Ok(()),
        };
        if result.is_err() {
            // The server closed it under us: the next request gets a new connection.
            *conn = None;
        }
        result
    }

    /// A handle to read the current connection's answers from, with its number.
    pub fn reader(&self) -> Option<(u64, TcpStream)> {
        let conn = lock(&self.conn);
        conn.as_ref().and_then(|c| c.stream.try_clone().ok().map(|s| (c.id, s)))
    }

    /// The server sent (part of) its answer on connection `id`.
    pub fn answered(&self, id: u64) {
        if let Some(c) = lock(&self.conn).as_mut().filter(|c| c.id == id) {
            c.answered = true;
        }
    }

    /// The server closed connection `id`: forget it (unless a newer one replaced it).
    pub fn closed(&self, id: u64) {
        let mut conn = lock(&self.conn);
        if conn.as_ref().is_some_and(|c| c.id == id) {
            *conn = None;
        }
    }

    /// A new USB session (or none): no HTTP exchange survives it.
    pub fn reset(&self) {
        if let Some(c) = lock(&self.conn).take() {
            let _ = c.stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// How to queue `data` on a bulk IN endpoint with packets of `max_packet` bytes so
/// that the host's read ends with this data: a transfer whose length is a whole number of
/// packets does not end the host's (larger) read, which would then wait for the next
/// answer. Such a chunk goes as two transfers, the last one a single byte. (A zero-length
/// packet would end it too, but ipp-usb takes an empty read as an error and backs off.)
pub fn transfers(data: &[u8], max_packet: usize) -> Vec<&[u8]> {
    if data.is_empty() {
        return Vec::new();
    }
    // (Nothing is a multiple of a zero packet size but zero, handled above.)
    if !data.len().is_multiple_of(max_packet) {
        return vec![data];
    }
    let (most, last) = data.split_at(data.len() - 1);
    vec![most, last]
}

/// What the read side of one connection did.
#[derive(Debug, PartialEq, Eq)]
pub enum Pumped {
    /// Bytes handed to the USB side.
    Data(usize),
    /// Nothing within the poll interval.
    Idle,
    /// The server closed the connection.
    Closed,
}

/// Reads what the server sent on `stream` (waiting at most `poll`) and hands it to `sink`.
pub fn pump_once(
    stream: &mut TcpStream,
    buf: &mut [u8],
    poll: Duration,
    sink: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<Pumped> {
    stream.set_read_timeout(Some(poll))?;
    match stream.read(buf) {
        Ok(0) => Ok(Pumped::Closed),
        Ok(n) => {
            sink(&buf[..n])?;
            Ok(Pumped::Data(n))
        }
        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Ok(Pumped::Idle),
        Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted) => {
            Ok(Pumped::Closed)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;
    use std::net::TcpListener;

    #[test]
    fn whole_packets_are_split_so_the_host_read_ends() {
        let lens = |len: usize, max_packet: usize| -> Vec<usize> {
            transfers(&vec![7u8; len], max_packet).iter().map(|c| c.len()).collect()
        };
        assert_eq!(lens(0, 512), Vec::<usize>::new());
        assert_eq!(lens(100, 512), vec![100]);
        assert_eq!(lens(513, 512), vec![513]);
        assert_eq!(lens(512, 512), vec![511, 1]);
        assert_eq!(lens(16384, 512), vec![16383, 1]);
        assert_eq!(lens(1, 0), vec![1]);
    }

    /// A server that answers each line with "ok N" and closes after each answer, like
    /// ippeveprinter after a `Connection: close` request.
    fn closing_server() -> (String, std::thread::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let h = std::thread::spawn(move || {
            let mut got = Vec::new();
            for (n, s) in listener.incoming().take(2).enumerate() {
                let mut s = s.expect("accept");
                let mut line = String::new();
                std::io::BufReader::new(&s).read_line(&mut line).expect("read");
                got.push(line.trim().to_owned());
                s.write_all(format!("ok {n}\n").as_bytes()).expect("answer");
            }
            got
        });
        (addr, h)
    }

    fn read_answer(link: &TcpLink) -> (Vec<u8>, bool) {
        let (id, mut stream) = link.reader().expect("a connection is open");
        let mut out = Vec::new();
        let mut buf = [0u8; 64];
        for _ in 0..50 {
            let mut sink = |d: &[u8]| -> io::Result<()> {
                out.extend_from_slice(d);
                Ok(())
            };
            match pump_once(&mut stream, &mut buf, Duration::from_millis(100), &mut sink).expect("pump") {
                Pumped::Closed => {
                    link.closed(id);
                    return (out, true);
                }
                Pumped::Data(_) => link.answered(id),
                Pumped::Idle if !out.is_empty() => return (out, false),
                Pumped::Idle => {}
            }
        }
        (out, false)
    }

    #[test]
    fn each_request_gets_its_own_connection_even_when_the_server_keeps_it_open() {
        // A keep-alive server that would misread a second request on the same connection
        // (as ippeveprinter does after answering one sent with `Connection: close`).
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let link = TcpLink::new(&listener.local_addr().expect("addr").to_string());
        let server = std::thread::spawn(move || {
            let mut kept = Vec::new();
            let mut got = Vec::new();
            for (n, s) in listener.incoming().take(2).enumerate() {
                let mut s = s.expect("accept");
                let mut line = String::new();
                std::io::BufReader::new(&s).read_line(&mut line).expect("read");
                got.push(line.trim().to_owned());
                s.write_all(format!("ok {n}\n").as_bytes()).expect("answer");
                kept.push(s);
            }
            got
        });
        link.write(b"first ").expect("sent");
        link.write(b"request\n").expect("the rest of the same request, same connection");
        assert_eq!(read_answer(&link), (b"ok 0\n".to_vec(), false));
        link.write(b"second\n").expect("sent on a new connection");
        // (The server then ends, closing both: whether that EOF is seen yet does not matter.)
        assert_eq!(read_answer(&link).0, b"ok 1\n");
        assert_eq!(link.connections(), 2);
        assert_eq!(server.join().expect("server"), ["first request", "second"]);
    }

    #[test]
    fn a_closed_connection_is_replaced_by_a_new_one_for_the_next_request() {
        let (addr, server) = closing_server();
        let link = TcpLink::new(&addr);
        assert!(link.reader().is_none(), "no connection before the first request");
        link.write(b"first\n").expect("sent");
        assert_eq!(read_answer(&link), (b"ok 0\n".to_vec(), true));
        assert!(link.reader().is_none(), "the closed connection is forgotten");
        link.write(b"second\n").expect("sent on a new connection");
        assert_eq!(read_answer(&link), (b"ok 1\n".to_vec(), true));
        assert_eq!(link.connections(), 2);
        assert_eq!(server.join().expect("server"), ["first", "second"]);
    }

    #[test]
    fn an_old_connections_close_does_not_drop_the_new_one() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let link = TcpLink::new(&listener.local_addr().expect("addr").to_string());
        link.write(b"x").expect("sent");
        let (first, _) = link.reader().expect("open");
        link.reset();
        link.write(b"y").expect("sent");
        link.closed(first);
        assert!(link.reader().is_some_and(|(id, _)| id != first), "connection 2 is kept");
    }

    #[test]
    fn nothing_listening_is_an_error_not_a_hang() {
        let link = TcpLink::new("127.0.0.1:1");
        assert!(link.write(b"GET / HTTP/1.1\r\n\r\n").is_err());
        assert!(link.reader().is_none());
    }
}
