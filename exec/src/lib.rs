//! Layer 3 of uring-conform: running. The one child executor
//! ([`executor`]: the probe and every trial in a child process of this
//! binary, one typed protocol over one pipe), the plan and the runner
//! ([`runner`]), a whole run ([`session`]), the report it writes
//! ([`report`], over the model in `oracle::model`) and its other output
//! formats ([`formats`]), signals ([`interrupt`]) and the kernel log
//! ([`kmsg`]).
//!
//! It depends on the layers below (`oracle`, `uring`) and `fixtures`;
//! nothing below depends on it.

pub mod executor;
pub mod formats;
pub mod interrupt;
pub mod kmsg;
pub mod report;
pub mod runner;
pub mod session;
