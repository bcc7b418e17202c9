//! Word wrapping on encoded bytes (one byte = one printed column), so the width we measure is
//! exactly what the printer fills. A line that reaches the paper edge makes the printer wrap on
//! its own, mid-word, and a following LF then adds an empty line: never send one.

/// Splits `text` into lines of at most `columns` bytes, breaking at spaces; words longer than a
/// line are cut hard. Always returns at least one (possibly empty) line.
pub fn wrap(text: &[u8], columns: usize) -> Vec<Vec<u8>> {
    let columns = columns.max(1);
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let mut word = word;
        loop {
            let needed = if line.is_empty() { word.len() } else { line.len() + 1 + word.len() };
            if needed <= columns {
                if !line.is_empty() {
                    line.push(b' ');
                }
                line.extend_from_slice(word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // The word alone is longer than a line.
            let (head, tail) = word.split_at(columns);
            lines.push(head.to_vec());
            word = tail;
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str, cols: usize) -> Vec<String> {
        wrap(text.as_bytes(), cols).into_iter().map(|l| String::from_utf8(l).expect("ascii")).collect()
    }

    #[test]
    fn breaks_at_spaces() {
        assert_eq!(w("Silakan ambil di loket 3 Disdukcapil", 12), ["Silakan", "ambil di", "loket 3", "Disdukcapil"]);
    }

    #[test]
    fn exact_fit_and_empty() {
        assert_eq!(w("abcd efgh", 9), ["abcd efgh"]);
        assert_eq!(w("", 9), [""]);
        assert_eq!(w("   ", 9), [""]);
    }

    #[test]
    fn long_words_are_cut() {
        assert_eq!(w("https://verifikasi.example/abcdef", 10), ["https://ve", "rifikasi.e", "xample/abc", "def"]);
        assert_eq!(w("ab 0123456789", 10), ["ab", "0123456789"]);
    }
}
