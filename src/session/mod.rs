//! The citizen journey as a pure state machine: no I/O, no clock reads, no threads.
//!
//! The runtime feeds it [`Event`]s (a key pressed, the server answered, the printer
//! reported, time passed) together with the current monotonic time, and performs the
//! [`Command`]s it returns. Timeouts are just `Tick` events, so every transition —
//! including idle warnings and expiry — is unit-tested without sleeping.

pub mod event;
pub mod machine;
pub mod state;

pub use event::{
    AuditEvent, ChecklistRequest, Command, EndReason, Event, PrintOrder, ReceiptLine, ReceiptRequest, SlipRequest,
};
pub use machine::{Machine, Timing, VOICE_TIME_FACTOR, Warning};
pub use state::{
    Availability, CheckResult, Display, DisplayOption, Failure, FilesOutcome, Job, JobStatus, Language, PinProblem,
    PrinterProblem, ReceiptOutcome, Refusal, ScanHint, ScanProblem, ServiceDesk, SessionCtx, SignInMethod, SlipOutcome,
    State, StatusDesk,
};

/// Milliseconds on the runtime's monotonic clock.
pub type Millis = u64;
