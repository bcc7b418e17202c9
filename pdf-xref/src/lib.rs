//! The end of a hand-written PDF file: the classic cross-reference table, the trailer,
//! `startxref` and `%%EOF`.
//!
//! Several writers assemble PDFs by hand because they need exact byte offsets: the central
//! server's signed documents (`/ByteRange` must cover everything but `/Contents`), the
//! kiosk's A4 test page, and test fixtures (a signed PDF with an incremental `/DSS`
//! update, printer test files). They all end the file the same way, with this one
//! function, so an offset mistake can only be made (and fixed) once. No dependencies:
//! the server, the kiosk and the A4 driver's tests all use it.

use std::fmt::Write as _;

/// Appends the cross-reference table and trailer to `out` and ends the file.
///
/// `objects`: (object number, byte offset in `out` of its `N 0 obj` line), in the order
/// they should be listed. Objects numbered exactly `1..=n` in order get one subsection
/// (a complete file); anything else — an incremental update — gets one subsection per
/// object. `trailer`: the trailer entries after `/Size` (`/Size` is the highest object
/// number + 1), e.g. `"/Root 1 0 R"`.
pub fn finish(out: &mut Vec<u8>, objects: &[(u32, usize)], trailer: &str) {
    let xref_at = out.len();
    let contiguous = objects.iter().enumerate().all(|(i, &(n, _))| n as usize == i + 1);
    let mut xref = String::new();
    if contiguous {
        let _ = write!(xref, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
        for (_, off) in objects {
            let _ = writeln!(xref, "{off:010} 00000 n ");
        }
    } else {
        xref.push_str("xref\n0 1\n0000000000 65535 f \n");
        for (n, off) in objects {
            let _ = write!(xref, "{n} 1\n{off:010} 00000 n \n");
        }
    }
    let size = objects.iter().map(|&(n, _)| n).max().unwrap_or(0) + 1;
    let _ = write!(xref, "trailer\n<< /Size {size} {trailer} >>\nstartxref\n{xref_at}\n%%EOF\n");
    out.extend_from_slice(xref.as_bytes());
}

/// A complete file: `header`, then `objects` as objects `1..=n` (object 1 the catalog),
/// then the cross-reference table and a trailer naming object 1 as the root.
pub fn assemble<S: AsRef<[u8]>>(header: &[u8], objects: &[S]) -> Vec<u8> {
    let mut out = header.to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, obj) in objects.iter().enumerate() {
        let n = i as u32 + 1;
        offsets.push((n, out.len()));
        out.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        out.extend_from_slice(obj.as_ref());
        out.extend_from_slice(b"\nendobj\n");
    }
    finish(&mut out, &offsets, "/Root 1 0 R");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_file_has_one_subsection_and_exact_offsets() {
        let pdf =
            assemble(b"%PDF-1.7\n", &["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"]);
        let text = String::from_utf8(pdf).unwrap();
        let expected = "%PDF-1.7\n\
            1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n\
            2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n\
            xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n\
            trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n110\n%%EOF\n";
        assert_eq!(text, expected);
        assert_eq!(&text[9..16], "1 0 obj");
        assert_eq!(&text[58..65], "2 0 obj");
        assert_eq!(&text[110..114], "xref");
    }

    #[test]
    fn an_incremental_update_lists_each_object_on_its_own() {
        let mut out = b"(previous revision)\n".to_vec();
        let at = out.len();
        out.extend_from_slice(b"9 0 obj\n<< >>\nendobj\n");
        finish(&mut out, &[(1, 5), (9, at)], "/Root 1 0 R /Prev 0");
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with(
            "xref\n0 1\n0000000000 65535 f \n1 1\n0000000005 00000 n \n9 1\n0000000020 00000 n \n\
             trailer\n<< /Size 10 /Root 1 0 R /Prev 0 >>\nstartxref\n41\n%%EOF\n"
        ));
    }
}
