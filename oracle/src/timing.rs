//! Timed checks that are taken only when the measurement was not
//! disturbed.
//!
//! A timed check compares the wall time of a window (a timer's wait, a
//! bounded io_uring_enter) with what the kernel promised. On a starved
//! machine (a CPU quota, load far above the core count) the trial's own
//! threads can wait on a run queue for longer than the check's margin: a
//! timer that fired at once then looks as if it fired on time (a false
//! pass, or an xpass of a recorded deviation), and one that fired on time
//! looks late. Neither says anything about the kernel.
//!
//! So every timed window is read on a [`Stopwatch`], which also reads the
//! run delay of every thread of the trial process (the time they were
//! runnable but not running: `/proc/self/task/*/schedstat`, the second
//! field, kept by the scheduler with CONFIG_SCHED_INFO; CFS bandwidth
//! throttling counts there too). A window whose run delay exceeds what
//! the check's margin can absorb is *disturbed*: the check answers
//! [`CaseError::Disturbed`] instead of a verdict, and the runner runs the
//! trial again ([`DISTURBED_TRIES`] in all); a trial disturbed every time
//! is an `error` naming the delay, never a pass, fail or xpass.
//!
//! A timer that fired *before* its time is a failure however loaded the
//! machine is: a run delay can only make a window look longer.

use crate::case::{CaseError, CaseResult};
use crate::mutation;
use std::time::{Duration, Instant};

/// How long to wait for completions that should come at once. Generous,
/// since it only bounds a failure; passing cases never wait it out.
/// Multiplied by the run's timeout scale ([`scaled`]).
pub const PROMPT: Duration = Duration::from_secs(5);

/// How late a timer may fire before its case fails: holds on a loaded
/// 2-core machine running 8 trials at once (measured worst: under 100 ms),
/// scaled in VMs; a timer 100 times late (a 20 ms timer at 2 s) fails.
pub const LATE: Duration = Duration::from_millis(750);

/// Names the run's timeout scale: the runner sets it for every trial
/// process; `cargo test` reads it from the caller.
pub const SCALE_ENV: &str = "URING_CONFORM_TIMEOUT_SCALE";

/// Parses a timeout scale: a positive finite number. The one check, for
/// `--timeout-scale` and for URING_CONFORM_TIMEOUT_SCALE alike (a scale of
/// 0 would give every trial 0 ms).
pub fn parse_scale(s: &str) -> Result<f64, String> {
    s.trim().parse().ok().filter(|x: &f64| x.is_finite() && *x > 0.0).ok_or_else(|| format!("a timeout scale is a positive finite number, not {s:?}"))
}

/// A timeout scale known to be valid (a positive finite number): only
/// [`Scale::parse`] and [`Scale::from_env`] make one, so a scale that
/// reaches the runner or a session has passed the one check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale(f64);

impl Scale {
    pub const ONE: Scale = Scale(1.0);
    /// [`parse_scale`].
    pub fn parse(s: &str) -> Result<Scale, String> {
        parse_scale(s).map(Scale)
    }
    /// [`scale_from_env`].
    pub fn from_env() -> Result<Scale, String> {
        scale_from_env().map(Scale)
    }
    pub fn get(self) -> f64 {
        self.0
    }
}

impl Default for Scale {
    fn default() -> Scale {
        Scale::ONE
    }
}

/// The scale [`SCALE_ENV`] sets (1 when unset), or an error naming the
/// variable when it is not a valid scale. Every entry point (the binary,
/// `cargo test`, a trial process) checks it first, so that [`scale`]
/// never meets a bad one.
pub fn scale_from_env() -> Result<f64, String> {
    match std::env::var(SCALE_ENV) {
        Ok(s) => parse_scale(&s).map_err(|e| format!("{SCALE_ENV}: {e}")),
        Err(std::env::VarError::NotPresent) => Ok(1.0),
        Err(e) => Err(format!("{SCALE_ENV}: {e}")),
    }
}

