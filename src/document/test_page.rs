//! The A4 test page technicians print from the maintenance menu: a frame exactly 10 mm
//! inside the A4 edges and a 50 mm ruler, so true scale (print-scaling=none) can be
//! checked with a ruler, plus the words a technician expects to see.

const MM: f32 = 72.0 / 25.4;

/// A one-page A4 PDF (no citizen data).
pub fn pdf() -> Vec<u8> {
    let (w, h) = (595.28_f32, 841.89_f32);
    let m = 10.0 * MM;
    let ruler = 50.0 * MM;
    let content = format!(
        "1 w {m:.2} {m:.2} {fw:.2} {fh:.2} re S \
         {x0:.2} 400 m {x1:.2} 400 l S {x0:.2} 395 m {x0:.2} 405 l S {x1:.2} 395 m {x1:.2} 405 l S \
         BT /F1 28 Tf 72 700 Td (ADM - HALAMAN UJI / TEST PAGE) Tj ET \
         BT /F1 14 Tf 72 660 Td (Bingkai 10 mm dari tepi kertas A4; garis di bawah = 50 mm.) Tj ET \
         BT /F1 14 Tf 72 640 Td (Frame 10 mm inside the A4 edges; the line below is 50 mm.) Tj ET",
        fw = w - 2.0 * m,
        fh = h - 2.0 * m,
        x0 = 72.0,
        x1 = 72.0 + ruler,
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
        ),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    adm_pdf_xref::assemble(b"%PDF-1.7\n", &objects)
}

#[cfg(test)]
mod tests {
    #[test]
    fn is_a_one_page_a4_pdf() {
        let pdf = super::pdf();
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-1.7"));
        assert!(text.contains("/MediaBox [0 0 595.28 841.89]"));
        assert!(text.contains("/Count 1"));
        assert!(text.trim_end().ends_with("%%EOF"));
    }
}
