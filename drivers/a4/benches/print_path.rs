//! Acceptance 4: time from "Cetak" (the kiosk calls `print`) to the first byte sent to
//! the printer, and bytes sent per page, for the PDF-direct and raster paths.
//!
//! The printer is the counting fake USB transport (`usb::fake`): it takes data as fast
//! as it is offered, so the numbers are the driver's own cost (rendering with hayro at
//! 300 dpi, encoding), not a printer's speed. Run: `cargo bench -p adm-a4`.

#[path = "../tests/support/pdf.rs"]
mod pdf;
#[path = "../tests/support/render.rs"]
mod render;

use std::sync::Arc;
use std::time::{Duration, Instant};

use adm_a4::raw::{RawBackend, RawConfig};
use adm_a4::usb::fake::FakeTransport;
use adm_a4::{A4Printer, PrintJob};

const PRINTERS: [(&str, &str); 4] = [
    ("pdf-direct", "MFG:OKI DATA c332.js-CORP;CMD:PCL,POSTSCRIPT,PDF,PCLXL,URF;MDL:C332;CLS:PRINTER;"),
    ("pwg-raster", "MFG:EPSON;CMD:ESCPL2,ESCPR7,PWGRaster,URF;MDL:SC-P900 Series;CLS:PRINTER;"),
    ("urf", "MFG:Brother;CMD:PJL,PCL,PCLXL,URF;MDL:MFC-L2750DW series;CLS:PRINTER;"),
    ("pcl", "MFG:Hewlett-Packard;MDL:HP LaserJet 400 M401dn;CMD:PJL,PCL,POSTSCRIPT;"),
];

fn main() {
    let pages = 2;
    let job = PrintJob::new("KK-BENCH", pdf::document_pdf(pages), pages);
    println!("document: {} pages, {} bytes of PDF; raster at 300 dpi; fake USB printer", pages, job.pdf.len());
    println!("{:<11} {:>10} {:>10} {:>14} {:>12}", "path", "ttfb_ms", "total_ms", "bytes_total", "bytes/page");
    for (name, device_id) in PRINTERS {
        let mut runs = Vec::new();
        for _ in 0..3 {
            let (t, h) = FakeTransport::new(device_id);
            let config = RawConfig {
                rasterizer: Some(Arc::new(render::hayro_render)),
                settle: Duration::ZERO,
                ..RawConfig::default()
            };
            let mut b = RawBackend::new(Box::new(t), config);
            let cetak = Instant::now();
            let r = b.print(&job, &mut |_| {});
            let total = cetak.elapsed();
            assert_eq!(r, Ok(pages), "{name}");
            let first = h.lock().first_write_at.map(|t| t.duration_since(cetak)).unwrap_or_default();
            runs.push((first, total, h.lock().bytes, b.last_page_bytes.clone()));
        }
        runs.sort_by_key(|r| r.0);
        let (first, total, bytes, per_page) = &runs[1];
        // PDF direct is one stream for the whole document: bytes/page is its average.
        let per_page: Vec<String> = if per_page.len() == 1 {
            vec![format!("{} (avg)", bytes / u64::from(pages))]
        } else {
            per_page.iter().map(|b| b.to_string()).collect()
        };
        println!(
            "{:<11} {:>10.3} {:>10.1} {:>14} {:>12}",
            name,
            first.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3,
            bytes,
            per_page.join("/"),
        );
    }
}
