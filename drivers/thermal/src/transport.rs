//! The raw link to a printer: bytes out, answer bytes in, reconnect.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The device went away (unplugged, powered off, USB reset).
    #[error("printer disconnected")]
    Disconnected,
    /// No printer found when (re)connecting.
    #[error("no printer found: {0}")]
    NotFound(String),
    /// Nothing was transferred within the timeout.
    #[error("timed out")]
    Timeout,
    #[error("{0}")]
    Io(String),
}

pub trait Transport: Send {
    /// Sends bytes; may send only part of them (returns how many). Blocks at most `timeout`;
    /// `Err(Timeout)` means nothing at all was accepted (the printer's buffer is full).
    fn write(&mut self, data: &[u8], timeout: Duration) -> Result<usize, TransportError>;

    /// Reads whatever the printer has sent, blocking at most `timeout` for the first byte.
    /// `Err(Timeout)` means nothing arrived.
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError>;

    /// Drops the current connection (if any) and opens the printer again.
    fn reconnect(&mut self) -> Result<(), TransportError>;

    /// For logs: "USB 04b8:0e15 bus 1 addr 4", "simulated".
    fn describe(&self) -> String;
}
