//! A stall of the whole process, which no thread of it waits out on a run
//! queue (what a TCG guest sees when its host is busy: everything stops,
//! the clock runs on), is still seen by the timed checks' stopwatch. Its
//! own test binary: the stall stops every thread of the process.

use oracle::Stopwatch;
use std::process::Command;
use std::time::Duration;

#[test]
fn a_stopped_process_reads_as_a_run_delay() {
    let sw = Stopwatch::start();
    // The sentinel (started with the first stopwatch) must be asleep when
    // the stop comes, or it would start its look after it.
    assert!(wait_for(|| sentinel_state() == Some('S')), "the stall sentinel never slept");
    // Another process stops this one for 300 ms, then lets it go on.
    let pid = std::process::id();
    let status = Command::new("sh").arg("-c").arg(format!("kill -STOP {pid}; sleep 0.3; kill -CONT {pid}")).status().expect("sh");
    assert!(status.success());
    // The sentinel's look after the stop counts it.
    let seen = wait_for(|| sw.run_delay().is_some_and(|d| d >= Duration::from_millis(250)));
    assert!(seen, "a 300 ms stop read as a run delay of {:?}", sw.run_delay());
}

/// Polls `f` for up to 10 s.
fn wait_for(f: impl Fn() -> bool) -> bool {
    let end = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::yield_now();
    }
    false
}

/// The sentinel thread's scheduler state (R, S, ...), if it runs.
fn sentinel_state() -> Option<char> {
    std::fs::read_dir("/proc/self/task").ok()?.flatten().find_map(|e| {
        let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
        if comm.trim() != "uc-stall" {
            return None;
        }
        let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
        stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next())
    })
}
