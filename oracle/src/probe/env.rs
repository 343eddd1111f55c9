//! The environment's features (env.*): privilege, devices, limits. Never
//! a kernel verdict.

use crate::features::Env;

pub(super) fn detect(e: Env) -> bool {
    match e {
        // SAFETY: trivial syscall.
        Env::Root => unsafe { libc::geteuid() == 0 },
        Env::Memlock => crate::envlimits::memlock_suffices_unprivileged(),
        Env::Ublk => std::fs::OpenOptions::new().read(true).write(true).open("/dev/ublk-control").is_ok(),
        Env::Kmsg => std::fs::File::open("/dev/kmsg").is_ok(),
        Env::MultiCpu => super::allowed_cpus() >= 2,
        Env::TimeNs => timens(),
        Env::ODirect => std::env::var_os(crate::envsetup::ODIRECT_ENV).is_some_and(|d| crate::envsetup::takes_o_direct(std::path::Path::new(&d))),
        Env::ODirectBdev => std::env::var_os(crate::envsetup::ODIRECT_ENV).is_some_and(|d| crate::envsetup::on_block_fs(std::path::Path::new(&d))),
        Env::NullBlkPoll => std::env::var_os(crate::envsetup::NULLB_ENV).is_some_and(|d| std::path::Path::new(&d).exists()),
        Env::NullBlkDiscard => std::env::var_os(crate::envsetup::NULLB_DISCARD_ENV).is_some_and(|d| std::path::Path::new(&d).exists()),
        Env::Userfaultfd => fixtures::StalledPage::new().is_ok(),
        Env::Disposable => std::env::var("URING_CONFORM_DISPOSABLE").is_ok_and(|v| v == "1"),
        Env::TmpFallocate => crate::envsetup::tmp_takes_fallocate(&std::env::temp_dir()),
        Env::TmpXattr => crate::envsetup::tmp_takes_trusted_xattr(&std::env::temp_dir()),
        Env::FaultInject => fault_inject().is_ok(),
    }
}

/// Why an environment feature is absent: what is missing, where the
/// detection can tell.
pub(super) fn absent_why(e: Env) -> String {
    match e {
        Env::FaultInject => fault_inject().err().unwrap_or_default(),
        _ => "not in this environment".into(),
    }
}

/// failslab's knob that lets fail-nth reach allocations that may sleep.
const FAILSLAB_IGNORE_GFP_WAIT: &str = "/sys/kernel/debug/failslab/ignore-gfp-wait";

/// Whether a thread's /proc/thread-self/fail-nth fails io_uring's
/// GFP_KERNEL allocations: the file exists (CONFIG_FAULT_INJECTION) and
/// failslab does not ignore sleeping allocations (its default does).
fn fault_inject() -> Result<(), String> {
    if !std::path::Path::new("/proc/thread-self/fail-nth").exists() {
        return Err("no /proc/thread-self/fail-nth: the kernel lacks CONFIG_FAULT_INJECTION".into());
    }
    match std::fs::read_to_string(FAILSLAB_IGNORE_GFP_WAIT) {
        Ok(s) if s.trim() == "N" => Ok(()),
        Ok(s) => Err(format!("{FAILSLAB_IGNORE_GFP_WAIT} reads {}: failslab never fails GFP_KERNEL allocations (echo N > it, as root)", s.trim())),
        Err(e) => Err(format!("{FAILSLAB_IGNORE_GFP_WAIT} unreadable ({e}): no CONFIG_FAILSLAB, debugfs not mounted, or not root")),
    }
}

/// Whether a new time namespace can be made here: a child process tries
/// unshare(CLONE_NEWTIME) (needs CONFIG_TIME_NS and CAP_SYS_ADMIN), so the
/// prober's own namespaces stay as they are.
fn timens() -> bool {
    if !std::path::Path::new("/proc/self/ns/time").exists() {
        return false;
    }
    // SAFETY: the child only calls async-signal-safe unshare and _exit.
    unsafe {
        let pid = libc::fork();
        if pid == 0 {
            let ok = libc::unshare(libc::CLONE_NEWTIME) == 0;
            libc::_exit(if ok { 0 } else { 1 });
        }
        if pid < 0 {
            return false;
        }
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0) == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
    }
}
