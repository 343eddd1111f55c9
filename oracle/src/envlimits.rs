//! Process limits that would otherwise turn into wrong kernel verdicts:
//! raised where the process may, and where it may not, reported once as an
//! environment limit (never a feature marked absent, never a trial that
//! fails on ENOMEM or EMFILE).
//!
//! - RLIMIT_NOFILE: every trial is a process with pipes to its parent,
//!   and cases open a handful of fds each; with a few fds the runner
//!   cannot start trials (EMFILE) and probe helpers fail.
//! - RLIMIT_MEMLOCK: without CAP_IPC_LOCK, io_uring charges pinned memory
//!   to it: registered buffers on every kernel, ring memory before 5.12;
//!   on 6.18 a CLAMP-sized ring (IORING_SETUP_CLAMP with 2^20 entries) and
//!   registered buffers both fail with ENOMEM under a limit of 8-128 KiB.
//!   Trials of one user run in parallel and share the user's charge, so a
//!   small limit fails them at random.

/// The fewest open files the suite works with (checked, not guessed: a
/// trial needs its three standard fds, two pipes to the parent, and the
/// fds of its fixtures).
pub const MIN_NOFILE: u64 = 256;
/// The least locked memory the suite works with when the process cannot
/// lock memory freely. Measured on 6.18 as nobody: the whole suite (8
/// parallel trials) passes with 1, 2 and 8 MiB; limits of 8-128 KiB made
/// setup and registrations fail with ENOMEM at random.
pub const MIN_MEMLOCK: u64 = 1 << 20;

fn get(res: libc::__rlimit_resource_t) -> libc::rlimit {
    let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: a valid out-pointer.
    unsafe { libc::getrlimit(res, &mut rl) };
    rl
}

/// Raises the soft limit as far as allowed: to `want` (or infinity) if
/// the hard limit allows or the process may raise the hard limit (root),
/// else to the hard limit. Returns the soft limit after.
fn raise(res: libc::__rlimit_resource_t, want: u64) -> u64 {
    let rl = get(res);
    if rl.rlim_cur == libc::RLIM_INFINITY || rl.rlim_cur >= want {
        return rl.rlim_cur;
    }
    // First with the hard limit raised too (CAP_SYS_RESOURCE), then
    // within it.
    let up = libc::rlimit { rlim_cur: want, rlim_max: rl.rlim_max.max(want) };
    // SAFETY: a valid rlimit.
    if unsafe { libc::setrlimit(res, &up) } != 0 {
        let within = libc::rlimit { rlim_cur: rl.rlim_max.min(want), rlim_max: rl.rlim_max };
        // SAFETY: as above.
        unsafe { libc::setrlimit(res, &within) };
    }
    get(res).rlim_cur
}

/// Whether this process may lock memory without the limit.
fn cap_ipc_lock() -> bool {
    // CapEff in /proc/self/status; CAP_IPC_LOCK is bit 14.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("CapEff:")).and_then(|l| u64::from_str_radix(l[7..].trim(), 16).ok()))
        .is_some_and(|caps| caps & (1 << 14) != 0)
}

fn human(n: u64) -> String {
    if n == libc::RLIM_INFINITY {
        "unlimited".into()
    } else if n >= 1 << 20 {
        format!("{} MiB", n >> 20)
    } else {
        format!("{} KiB", n >> 10)
    }
}

/// The open-file limit, raised if it can be; an error line if the suite
/// cannot run under it (exit 2: the harness cannot start its trials).
pub fn ensure_nofile() -> Result<(), String> {
    let got = raise(libc::RLIMIT_NOFILE, 4096);
    if got < MIN_NOFILE {
        return Err(format!(
            "RLIMIT_NOFILE is {got} (hard {}): the suite needs at least {MIN_NOFILE} open files to start its trial processes; raise it (ulimit -n 1024)",
            get(libc::RLIMIT_NOFILE).rlim_max
        ));
    }
    Ok(())
}

/// The locked-memory limit, raised if it can be (root may lift it); an
/// environment verdict if io_uring cannot work under it.
pub fn ensure_memlock() -> Result<(), String> {
    if cap_ipc_lock() {
        // Root: lift it anyway, for trials that drop privileges.
        raise(libc::RLIMIT_MEMLOCK, libc::RLIM_INFINITY);
        return Ok(());
    }
    let got = raise(libc::RLIMIT_MEMLOCK, libc::RLIM_INFINITY);
    if got != libc::RLIM_INFINITY && got < MIN_MEMLOCK {
        return Err(format!(
            "RLIMIT_MEMLOCK is {} (hard {}) without CAP_IPC_LOCK: io_uring charges registered buffers (and, on some kernels, ring memory) to it, and the suite's parallel trials need at least {}; raise it (ulimit -l unlimited, or run as root)",
            human(got),
            human(get(libc::RLIMIT_MEMLOCK).rlim_max),
            human(MIN_MEMLOCK)
        ));
    }
    Ok(())
}

/// Whether a process that drops its privileges (and with them
/// CAP_IPC_LOCK) keeps a memlock limit io_uring works under.
pub fn memlock_suffices_unprivileged() -> bool {
    let rl = get(libc::RLIMIT_MEMLOCK);
    rl.rlim_cur == libc::RLIM_INFINITY || rl.rlim_cur >= MIN_MEMLOCK
}

/// For ENOMEM from io_uring: the memlock limit it ran into ("RLIMIT_MEMLOCK
/// 8 MiB without CAP_IPC_LOCK"), if one applies to this process.
pub fn memlock_limit_applies(e: crate::sys::Errno) -> Option<String> {
    if e.0 != libc::ENOMEM || cap_ipc_lock() {
        return None;
    }
    let rl = get(libc::RLIMIT_MEMLOCK);
    (rl.rlim_cur != libc::RLIM_INFINITY).then(|| format!("RLIMIT_MEMLOCK {} without CAP_IPC_LOCK", human(rl.rlim_cur)))
}
