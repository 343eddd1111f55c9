//! The conformance cases, one module per area. Each case registers itself
//! with `oracle::case!`; the runner finds them through `inventory`.
//!
//! Fixture syscalls go through rustix. What stays `unsafe` here, each
//! with its reason at the site: io_uring_setup/enter/register calls and
//! `register_raw` (the kernel reads and writes the memory they point at);
//! descriptors a CQE or the ring hands out as raw numbers (owning or
//! closing one has no safe form); zeroed libc C structs (siginfo_t,
//! statx, msghdr, sigset_t, sockaddr_storage: no Default) and their union
//! fields; buffer addresses built for SQEs; and the libc calls rustix
//! lacks or keeps in its unstable runtime module (signal masks and
//! handlers, raise, execv/execve, process-wide seteuid, TCP_REPAIR).

// What a ring borrows (a buffer, a timespec) is declared before the ring
// and assigned where the case computes it: `let ts; let r = ...; ts = ...`.
// The order of computation stays as the case wrote it, so clippy's
// suggestion to initialise at the declaration does not apply.
#![allow(clippy::needless_late_init)]

pub mod buffers;
pub mod cancel;
pub mod cqe_skip;
pub mod direct;
pub mod drain;
pub mod enter;
pub mod faults;
pub mod feat;
pub mod files;
pub mod fused;
pub mod groups;
pub mod hardlinks;
pub mod links;
pub mod multishot;
pub mod ops;
pub mod overflow;
pub mod pbuf;
pub mod probe;
pub mod register;
pub mod regress;
pub mod setup;
pub mod sqpoll;
pub mod support;
pub mod timeouts;

/// What every case module uses.
pub(crate) mod prelude {
    pub use crate::support::*;
    pub use fixtures::{closed_fd, pattern, Pipe, TempFile};
    pub use oracle::sqe::CancelKey;
    pub use oracle::sys::*;
    pub use oracle::{case, check, check_eq, check_errno};
    pub use oracle::{check_cqes, check_elapsed, check_order, cqe, variants, CaseResult, CheckedRing, RingBuilder, Sqe, Stopwatch, Variant, Want};
    pub use std::time::Duration;
    pub use uring::{IoBuf, IoCell};

    /// An opcode no kernel knows: io_init_req fails it with -EINVAL.
    pub const BAD_OPCODE: u8 = 0xff;

    /// POLLIN as io_uring reports it in a poll CQE's res.
    pub const POLLIN: i32 = libc::POLLIN as i32;

    /// Writes `data` to the socket (or pipe) `fd` in one call: a fixture
    /// step, so a short write is the harness's error.
    pub fn send_all(fd: impl std::os::fd::AsFd, data: &[u8]) -> CaseResult {
        let n = rustix::io::write(fd, data).map_err(|e| oracle::CaseError::Error(format!("fixture: socket write: {e}")))?;
        if n != data.len() {
            return Err(oracle::CaseError::Error(format!("fixture: short socket write ({n})")));
        }
        Ok(())
    }

    /// Whether the kernel keeps classic provided buffers in strictly
    /// ordered lists: commit dbc7d452e7cf (io_uring: manage provided
    /// buffers strictly ordered, 5.18) made selection FIFO (the first
    /// buffer provided is used first; before, the last), made
    /// PROVIDE_BUFFERS complete with 0 (before, the number added) and keeps
    /// an emptied group ([`PROVIDED_INTO_NEW_GROUP`]). Buffer rings (IORING_REGISTER_PBUF_RING, 5.19)
    /// were built on those lists, so a kernel that declares them has it;
    /// one without them (Debian's 5.10) has the older behaviour.
    pub fn ordered_provided_buffers(cx: &oracle::Ctx) -> bool {
        cx.has(oracle::Feature::RegPbufRing)
    }

    /// The res of a PROVIDE_BUFFERS into a group that does not exist yet:
    /// 0 on every kernel. Since dbc7d452e7cf the call answers 0; before it
    /// the count of buffers added was answered only for a group that
    /// already existed, and a new group's answer was xa_insert()'s 0.
    /// (Every case provides into a fresh group.)
    pub const PROVIDED_INTO_NEW_GROUP: i32 = 0;

    /// A relative timespec of `n` milliseconds.
    pub fn ms(n: u64) -> __kernel_timespec {
        __kernel_timespec::from_duration(Duration::from_millis(n))
    }
}

/// Forces every case module into the binary: inventory's registrations live
/// in these modules, and a linker may drop an object nothing references.
pub fn link() {}
