//! Helpers a trial runs *after an exec*: the trial (or a child it forked)
//! execs the running binary (`/proc/self/exe`) with [`HELPER_ENV`] set, and
//! [`helper_main`], called first thing in `main` (through
//! `exec::runner::child_main`), runs the named helper instead of the
//! program. What some behaviours need is a process that went through
//! execve(2) and kept a descriptor: an exec kills every other thread of the
//! process, io_uring's SQPOLL poller included, while the thread group (its
//! tgid) lives on in the new image.
//!
//! The value is `NAME:ARG:...`; each helper writes its answer, one i32, to
//! a descriptor named in its arguments and exits 0 (2 when the value is
//! malformed).

/// Names the helper to run in this (exec'd) process.
pub const HELPER_ENV: &str = "URING_CONFORM_EXEC_HELPER";

/// `attach-sqpoll:WQ_FD:OUT_FD`: io_uring_setup(4) with SQPOLL and
/// ATTACH_WQ to `WQ_FD`; writes the new fd (>= 0) or -errno to `OUT_FD`.
pub const ATTACH_SQPOLL: &str = "attach-sqpoll";

/// If this process was exec'd to run a helper, runs it and returns the
/// exit code.
pub fn helper_main() -> Option<i32> {
    let v = std::env::var(HELPER_ENV).ok()?;
    let parts: Vec<&str> = v.split(':').collect();
    let nums: Vec<i32> = parts[1..].iter().filter_map(|s| s.parse().ok()).collect();
    Some(match (parts[0], nums.as_slice()) {
        (ATTACH_SQPOLL, &[wq_fd, out]) => {
            let mut p = crate::sys::io_uring_params {
                flags: crate::sys::IORING_SETUP_SQPOLL | crate::sys::IORING_SETUP_ATTACH_WQ,
                wq_fd: wq_fd as u32,
                ..Default::default()
            };
            // SAFETY: no IORING_SETUP_NO_MMAP: no user memory is named.
            let res = match unsafe { crate::sys::io_uring_setup(4, &mut p) } {
                Ok(fd) => fd,
                Err(e) => -e.0,
            };
            // SAFETY: writes 4 bytes from a local to the descriptor the
            // trial passed down.
            let n = unsafe { libc::write(out, res.to_ne_bytes().as_ptr() as *const _, 4) };
            if n == 4 {
                0
            } else {
                3
            }
        }
        _ => 2,
    })
}
