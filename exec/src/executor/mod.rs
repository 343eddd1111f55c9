//! The one child executor: how the probe and every trial run in a child
//! process (this binary, re-executed, or for trials forked from a fork
//! server of this binary: [`server`]), and the one protocol between the
//! two sides.
//!
//! A child is started by [`command`]: its own process group, killed with
//! the parent ([`die_with_parent`]), stdin closed, stdout a pipe. It says
//! what it has to say as [`Line`]s on that pipe, one per text line, each
//! after the one [`MARK`]: a serde enum, so that a line that is not one
//! (truncated, garbled, with text after it) is the harness's error
//! ([`parse`]), never skipped and never a verdict. Anything else the child
//! prints (a case's own output) is not the protocol's and is left alone.
//!
//! Which job a child does is said by one environment variable each:
//! [`probe::PROBE_CHILD_ENV`] (the probe, with the steps to skip) and
//! [`crate::runner::CHILD_ENV`] (one trial, with [`crate::runner::PROBE_ENV`]
//! the parent's probe and the timing scale and mutation target beside).
//!
//! Layering: `exec` uses the probe and the report model; the trial runner
//! ([`crate::runner`]) uses `exec`; nothing here calls the runner.

pub mod probe;
pub mod server;

use oracle::model::{ProbeLine, TrialLine};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// The marker every protocol line starts with.
pub const MARK: &str = "@@uring-conform@@ ";

/// One line of the child protocol.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Line {
    /// A trial's verdict, the last thing its process says.
    Trial(TrialLine),
    /// A probe child's step or its whole probe.
    Probe(ProbeLine),
}

/// Child side: writes one protocol line to stdout and flushes it. The
/// line starts on a line of its own, whatever the case printed before.
pub fn emit(line: &Line) {
    let v = serde_json::to_string(line).expect("a protocol line serialises");
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "\n{MARK}{v}");
    let _ = out.flush();
}

/// Parent side: one text line of the child's stdout. None: not the
/// protocol's (no marker); an error: the marker with anything but one
/// whole [`Line`] after it.
pub fn parse(text: &str) -> Result<Option<Line>, String> {
    let Some(json) = text.strip_prefix(MARK) else { return Ok(None) };
    serde_json::from_str(json).map(Some).map_err(|e| format!("a broken protocol line ({e}): {:?}", text.chars().take(200).collect::<String>()))
}

/// A child process for one job of this executor: `exe` with `args`, in
/// its own process group, dying with the parent, stdin closed, stdout
/// piped (the protocol), stderr as `stderr` says. The caller adds the
/// job's environment.
pub fn command(exe: &Path, args: &[String], stderr: Stdio) -> Command {
    let mut cmd = Command::new(exe);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(stderr).process_group(0);
    // Neither job's variables leak into the other's child.
    cmd.env_remove(probe::PROBE_CHILD_ENV).env_remove(crate::runner::CHILD_ENV).env_remove(server::SERVER_ENV);
    die_with_parent(&mut cmd);
    if oracle::phases::enabled() {
        cmd.env(oracle::phases::SPAWNED_ENV, oracle::phases::now_ns().to_string());
    }
    cmd
}

/// Kills the child's whole process group (the child and anything it left
/// behind).
pub fn kill_group(pid: i32) {
    // SAFETY: signalling our own child's process group.
    unsafe { libc::kill(-pid, libc::SIGKILL) };
}

/// A child's output read to its end by a thread: the protocol lines as
/// they come ([`Output::next_line`]), and everything, for what a trial
/// printed beside them and for a child stuck in the kernel, whose pipe
/// never ends ([`Output::take_now`]).
pub struct Output {
    buf: Arc<Mutex<Vec<u8>>>,
    lines: mpsc::Receiver<String>,
    done: std::thread::JoinHandle<()>,
}

