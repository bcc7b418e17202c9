//! The device layer over the simulated printer transport: status bytes, print confirmation,
//! partial writes, faults, unplug and replug.

mod common;

use std::sync::{Arc, Mutex};

use adm_thermal::device::{ConfirmMode, DeviceConfig, EscPosPrinter};
use adm_thermal::fake::{FakeConfig, FakeControl, FakeTransport, PaperLevel};
use adm_thermal::samples::{SampleKind, demo_receipt, sample};
use adm_thermal::sim::{SimFault, SimReceiptPrinter};
use adm_thermal::status::{PrinterStatus, recorded};
use adm_thermal::{PaperWidth, ReceiptPrinter, ReceiptStatus, ThermalError, layout};

fn printer(cfg: FakeConfig) -> (EscPosPrinter<FakeTransport>, FakeControl) {
    let (transport, control) = FakeTransport::new(cfg);
    (EscPosPrinter::new(transport, DeviceConfig::default()), control)
}

#[test]
fn recorded_status_bytes_map_to_conditions() {
    let cases = [
        (recorded::READY, ReceiptStatus::Ready),
        (recorded::PAPER_NEAR_END, ReceiptStatus::PaperNearEnd),
        (recorded::PAPER_OUT, ReceiptStatus::PaperOut),
        (recorded::COVER_OPEN, ReceiptStatus::CoverOpen),
        (recorded::CUTTER_ERROR, ReceiptStatus::Error),
        (recorded::HEAD_HOT, ReceiptStatus::Error),
        (recorded::FEEDING, ReceiptStatus::Ready),
    ];
    for (bytes, expected) in cases {
        let status = PrinterStatus::from_bytes(bytes).expect("valid status bytes");
        assert_eq!(status.summary(), expected, "{bytes:02x?}: {status:?}");
    }
    let out = PrinterStatus::from_bytes(recorded::PAPER_OUT).expect("valid");
    assert!(out.offline && out.paper_out && out.paper_near_end && out.stopped_paper_end && !out.cover_open);
    let cutter = PrinterStatus::from_bytes(recorded::CUTTER_ERROR).expect("valid");
    assert!(cutter.autocutter_error && cutter.error && cutter.waiting_recovery);
    assert!(ReceiptStatus::PaperNearEnd.can_print() && !ReceiptStatus::PaperOut.can_print());
}

#[test]
fn bytes_without_the_status_pattern_are_rejected() {
    // 0x37 is the first byte of a GS ( H answer, 0x00 a NUL: neither is a status byte.
    for bad in [[0x37, 0x12, 0x12, 0x12], [0x12, 0x12, 0x00, 0x12], [0x12, 0x12, 0x12, 0x92]] {
        assert!(PrinterStatus::from_bytes(bad).is_err(), "{bad:02x?}");
    }
}

#[test]
fn our_bit_reading_agrees_with_the_escpos_crate() {
    use escpos::utils::{RealTimeStatusRequest as Req, RealTimeStatusResponse as Resp};
    for byte in 0u8..=255 {
        let Ok(paper) = Resp::parse(Req::RollPaperSensor, byte) else {
            assert!(!adm_thermal::status::is_status_byte(byte), "{byte:#04x}");
            continue;
        };
        let offline = Resp::parse(Req::OfflineCause, byte).expect("same pattern");
        let printer = Resp::parse(Req::Printer, byte).expect("same pattern");
        let s = PrinterStatus::from_bytes([byte; 4]).expect("valid pattern");
        assert_eq!(s.cover_open, !offline[&Resp::CoverClosed], "{byte:#010b}");
        assert_eq!(s.stopped_paper_end, offline[&Resp::PrintingStopsDueToPaperEnd]);
        assert_eq!(s.error, offline[&Resp::ErrorOccurred]);
        assert_eq!(s.offline, !printer[&Resp::Online]);
        // The crate requires both sensor bits; we accept either (clones set only one).
        if paper[&Resp::RollPaperEndSensorPaperPresent] {
            assert!(!s.paper_out || byte & 0x60 != 0x60);
        } else {
            assert!(s.paper_out);
        }
        if !paper[&Resp::RollPaperNearEndSensorPaperAdequate] {
            assert!(s.paper_near_end);
        }
    }
}

