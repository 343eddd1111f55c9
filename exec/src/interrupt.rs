//! SIGINT, SIGTERM and SIGHUP during a run: noted here, acted on by the
//! runner (no new trial starts, running ones are killed and left out of
//! the results) and by the binaries (the partial report, marked
//! interrupted, the prepared environment undone by its guard, exit
//! 128+signal). The handler only stores the signal number.

use std::sync::atomic::{AtomicI32, Ordering};

static RECEIVED: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(sig: libc::c_int) {
    RECEIVED.store(sig, Ordering::SeqCst);
}

/// Installs the handlers (once, in the runner's parent process).
pub fn install() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler is async-signal-safe (one atomic store).
        // No SA_RESTART: the runner's poll and waits wake at once.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// The signal that stopped the run, if one came.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// "SIGINT" for 2, and so on.
pub fn name(sig: i32) -> &'static str {
    crate::executor::signal_name(sig)
}