impl Output {
    /// Starts reading `r` (None: nothing to read).
    pub fn read<R: Read + Send + 'static>(r: Option<R>) -> Output {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let (tx, lines) = mpsc::channel();
        let b = buf.clone();
        let done = std::thread::spawn(move || {
            let Some(mut r) = r else { return };
            let mut chunk = [0u8; 8192];
            let mut partial: Vec<u8> = Vec::new();
            while let Ok(n) = r.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                if let Ok(mut b) = b.lock() {
                    b.extend_from_slice(&chunk[..n]);
                }
                partial.extend_from_slice(&chunk[..n]);
                while let Some(i) = partial.iter().position(|&c| c == b'\n') {
                    let line: Vec<u8> = partial.drain(..=i).collect();
                    let _ = tx.send(String::from_utf8_lossy(&line[..i]).into_owned());
                }
            }
            if !partial.is_empty() {
                let _ = tx.send(String::from_utf8_lossy(&partial).into_owned());
            }
        });
        Output { buf, lines, done }
    }

    /// The next text line, waiting at most `timeout`.
    pub fn next_line(&self, timeout: Duration) -> Result<String, mpsc::RecvTimeoutError> {
        self.lines.recv_timeout(timeout)
    }

    /// Everything read so far, without waiting for the end.
    pub fn take_now(&self) -> String {
        let b = self.buf.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&b).into_owned()
    }

    /// Everything, once the pipe has ended or `bound` has passed (a
    /// process the child left behind may hold the pipe open).
    pub fn join_within(self, bound: Duration) -> String {
        let deadline = Instant::now() + bound;
        // The reader's channel disconnects when its thread ends.
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            if let Err(mpsc::RecvTimeoutError::Disconnected) = self.lines.recv_timeout(left) {
                break;
            }
        }
        self.take_now()
    }

    /// Everything, once the pipe has ended.
    pub fn join(self) -> String {
        let Output { buf, done, .. } = self;
        let _ = done.join();
        let b = buf.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&b).into_owned()
    }
}

/// Makes the child die with this process (PR_SET_PDEATHSIG, set between
/// fork and exec): a runner killed with SIGKILL leaves no trial running.
/// The death signal follows the forking *thread*; the runner's workers
/// live until every trial they started has been reaped. Race-free: a
/// parent that died before the prctl is noticed by getppid.
pub fn die_with_parent(cmd: &mut Command) {
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the closure runs in the forked child before exec and calls
    // only async-signal-safe functions (prctl, getppid, _exit).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

/// How long a child killed at its timeout may take to exit before the
/// executor gives up on it (a process stuck in the kernel never does).
pub const UNKILLABLE_GRACE: Duration = Duration::from_secs(5);

/// Whether [`wait_bounded`] gives up at once when the run is interrupted.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum StopWaiting {
    /// Waiting for a verdict: an interrupt ends the wait.
    OnInterrupt,
    /// Waiting for a killed process to go: only the deadline ends it.
    AtDeadline,
}

/// Waits for the child up to `timeout`: pidfd + poll where the kernel has
/// pidfd_open (5.3), else short try_wait steps.
pub fn wait_bounded(child: &mut std::process::Child, pid: i32, timeout: Duration, stop: StopWaiting) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + timeout;
    let pidfd = rustix::process::Pid::from_raw(pid).and_then(|p| rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty()).ok());
    loop {
        if let Ok(Some(s)) = child.try_wait() {
            return Some(s);
        }
        let now = Instant::now();
        if now >= deadline || (stop == StopWaiting::OnInterrupt && crate::interrupt::received().is_some()) {
            return None;
        }
        let left = (deadline - now).clamp(Duration::from_millis(1), Duration::from_secs(1));
        match &pidfd {
            // An error or a signal just means: look again.
            Some(fd) => _ = fixtures::poll_in(fd, left),
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    }
}

pub fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGKILL => "SIGKILL",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGTERM => "SIGTERM",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGINT => "SIGINT",
        libc::SIGHUP => "SIGHUP",
        _ => "signal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_broken_ones_are_errors() {
        let l = Line::Probe(ProbeLine::Start("op.nop".into()));
        let text = format!("{MARK}{}", serde_json::to_string(&l).unwrap());
        assert_eq!(parse(&text), Ok(Some(l)));
        assert_eq!(parse("a case's own output"), Ok(None));
        for bad in ["", "{", "{\"probe\":{\"start\":\"op.nop\"}} x", "{\"trial\":{}}", "{\"other\":1}", "not json"] {
            assert!(parse(&format!("{MARK}{bad}")).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn output_splits_lines_and_keeps_everything() {
        let out = Output::read(Some(&b"one\ntwo\nthree"[..]));
        let got: Vec<String> = (0..3).map(|_| out.next_line(Duration::from_secs(5)).unwrap()).collect();
        assert_eq!(got, ["one", "two", "three"]);
        assert_eq!(out.join(), "one\ntwo\nthree");
    }
}
