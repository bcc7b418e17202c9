//! Strict ESC/POS tokenizer: the commands the kiosk sends (and the status/info requests the
//! device layer sends) are recognised with their parameters checked; anything else is an error,
//! so a layout bug cannot hide behind a printer that silently ignores bytes.

use super::RenderError;

const LF: u8 = 0x0a;
const DLE: u8 = 0x10;
const EOT: u8 = 0x04;
const ESC: u8 = 0x1b;
const GS: u8 = 0x1d;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command<'a> {
    /// A run of printable bytes (0x20..=0x7E, 0x80..=0xFF), in the current code page.
    Text(&'a [u8]),
    /// LF: print the line buffer and feed one line.
    LineFeed,
    /// ESC @
    Init,
    /// ESC t n
    CodePage(u8),
    /// ESC R n
    CharSet(u8),
    /// ESC a n, normalised to 0 left, 1 centre, 2 right.
    Justify(u8),
    /// ESC E n
    Bold(bool),
    /// ESC - n, normalised to 0, 1, 2 dots.
    Underline(u8),
    /// ESC M n, normalised to 0 (A, 12×24) or 1 (B, 9×17).
    Font(u8),
    /// GS ! n: width and height multipliers 1..=8.
    CharSize { width: u8, height: u8 },
    /// ESC 3 n
    LineSpacing(u8),
    /// ESC 2
    DefaultLineSpacing,
    /// ESC d n
    FeedLines(u8),
    /// ESC J n
    FeedDots(u8),
    /// GS V m [n]
    Cut { partial: bool, feed: u8 },
    /// GS ( k fn 65: model (49 = 1, 50 = 2, 51 = micro).
    QrModel(u8),
    /// GS ( k fn 67: module size in dots.
    QrModuleSize(u8),
    /// GS ( k fn 69: error correction 48..=51 (L, M, Q, H).
    QrErrorCorrection(u8),
    /// GS ( k fn 80: store symbol data.
    QrStore(&'a [u8]),
    /// GS ( k fn 81: print the stored symbol.
    QrPrint,
    /// GS v 0 m xL xH yL yH d...: `width_bytes` × 8 dots wide, `height` dots high.
    Raster { scale: u8, width_bytes: u16, height: u16, data: &'a [u8] },
    /// GS ( H fn 48: answer with this process id once everything before it is printed.
    ProcessIdRequest([u8; 4]),
    /// DLE EOT n (real-time status, n = 1..=4).
    RealtimeStatus(u8),
    /// GS I n (printer information).
    PrinterInfo(u8),
}

/// Parses the command at the start of `buf`. `Ok(None)` means the buffer ends inside a command
/// (more bytes are needed). `offset` is only used in error messages.
pub fn next_command(buf: &[u8], offset: usize) -> Result<Option<(Command<'_>, usize)>, RenderError> {
    let Some(&first) = buf.first() else { return Ok(None) };
    let unknown = |len: usize| RenderError::UnknownCommand { offset, bytes: buf[..len.min(buf.len())].to_vec() };
    let bad = |command: &'static str, detail: String| RenderError::BadParameter { offset, command, detail };
    match first {
        0x20..=0x7e | 0x80..=0xff => {
            let len = buf.iter().take_while(|&&b| is_printable(b)).count();
            Ok(Some((Command::Text(&buf[..len]), len)))
        }
        LF => Ok(Some((Command::LineFeed, 1))),
        DLE => {
            let Some(&b1) = buf.get(1) else { return Ok(None) };
            if b1 != EOT {
                return Err(unknown(2));
            }
            let Some(&n) = buf.get(2) else { return Ok(None) };
            if !(1..=4).contains(&n) {
                return Err(bad("DLE EOT", format!("n = {n}")));
            }
            Ok(Some((Command::RealtimeStatus(n), 3)))
        }
        ESC => {
            let Some(&b1) = buf.get(1) else { return Ok(None) };
            if b1 == b'@' {
                return Ok(Some((Command::Init, 2)));
            }
            if b1 == b'2' {
                return Ok(Some((Command::DefaultLineSpacing, 2)));
            }
            let Some(&n) = buf.get(2) else {
                return if b"tRaE-M3dJ".contains(&b1) { Ok(None) } else { Err(unknown(2)) };
            };
            let cmd = match b1 {
                b't' => match n {
                    0 | 16 => Command::CodePage(n),
                    _ => return Err(bad("ESC t", format!("code page {n} is not supported by this interpreter"))),
                },
                b'R' => match n {
                    0 => Command::CharSet(0),
                    _ => return Err(bad("ESC R", format!("international character set {n}"))),
                },
                b'a' => match n {
                    0..=2 => Command::Justify(n),
                    48..=50 => Command::Justify(n - 48),
                    _ => return Err(bad("ESC a", format!("n = {n}"))),
                },
                b'E' => Command::Bold(n & 1 == 1),
                b'-' => match n {
                    0..=2 => Command::Underline(n),
                    48..=50 => Command::Underline(n - 48),
                    _ => return Err(bad("ESC -", format!("n = {n}"))),
                },
                b'M' => match n {
                    0 | 1 => Command::Font(n),
                    48 | 49 => Command::Font(n - 48),
                    _ => return Err(bad("ESC M", format!("font {n}"))),
                },
                b'3' => Command::LineSpacing(n),
                b'd' => Command::FeedLines(n),
                b'J' => Command::FeedDots(n),
                _ => return Err(unknown(3)),
            };
            Ok(Some((cmd, 3)))
        }
        GS => parse_gs(buf, offset),
        _ => Err(unknown(1)),
    }
}

fn is_printable(b: u8) -> bool {
    matches!(b, 0x20..=0x7e | 0x80..=0xff)
}

fn parse_gs(buf: &[u8], offset: usize) -> Result<Option<(Command<'_>, usize)>, RenderError> {
    let unknown = |len: usize| RenderError::UnknownCommand { offset, bytes: buf[..len.min(buf.len())].to_vec() };
    let bad = |command: &'static str, detail: String| RenderError::BadParameter { offset, command, detail };
    let Some(&b1) = buf.get(1) else { return Ok(None) };
    match b1 {
        b'!' => {
            let Some(&n) = buf.get(2) else { return Ok(None) };
            let (width, height) = ((n >> 4) + 1, (n & 0x0f) + 1);
            if width > 8 || height > 8 {
                return Err(bad("GS !", format!("n = {n:#04x}")));
            }
            Ok(Some((Command::CharSize { width, height }, 3)))
        }
        b'I' => {
            let Some(&n) = buf.get(2) else { return Ok(None) };
            Ok(Some((Command::PrinterInfo(n), 3)))
        }
        b'V' => {
            let Some(&m) = buf.get(2) else { return Ok(None) };
            match m {
                0 | 48 => Ok(Some((Command::Cut { partial: false, feed: 0 }, 3))),
                1 | 49 => Ok(Some((Command::Cut { partial: true, feed: 0 }, 3))),
                65 | 66 => {
                    let Some(&n) = buf.get(3) else { return Ok(None) };
                    Ok(Some((Command::Cut { partial: m == 66, feed: n }, 4)))
                }
                _ => Err(bad("GS V", format!("m = {m}"))),
            }
        }
        b'v' => {
            if buf.len() < 8 {
                return Ok(None);
            }
            if buf[2] != b'0' {
                return Err(unknown(3));
            }
            let m = buf[3];
            if !matches!(m, 0..=3 | 48..=51) {
                return Err(bad("GS v 0", format!("m = {m}")));
            }
            let width_bytes = u16::from_le_bytes([buf[4], buf[5]]);
            let height = u16::from_le_bytes([buf[6], buf[7]]);
            if width_bytes == 0 || height == 0 || height > 2303 {
                return Err(bad("GS v 0", format!("{width_bytes} bytes × {height} dots")));
            }
            let len = 8 + usize::from(width_bytes) * usize::from(height);
            if buf.len() < len {
                return Ok(None);
            }
            let cmd = Command::Raster { scale: m & 3, width_bytes, height, data: &buf[8..len] };
            Ok(Some((cmd, len)))
        }
        b'(' => {
            if buf.len() < 5 {
                return Ok(None);
            }
            let function = buf[2];
            let plen = usize::from(u16::from_le_bytes([buf[3], buf[4]]));
            let len = 5 + plen;
            if buf.len() < len {
                return Ok(None);
            }
            let params = &buf[5..len];
            match function {
                b'k' => parse_2d(params, offset).map(|c| Some((c, len))),
                b'H' => {
                    // fn 48 is the only GS ( H function: pL pH = 6 0, fn = 48, m = 48, d1..d4.
                    if plen != 6 || params[0] != 48 || params[1] != 48 {
                        return Err(bad("GS ( H", format!("parameters {params:?}")));
                    }
                    let id = [params[2], params[3], params[4], params[5]];
                    if !id.iter().all(|d| (0x20..=0x7e).contains(d)) {
                        return Err(bad("GS ( H", format!("process id {id:?}")));
                    }
                    Ok(Some((Command::ProcessIdRequest(id), len)))
                }
                _ => Err(unknown(3)),
            }
        }
        _ => Err(unknown(2)),
    }
}

/// GS ( k parameters: cn (49 = QR) fn ...
fn parse_2d(params: &[u8], offset: usize) -> Result<Command<'_>, RenderError> {
    let bad = |detail: String| RenderError::BadParameter { offset, command: "GS ( k", detail };
    let (Some(&cn), Some(&func)) = (params.first(), params.get(1)) else {
        return Err(bad("missing cn/fn".to_owned()));
    };
    if cn != 49 {
        return Err(bad(format!("symbol type cn = {cn} (only QR, 49, is supported)")));
    }
    let arg = |i: usize| params.get(i).copied().ok_or_else(|| bad(format!("fn {func}: too short")));
    match func {
        65 => {
            let model = arg(2)?;
            if params.len() != 4 || !(49..=51).contains(&model) {
                return Err(bad(format!("fn 65 parameters {params:?}")));
            }
            Ok(Command::QrModel(model))
        }
        67 => {
            let size = arg(2)?;
            if params.len() != 3 || !(1..=16).contains(&size) {
                return Err(bad(format!("fn 67 module size {size}")));
            }
            Ok(Command::QrModuleSize(size))
        }
        69 => {
            let level = arg(2)?;
            if params.len() != 3 || !(48..=51).contains(&level) {
                return Err(bad(format!("fn 69 error correction {level}")));
            }
            Ok(Command::QrErrorCorrection(level))
        }
        80 => {
            if arg(2)? != 48 || params.len() < 4 {
                return Err(bad("fn 80 without data".to_owned()));
            }
            Ok(Command::QrStore(&params[3..]))
        }
        81 => {
            if params.len() != 3 || arg(2)? != 48 {
                return Err(bad(format!("fn 81 parameters {params:?}")));
            }
            Ok(Command::QrPrint)
        }
        _ => Err(bad(format!("QR function {func} is not supported"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_runs_stop_at_controls() {
        let buf = b"Halo\ndunia";
        assert_eq!(next_command(buf, 0).expect("ok"), Some((Command::Text(b"Halo"), 4)));
        assert_eq!(next_command(&buf[4..], 4).expect("ok"), Some((Command::LineFeed, 1)));
    }

    #[test]
    fn incomplete_commands_ask_for_more() {
        assert_eq!(next_command(&[0x1b], 0).expect("ok"), None);
        assert_eq!(next_command(&[0x1d, b'v', b'0', 0, 1, 0, 2, 0, 0xff], 0).expect("ok"), None);
        assert_eq!(next_command(&[0x1d, b'(', b'k', 4, 0, 49], 0).expect("ok"), None);
    }

    #[test]
    fn unknown_commands_fail() {
        assert!(matches!(
            next_command(&[0x1b, b'p', 0, 25, 250], 7),
            Err(RenderError::UnknownCommand { offset: 7, .. })
        ));
        assert!(matches!(next_command(&[0x07], 0), Err(RenderError::UnknownCommand { .. })));
        assert!(matches!(next_command(&[0x1b, b't', 19], 0), Err(RenderError::BadParameter { .. })));
    }

    #[test]
    fn process_id_request() {
        let buf = [0x1d, b'(', b'H', 6, 0, 48, 48, b'0', b'0', b'4', b'2'];
        assert_eq!(next_command(&buf, 0).expect("ok"), Some((Command::ProcessIdRequest(*b"0042"), 11)));
    }
}