/// This process's timeout scale ([`scale_from_env`], read once). Multiplies
/// every bound on a wait ([`scaled`], [`prompt`]): slow emulated machines.
pub fn scale() -> f64 {
    static S: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    // The entry points refused a bad scale before anything waits; one
    // that got here anyway stops the process rather than give 0 ms waits.
    *S.get_or_init(|| scale_from_env().unwrap_or_else(|e| panic!("{e}")))
}

/// `d` multiplied by the run's timeout scale.
pub fn scaled(d: Duration) -> Duration {
    d.mul_f64(scale())
}

/// [`PROMPT`] scaled: the bound on every wait for something that should
/// come at once. Cases use this, never PROMPT itself, so that no wait is
/// left unscaled on a slow machine.
pub fn prompt() -> Duration {
    scaled(PROMPT)
}

/// How many times the runner starts a trial whose timed window was
/// disturbed before it gives up with an `error`.
pub const DISTURBED_TRIES: usize = 3;

/// The least run delay ever counted as a disturbance: a scheduler tick or
/// two on a busy but healthy machine, far below any check's margin.
const DELAY_FLOOR: Duration = Duration::from_millis(2);

/// The run delay, summed over the threads of this process: None where the
/// kernel keeps no scheduler statistics (no CONFIG_SCHED_INFO).
///
/// An SQPOLL thread (`iou-sqp-*`) is left out: it spins while idle, so it is
/// runnable nearly all the time and its run delay measures how busy the
/// CPUs are, not whether this window stalled (with several SQPOLL trials
/// on two cores it alone would mark every window disturbed). Its stall
/// before it issues a request shows as the SQ head not moving, which the
/// ring's own consumption check bounds.
pub fn process_run_delay() -> Option<Duration> {
    run_delays().map(|(own, _)| own)
}

/// The stall sentinel's thread name ([`stall_total`]).
const SENTINEL_COMM: &str = "uc-stall";
/// How often the sentinel wakes.
const SENTINEL_TICK: Duration = Duration::from_millis(5);
/// Lateness of one wake-up that is noise, not a stall: a timer's slack
/// and a wake-up's cost, also in a TCG guest.
const SENTINEL_NOISE: Duration = Duration::from_millis(2);

/// Time this process could not run although it wanted to, seen from
/// inside: a thread that sleeps [`SENTINEL_TICK`] at a time adds up how
/// much later than asked it woke (beyond [`SENTINEL_NOISE`]), started with
/// the first [`Stopwatch`]. Scheduler statistics miss one kind of stall:
/// in a TCG guest whose host is busy, the whole guest stops, its clock
/// runs on and timers fire late, but no guest thread waited on a guest
/// run queue. The sentinel wakes late then, by the whole stall.
fn stall_total() -> Duration {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STALL_NS: AtomicU64 = AtomicU64::new(0);
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        // A process that cannot start a thread keeps the scheduler
        // statistics alone.
        let _ = std::thread::Builder::new().name(SENTINEL_COMM.into()).spawn(|| loop {
            let t = Instant::now();
            std::thread::sleep(SENTINEL_TICK);
            let over = t.elapsed().saturating_sub(SENTINEL_TICK);
            if over > SENTINEL_NOISE {
                STALL_NS.fetch_add(over.as_nanos() as u64, Ordering::Relaxed);
            }
        });
    });
    Duration::from_nanos(STALL_NS.load(Ordering::Relaxed))
}