#[test]
fn status_follows_the_hardware() {
    let (mut p, hw) = printer(FakeConfig::default());
    assert_eq!(p.status(), Ok(ReceiptStatus::Ready));
    hw.set_paper(PaperLevel::NearEnd);
    assert_eq!(p.status(), Ok(ReceiptStatus::PaperNearEnd));
    hw.set_paper(PaperLevel::Out);
    assert_eq!(p.status(), Ok(ReceiptStatus::PaperOut));
    hw.set_paper(PaperLevel::Ok);
    hw.set_cover_open(true);
    assert_eq!(p.status(), Ok(ReceiptStatus::CoverOpen));
    hw.set_cover_open(false);
    hw.set_error(true);
    assert_eq!(p.status(), Ok(ReceiptStatus::Error));
    hw.set_error(false);
    assert_eq!(p.status(), Ok(ReceiptStatus::Ready));
    assert_eq!(p.counters().paper_out_events, 1);
}

#[test]
fn state_changes_are_reported_once_not_every_poll() {
    let (mut p, hw) = printer(FakeConfig::default());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    p.set_observer(Box::new(move |prev, new| sink.lock().expect("lock").push((prev, new))));
    for _ in 0..5 {
        p.status().expect("status");
    }
    hw.set_paper(PaperLevel::NearEnd);
    for _ in 0..5 {
        p.status().expect("status");
    }
    assert_eq!(
        *seen.lock().expect("lock"),
        vec![(None, ReceiptStatus::Ready), (Some(ReceiptStatus::Ready), ReceiptStatus::PaperNearEnd)]
    );
}

#[test]
fn printing_is_confirmed_with_gs_paren_h() {
    let (mut p, hw) = printer(FakeConfig::default());
    let bytes = sample(SampleKind::Receipt, PaperWidth::Mm80);
    p.print(&bytes).expect("printed and confirmed");
    let caps = p.capabilities().expect("probed");
    assert!(caps.process_id);
    assert_eq!(caps.model.as_deref(), Some("TM-T20III (simulated)"));
    assert_eq!(caps.firmware.as_deref(), Some("1.00 ESC/POS"));
    assert_eq!(hw.printed(), 1);
    assert_eq!(hw.jobs(), vec![bytes]);
    assert_eq!(p.counters().jobs_printed, 1);
}

#[test]
fn the_printer_identifies_itself_before_any_job() {
    let (mut p, control) = printer(FakeConfig::default());
    let caps = p.identify().expect("identified");
    assert_eq!(caps.model.as_deref(), Some("TM-T20III (simulated)"));
    assert_eq!(caps.firmware.as_deref(), Some("1.00 ESC/POS"));
    assert!(caps.process_id);
    assert_eq!(control.printed(), 0, "nothing printed");
    let (mut gone, gone_control) = printer(FakeConfig::default());
    gone_control.unplug();
    assert_eq!(gone.identify(), Err(ThermalError::NotReady(ReceiptStatus::Disconnected)));
}

#[test]
fn partial_writes_are_resumed_not_repeated() {
    let (mut p, hw) = printer(FakeConfig { max_write: Some(7), ..FakeConfig::default() });
    let bytes = sample(SampleKind::Test, PaperWidth::Mm80);
    p.print(&bytes).expect("printed");
    assert_eq!(hw.jobs(), vec![bytes], "every byte exactly once, in order");
    assert_eq!(hw.garbled(), 0);
}

#[test]
fn printer_without_confirmation_or_info_still_prints() {
    let (mut p, hw) = printer(FakeConfig { process_id: false, info: false, ..FakeConfig::default() });
    p.print(&sample(SampleKind::Pickup, PaperWidth::Mm80)).expect("printed");
    let caps = p.capabilities().expect("probed");
    assert!(!caps.process_id);
    assert_eq!(caps.model, None);
    assert_eq!(hw.printed(), 1);
}

#[test]
fn confirm_always_fails_loudly_when_the_printer_never_answers() {
    let (transport, hw) = FakeTransport::new(FakeConfig { process_id: false, ..FakeConfig::default() });
    let mut p = EscPosPrinter::new(transport, DeviceConfig { confirm: ConfirmMode::Always, ..DeviceConfig::default() });
    let err = p.print(&sample(SampleKind::Receipt, PaperWidth::Mm80)).expect_err("unconfirmed");
    assert!(matches!(err, ThermalError::Unconfirmed(_)), "{err}");
    assert_eq!(hw.printed(), 1, "the paper came out, but the kiosk could not know");
    assert_eq!(p.counters().jobs_failed, 1);
}

