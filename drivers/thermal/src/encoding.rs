//! Text → printer bytes in Windows-1252 (`ESC t 16`).
//!
//! Done here rather than by the `escpos` crate: its PC850/PC858 tables are wrong (ASCII `-`
//! becomes 0xF0) and characters missing from a table are sent as raw UTF-8, which prints as
//! garbage. Windows-1252 has every letter of Indonesian and the accented Latin letters that
//! appear in names (é, ü, ñ, ...).
//!
//! The encoder is also the injection guard: control characters never reach the printer, so
//! data from the server cannot smuggle ESC/POS commands into a receipt.

/// `ESC t 16`: select code page WPC1252 (Epson numbering, also used by most clones).
pub const SELECT_WPC1252: [u8; 3] = [0x1b, b't', 16];

/// Encodes one line of text. Every output byte is one printed column.
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        encode_char(c, &mut out);
    }
    out
}

fn encode_char(c: char, out: &mut Vec<u8>) {
    let code = c as u32;
    match code {
        0x20..=0x7e => out.push(code as u8),
        // Tabs and line breaks inside a field become spaces; layout decides where lines end.
        0x09 | 0x0a | 0x0d => out.push(b' '),
        // Other C0/C1 controls and DEL would be commands to the printer: drop them.
        0x00..=0x1f | 0x7f..=0x9f => {}
        // Windows-1252 equals Latin-1 from 0xA0 up. NBSP prints as a plain space.
        0xa0 => out.push(b' '),
        0xa1..=0xff => out.push(code as u8),
        // Combining marks (decomposed "e\u{301}"): the base letter is already out.
        0x0300..=0x036f => {}
        _ => match cp1252_extra(c) {
            Some(b) => out.push(b),
            None => match ascii_fallback(c) {
                Some(s) => out.extend_from_slice(s.as_bytes()),
                None => out.push(b'?'),
            },
        },
    }
}

/// The letters Windows-1252 has in 0x80..0x9F. Typographic punctuation from that range is
/// deliberately NOT used (see [`ascii_fallback`]): cheap printers' 1252 tables often lack it.
fn cp1252_extra(c: char) -> Option<u8> {
    Some(match c {
        '€' => 0x80,
        'Š' => 0x8a,
        'Œ' => 0x8c,
        'Ž' => 0x8e,
        'š' => 0x9a,
        'œ' => 0x9c,
        'ž' => 0x9e,
        'Ÿ' => 0x9f,
        _ => return None,
    })
}

/// Plain-ASCII stand-ins for punctuation and for Latin letters outside Windows-1252.
fn ascii_fallback(c: char) -> Option<&'static str> {
    Some(match c {
        '‘' | '’' | '‚' | '′' => "'",
        '“' | '”' | '„' | '″' => "\"",
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => "-",
        '…' => "...",
        '•' | '·' => "*",
        '\u{2009}' | '\u{200a}' | '\u{202f}' | '\u{2007}' => " ",
        '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}' => "",
        'Ā' | 'Ă' | 'Ą' => "A",
        'ā' | 'ă' | 'ą' => "a",
        'Ć' | 'Ĉ' | 'Ċ' | 'Č' => "C",
        'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'Ď' | 'Đ' => "D",
        'ď' | 'đ' => "d",
        'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => "E",
        'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'Ğ' | 'Ġ' | 'Ģ' => "G",
        'ğ' | 'ġ' | 'ģ' => "g",
        'Ī' | 'Ĭ' | 'Į' | 'İ' => "I",
        'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'Ł' | 'Ľ' | 'Ĺ' => "L",
        'ł' | 'ľ' | 'ĺ' => "l",
        'Ń' | 'Ň' | 'Ņ' => "N",
        'ń' | 'ň' | 'ņ' => "n",
        'Ō' | 'Ő' => "O",
        'ō' | 'ő' => "o",
        'Ř' | 'Ŕ' => "R",
        'ř' | 'ŕ' => "r",
        'Ś' | 'Ş' | 'Ș' => "S",
        'ś' | 'ş' | 'ș' => "s",
        'Ť' | 'Ţ' | 'Ț' => "T",
        'ť' | 'ţ' | 'ț' => "t",
        'Ū' | 'Ů' | 'Ű' | 'Ų' => "U",
        'ū' | 'ů' | 'ű' | 'ų' => "u",
        'Ź' | 'Ż' => "Z",
        'ź' | 'ż' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_unchanged_and_hyphen_stays_a_hyphen() {
        assert_eq!(encode("No. 3201-KK"), b"No. 3201-KK".to_vec());
    }

    #[test]
    fn latin1_letters_map_to_their_1252_bytes() {
        assert_eq!(encode("André Müller Ñ"), b"Andr\xe9 M\xfcller \xd1".to_vec());
        assert_eq!(encode("€ Š"), vec![0x80, b' ', 0x8a]);
    }

    #[test]
    fn decomposed_accents_keep_the_base_letter() {
        assert_eq!(encode("Jose\u{301}"), b"Jose".to_vec());
    }

    #[test]
    fn controls_cannot_inject_commands() {
        assert_eq!(encode("a\u{1b}@b\u{1d}V\u{10}\u{4}c\u{9b}"), b"a@bVc".to_vec());
        assert_eq!(encode("a\nb\tc"), b"a b c".to_vec());
    }

    #[test]
    fn punctuation_and_other_scripts_fall_back() {
        assert_eq!(encode("TIDAK TERCETAK — hubungi petugas"), b"TIDAK TERCETAK - hubungi petugas".to_vec());
        assert_eq!(encode("“Łódź”"), b"\"L\xf3dz\"".to_vec());
        assert_eq!(encode("日本"), b"??".to_vec());
    }
}