/// The run delay of this process's threads, summed: (the trial's own
/// threads, its SQPOLL threads). None without scheduler statistics. The
/// stall sentinel is left out: its own waits are what [`stall_total`]
/// counts.
fn run_delays() -> Option<(Duration, Duration)> {
    let (mut own, mut sqpoll) = (0u64, 0u64);
    let mut seen = false;
    for e in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        if comm.starts_with(SENTINEL_COMM) {
            continue;
        }
        let is_sqpoll = comm.starts_with("iou-sqp-");
        let Ok(s) = std::fs::read_to_string(e.path().join("schedstat")) else { continue };
        // "<on-cpu ns> <run-delay ns> <timeslices>"
        if let Some(ns) = s.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()) {
            if is_sqpoll {
                sqpoll = sqpoll.saturating_add(ns);
            } else {
                own = own.saturating_add(ns);
                seen = true;
            }
        }
    }
    seen.then(|| (Duration::from_nanos(own), Duration::from_nanos(sqpoll)))
}

/// The start of a timed window: the wall clock and the process's run
/// delay at that instant.
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch {
    t0: Instant,
    delay0: Option<Duration>,
    /// The SQPOLL threads' run delay at the start (zero without any).
    sqpoll0: Duration,
    /// The stall sentinel's total at the start ([`stall_total`]).
    stall0: Duration,
    /// Run delay counted on top of the measured one: zero, except in the
    /// tests of the decision itself.
    extra: Duration,
}

impl Stopwatch {
    pub fn start() -> Stopwatch {
        // The delay first: a stall between the two reads then counts
        // against the window, never for it.
        let stall0 = stall_total();
        let d = run_delays();
        Stopwatch { t0: Instant::now(), delay0: d.map(|(own, _)| own), sqpoll0: d.map(|(_, s)| s).unwrap_or_default(), stall0, extra: Duration::ZERO }
    }

    /// Wall time since the start.
    pub fn elapsed(&self) -> Duration {
        self.t0.elapsed()
    }

    /// The wall-clock start, for deadlines computed from it.
    pub fn instant(&self) -> Instant {
        self.t0
    }

    /// Run delay the process's threads took since the start (threads that
    /// exited in the window take theirs with them; it never goes below 0),
    /// or the stall the sentinel saw if that is longer ([`stall_total`]:
    /// the two measure one stall in two ways, so they are not added).
    /// None where the kernel keeps no scheduler statistics and the
    /// sentinel saw nothing.
    pub fn run_delay(&self) -> Option<Duration> {
        let stall = stall_total().saturating_sub(self.stall0);
        let sched = self.delay0.and_then(|d0| Some(process_run_delay()?.saturating_sub(d0)));
        match sched {
            Some(d) => Some(d.max(stall) + self.extra),
            None if !stall.is_zero() => Some(stall + self.extra),
            None => None,
        }
    }

    /// Run delay the SQPOLL threads took since the start. It says nothing
    /// about an early timer (an idle poller spins, so it is runnable
    /// nearly all the time), but a poller that waited to run took the SQE,
    /// and started its timer, that much later: it can explain lateness.
    pub fn sqpoll_delay(&self) -> Duration {
        run_delays().map(|(_, s)| s.saturating_sub(self.sqpoll0)).unwrap_or_default()
    }

    /// Err([`CaseError::Disturbed`]) when the window took more run delay
    /// than `margin` can absorb: two fifths of it (at least
    /// [`DELAY_FLOOR`]), so that a timer that fired at half its time still
    /// reads early (half + two fifths < whole), and one on time reads on
    /// time. `what` names the check.
    pub fn undisturbed(&self, margin: Duration, what: &str) -> CaseResult {
        let allowed = (margin * 2 / 5).max(DELAY_FLOOR);
        match self.run_delay() {
            Some(d) if d > allowed => Err(CaseError::Disturbed(format!(
                "{what}: run delay {} ms in a {} ms window (more than the {} ms the check's margin allows)",
                d.as_millis(),
                self.elapsed().as_millis(),
                allowed.as_millis()
            ))),
            _ => Ok(()),
        }
    }
}