#[test]
fn paper_out_stops_receipts() {
    let (mut p, hw) = printer(FakeConfig::default());
    hw.set_paper(PaperLevel::Out);
    let err = p.print(&sample(SampleKind::Receipt, PaperWidth::Mm80)).expect_err("no paper");
    assert_eq!(err, ThermalError::NotReady(ReceiptStatus::PaperOut));
    assert_eq!(hw.printed(), 0);
    // Near end still prints (technicians are warned through the status).
    hw.set_paper(PaperLevel::NearEnd);
    p.print(&sample(SampleKind::Receipt, PaperWidth::Mm80)).expect("near end prints");
}

#[test]
fn paper_running_out_mid_receipt_is_not_reported_as_printed() {
    let (mut p, hw) = printer(FakeConfig::default());
    p.status().expect("status");
    hw.paper_out_during_next_job();
    let err = p.print(&sample(SampleKind::Receipt, PaperWidth::Mm80)).expect_err("lost");
    assert_eq!(err, ThermalError::NotReady(ReceiptStatus::PaperOut));
    assert_eq!((hw.printed(), hw.lost()), (0, 1));
}

#[test]
fn stale_answers_in_the_pipe_do_not_confuse_status() {
    let (mut p, hw) = printer(FakeConfig::default());
    hw.set_paper(PaperLevel::NearEnd);
    // A late GS ( H answer and a GS I answer left over from before.
    hw.push_unsolicited(&[0x37, 0x22, b'9', b'9', b'9', b'9', 0, 0x5f, b'X', 0]);
    assert_eq!(p.status(), Ok(ReceiptStatus::PaperNearEnd));
}

#[test]
fn unplug_and_replug_recovers() {
    let (mut p, hw) = printer(FakeConfig::default());
    p.print(&sample(SampleKind::Receipt, PaperWidth::Mm80)).expect("first receipt");
    hw.unplug();
    assert_eq!(p.status(), Ok(ReceiptStatus::Disconnected));
    assert_eq!(p.status(), Ok(ReceiptStatus::Disconnected));
    let err = p.print(&sample(SampleKind::Receipt, PaperWidth::Mm80)).expect_err("unplugged");
    assert_eq!(err, ThermalError::NotReady(ReceiptStatus::Disconnected));
    hw.plug();
    assert_eq!(p.status(), Ok(ReceiptStatus::Ready));
    p.print(&sample(SampleKind::Receipt, PaperWidth::Mm80)).expect("after replug");
    assert_eq!(hw.printed(), 2);
    assert_eq!(p.counters().reconnects, 1);
    assert_eq!(hw.connects(), 2);
    assert!(p.capabilities().is_some_and(|c| c.process_id), "re-probed after replug");
}

#[test]
fn unplug_during_a_job_is_an_error_then_recovers() {
    let (mut p, hw) = printer(FakeConfig::default());
    p.status().expect("status");
    hw.unplug();
    // Status was read before the unplug: the write itself fails.
    let bytes = layout::receipt(&demo_receipt(adm_thermal::Language::Id), PaperWidth::Mm80);
    assert!(p.print(&bytes).is_err());
    hw.plug();
    p.print(&bytes).expect("printed after replug");
    assert_eq!(hw.printed(), 1);
}

#[test]
fn simulated_printer_writes_pictures_a_person_can_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut sim = SimReceiptPrinter::new(Some(dir.path().to_path_buf()), PaperWidth::Mm80);
    let control = sim.control();
    let data = demo_receipt(adm_thermal::Language::En);
    sim.print(&layout::receipt(&data, PaperWidth::Mm80)).expect("printed");
    assert_eq!(control.printed(), 1);
    let png = dir.path().join("receipt-001.png");
    assert!(dir.path().join("receipt-001.bin").exists());
    assert_eq!(common::zbar_decode(&png), vec![data.qr_payload.clone()]);

    control.inject(SimFault::PaperOut);
    assert_eq!(sim.status(), Ok(ReceiptStatus::PaperOut));
    assert!(sim.print(&layout::receipt(&data, PaperWidth::Mm80)).is_err());
    control.inject(SimFault::Unplugged);
    assert_eq!(sim.status(), Ok(ReceiptStatus::Disconnected));
    control.inject(SimFault::CoverOpen);
    assert_eq!(sim.status(), Ok(ReceiptStatus::CoverOpen));
    control.inject(SimFault::PaperNearEnd);
    assert_eq!(sim.status(), Ok(ReceiptStatus::PaperNearEnd));
    sim.print(&layout::receipt(&data, PaperWidth::Mm80)).expect("near end prints");
    control.clear();
    assert_eq!(sim.status(), Ok(ReceiptStatus::Ready));
    assert_eq!(control.printed(), 2);
    assert!(dir.path().join("receipt-002.png").exists());
}
