//! Where a trial's time goes, measured only when asked (`run --phases`,
//! which sets [`PHASES_ENV`] for the trial processes; `ci/bench-executor.sh`
//! prints the figures). The parent stamps the spawn ([`SPAWNED_ENV`]); the
//! child notes when its `main` ran, when the case body started and ended,
//! and how long the body spent building rings and in the quiet check.
//! Every stamp is CLOCK_MONOTONIC, which parent and child share.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};

/// Set (to 1) in a run whose trials measure their phases.
pub const PHASES_ENV: &str = "URING_CONFORM_PHASES";
/// The parent's CLOCK_MONOTONIC nanoseconds just before it spawned the
/// trial's process.
pub const SPAWNED_ENV: &str = "URING_CONFORM_SPAWNED_NS";

static RING_SETUP_NS: AtomicU64 = AtomicU64::new(0);
static QUIET_NS: AtomicU64 = AtomicU64::new(0);

/// One trial process's phases, in milliseconds. The report's
/// `duration_ms` is the whole (spawn to reaped, every retry included);
/// what it has beyond `start_ms + prepare_ms + case_ms` is the exit: the
/// process's teardown and the parent's reaping.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Phases {
    /// Spawn to `main`: fork, exec, the loader, the runtime's start (with
    /// the fork server: the runner's request to the forked process's first
    /// step).
    pub start_ms: f64,
    /// `main` to the case body: reading the parent's probe, finding the
    /// trial (with the fork server the probe was read before the fork).
    pub prepare_ms: f64,
    /// The case body, with the two parts below.
    pub case_ms: f64,
    /// Of the body: building rings (io_uring_setup, mmap, registering the
    /// ring fd).
    pub ring_setup_ms: f64,
    /// Of the body: the checked ring's "nothing else arrived" (barrier or
    /// grace wait).
    pub quiet_ms: f64,
}

/// Whether this process measures its phases.
pub fn enabled() -> bool {
    std::env::var_os(PHASES_ENV).is_some_and(|v| v == "1")
}

/// CLOCK_MONOTONIC in nanoseconds.
pub fn now_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

/// Adds the time since `since` (from [`now_ns`]) to the ring-setup total.
pub fn add_ring_setup(since: u64) {
    RING_SETUP_NS.fetch_add(now_ns().saturating_sub(since), Ordering::Relaxed);
}

/// Adds the time since `since` to the quiet-check total.
pub fn add_quiet(since: u64) {
    QUIET_NS.fetch_add(now_ns().saturating_sub(since), Ordering::Relaxed);
}

fn ms(ns: u64) -> f64 {
    (ns as f64 / 10_000.0).round() / 100.0
}

/// The phases of this trial process: `main_ns` when main ran,
/// `case_start`/`case_end` around the body. None unless enabled and the
/// parent's spawn stamp is readable.
pub fn collect(main_ns: u64, case_start: u64, case_end: u64) -> Option<Phases> {
    if !enabled() {
        return None;
    }
    let spawned: u64 = std::env::var(SPAWNED_ENV).ok()?.parse().ok()?;
    Some(Phases {
        start_ms: ms(main_ns.saturating_sub(spawned)),
        prepare_ms: ms(case_start.saturating_sub(main_ns)),
        case_ms: ms(case_end.saturating_sub(case_start)),
        ring_setup_ms: ms(RING_SETUP_NS.load(Ordering::Relaxed)),
        quiet_ms: ms(QUIET_NS.load(Ordering::Relaxed)),
    })
}