/// How late a timer of `min` may fire: three fifths of its time, so that
/// one armed with twice its time (`2 * min`) always fails and one on time
/// has room for the wake-up (a 100 ms timer may take 160 ms). The bound is
/// relative and never scaled: a slow machine cannot stretch it towards
/// double. A window that must complete at once (`min` zero) has
/// [`LATE`] (scaled) instead.
pub fn late_bound(min: Duration) -> Duration {
    if min.is_zero() {
        scaled(LATE)
    } else {
        min * 3 / 5
    }
}

/// The shortest timer whose double this module can tell from right: below
/// it the wake-up overhead of a slow machine (a TCG guest) is a large
/// share of the [`late_bound`]. [`check_elapsed`] refuses a shorter
/// (non-zero) timer as the case's error.
pub const SHORTEST_TIMED: Duration = Duration::from_millis(50);

/// Checks that between `min` and `min` + [`late_bound`] passed since the
/// stopwatch started: a timer never fires early (hrtimers do not expire
/// before their time), and one that fires at double its time is as wrong
/// as one that fires at half.
///
/// Early is a failure whatever the load ([`CaseError::Fail`]). A window
/// whose run delay could have moved the result across either bound is
/// [`CaseError::Disturbed`], not a verdict. A late result on a window that
/// looked undisturbed is [`CaseError::Late`]: the runner starts the trial
/// again alone, and late on every start is a `fail` (a stall the trial
/// cannot see, such as a VM whose host descheduled it, does not repeat
/// itself on every start; a kernel that arms the timer with double its
/// time does).
#[track_caller]
pub fn check_elapsed(sw: &Stopwatch, min: Duration, what: &str) -> CaseResult {
    let e = sw.elapsed();
    if !min.is_zero() && min < SHORTEST_TIMED {
        // The case's mistake, not the kernel's: its bound could not tell
        // double from right on a slow machine.
        return Err(CaseError::Error(format!("harness: {what} times a {min:?} timer, shorter than the {SHORTEST_TIMED:?} the timing checks can judge")));
    }
    let late = late_bound(min);
    let max = min + late;
    let at = std::panic::Location::caller();
    let delay = sw.run_delay().unwrap_or(Duration::ZERO);
    let disturbed = |why: &str| {
        Err(CaseError::Disturbed(format!("{what} ({}:{}): run delay {} ms in a {} ms window ({why})", at.file(), at.line(), delay.as_millis(), e.as_millis())))
    };
    // A run delay only lengthens a window. In range, it matters only where
    // it could hide an early timer: one at half its time reads as on time
    // after a delay of half of `min`, so more than two fifths of `min`
    // leaves no verdict. Past the bound, a lateness the delay explains is
    // no verdict either.
    if e >= min && e <= max && !min.is_zero() && delay > (min * 2 / 5).max(DELAY_FLOOR) {
        return disturbed("more than two fifths of the timer: an early timer could read as on time");
    }
    if e > max && e.saturating_sub(delay + sw.sqpoll_delay()) <= max {
        return disturbed("the delay alone (the trial's threads and its SQPOLL poller) could have made it late");
    }
    let held = e >= min && e <= max;
    if mutation::verdict(held) {
        return Ok(());
    }
    let how = if e < min { format!("before its {min:?}") } else { format!("later than {max:?} ({min:?} + {late:?})") };
    let msg = format!("{what}: completed after {e:?}, {how} ({}:{})", at.file(), at.line());
    if held || e < min {
        // A perturbed check (mutation mode) or an early timer: a verdict now.
        Err(CaseError::Fail(msg))
    } else {
        Err(CaseError::Late(msg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_delay_of_this_process_is_read_and_grows_only() {
        let Some(a) = process_run_delay() else {
            eprintln!("no scheduler statistics on this kernel: nothing to test");
            return;
        };
        let sw = Stopwatch::start();
        let b = process_run_delay().unwrap();
        assert!(b >= a || a - b < Duration::from_millis(1), "run delay went backwards by more than an exited thread's share");
        assert!(sw.run_delay().is_some());
    }

    #[test]
    fn a_window_without_statistics_or_delay_is_undisturbed() {
        let sw = Stopwatch { t0: Instant::now(), delay0: None, sqpoll0: Duration::ZERO, stall0: Duration::ZERO, extra: Duration::from_secs(3600) };
        assert!(sw.undisturbed(Duration::ZERO, "x").is_ok());
    }

    /// A stopwatch that counts an hour of run delay on top of the real
    /// one: every window on it looks disturbed.
    fn starved() -> Stopwatch {
        Stopwatch { extra: Duration::from_secs(3600), ..Stopwatch::start() }
    }

    #[test]
    fn a_starved_window_is_disturbed_not_a_verdict() {
        if process_run_delay().is_none() {
            return;
        }
        // On time, but the delay could hide a timer that fired at half.
        let sw = Stopwatch { t0: Instant::now() - Duration::from_millis(120), ..starved() };
        match check_elapsed(&sw, Duration::from_millis(100), "timer") {
            Err(CaseError::Disturbed(m)) => assert!(m.contains("run delay"), "{m}"),
            other => panic!("expected Disturbed, got {other:?}"),
        }
        // Late, and the delay explains it.
        let sw = Stopwatch { t0: Instant::now() - Duration::from_millis(500), ..starved() };
        match check_elapsed(&sw, Duration::from_millis(100), "timer") {
            Err(CaseError::Disturbed(m)) => assert!(m.contains("made it late"), "{m}"),
            other => panic!("expected Disturbed, got {other:?}"),
        }
        // At once is at once, however starved: a delay cannot hide lateness.
        assert_eq!(check_elapsed(&starved(), Duration::ZERO, "at once"), Ok(()));
    }

    #[test]
    fn double_and_half_are_told_from_right() {
        for ms in [50u64, 100, 300, 1000] {
            let min = Duration::from_millis(ms);
            assert!(min + late_bound(min) < min * 2, "{ms} ms: double must be past the bound");
            assert!(min / 2 < min, "{ms} ms: half must be early");
            // On time with a tenth of its time as wake-up overhead: inside.
            assert!(min + min / 10 <= min + late_bound(min));
        }
        assert!(SHORTEST_TIMED + late_bound(SHORTEST_TIMED) < SHORTEST_TIMED * 2);
    }

    #[test]
    fn a_timer_too_short_to_judge_is_the_cases_error() {
        let sw = Stopwatch::start();
        match check_elapsed(&sw, SHORTEST_TIMED / 2, "a 25 ms timer") {
            Err(CaseError::Error(m)) => assert!(m.contains("shorter than"), "{m}"),
            other => panic!("expected the case's error, got {other:?}"),
        }
    }

    #[test]
    fn a_late_timer_on_a_quiet_window_is_late_not_failed_at_once() {
        // Stopwatches started in the past with no run delay counted: a 1 s
        // timer read at 2 s is late, at 1 s on time (600 ms of margin, so a
        // stall of this test's own thread cannot move it out).
        let ago = |ms| Stopwatch {
            t0: Instant::now() - Duration::from_millis(ms),
            delay0: None,
            sqpoll0: Duration::ZERO,
            stall0: stall_total(),
            extra: Duration::ZERO,
        };
        match check_elapsed(&ago(2000), Duration::from_secs(1), "timer") {
            Err(CaseError::Late(m)) => assert!(m.contains("later than"), "{m}"),
            other => panic!("expected Late, got {other:?}"),
        }
        assert_eq!(check_elapsed(&ago(1000), Duration::from_secs(1), "timer"), Ok(()));
    }

    #[test]
    fn an_early_timer_fails_even_when_starved() {
        let sw = starved();
        match check_elapsed(&sw, Duration::from_secs(3600), "timer") {
            Err(CaseError::Fail(m)) => assert!(m.contains("before its"), "{m}"),
            other => panic!("expected Fail, got {other:?}"),
        }
    }
}
