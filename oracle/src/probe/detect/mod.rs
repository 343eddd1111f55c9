//! The detections: one per [`Detect`] kind, each answering
//! [`Finding`] for one feature.
//!
//! The rule (docs/detection-rules.md, the table of every feature): presence comes
//! from what the kernel declares or accepts, never from whether the
//! behaviour is right.
//! - The kernel refuses what it does not know, and that refusal is exact:
//!   EINVAL from io_uring_setup, io_uring_enter and io_uring_register, a
//!   CQE with -EINVAL for an unknown SQE flag or per-op flag (and
//!   -EOPNOTSUPP for an unknown socket command). That refusal, and only
//!   it, is **absent**.
//! - Where old kernels ignore a field that later became a flag (NOP's
//!   flags before 6.10, OPENAT's file_index before 5.15, cancel keys
//!   before 6.6 on some kernels), a request that behaves exactly as it
//!   would without the flag is absent too ("ignored"); the detection says
//!   which answer that is.
//! - The documented answer is **present**.
//! - Any other answer (a wrong result, a missing flag, an extra or a
//!   missing CQE, a step that crashes or hangs) is **broken**: the kernel
//!   took the flag but does not do what it documents. Broken features
//!   count as present for requirements, so their trials run and fail with
//!   the real CQEs, and the probe trial `probe/<id>` fails with the
//!   evidence.
//! - An answer that comes from the environment (ENOMEM, EPERM, EACCES, a
//!   fixture that cannot be made) is **undetermined**: trials that need the
//!   feature skip naming the reason, which is never a kernel verdict.

use super::{fmt_cqes, run_sqes, setup_prerequisites, Finding};
use crate::features::{OpFlag, Proposal};
use crate::ring::{Cqe, Ring, RingBuilder};
use crate::sqe::{CancelKey, Sqe};
use crate::sys::*;

mod opflags;
use opflags::judge_cqe_skip;
pub(in crate::probe) use opflags::opflag;

/// A detection's answer when it is not "present".
pub(super) type Detected = Result<(), Finding>;

fn absent(why: impl Into<String>) -> Finding {
    Finding::Absent(why.into())
}

fn broken(why: impl Into<String>) -> Finding {
    Finding::Broken(why.into())
}

/// An errno that is the environment's (a resource limit, a policy), not
/// the kernel's answer about a feature.
fn environmental(e: Errno) -> bool {
    matches!(e.0, libc::ENOMEM | libc::EPERM | libc::EACCES | libc::EMFILE | libc::ENFILE)
}

/// A system call's refusal: EINVAL is "unknown" (absent); an environment
/// errno leaves it undetermined; any other errno is broken.
fn refused(what: &str, e: Errno) -> Finding {
    if e.0 == libc::EINVAL {
        absent(format!("{what}: EINVAL (unknown)"))
    } else if environmental(e) {
        Finding::Undetermined(format!("{what}: {e} (the environment's limit or policy, not the kernel's answer)"))
    } else {
        broken(format!("{what}: {e} (an unknown flag or opcode is refused with EINVAL; a known one must work)"))
    }
}

/// A ring a detection needs: a setup the kernel refuses with EINVAL means
/// the prerequisite is absent.
fn ring<'buf>(b: RingBuilder, what: &str) -> Result<Ring<'buf>, Finding> {
    b.build().map_err(|e| refused_setup(&format!("io_uring_setup ({what})"), e))
}

/// [`refused`] for a setup: a ring layout the kernel describes but that
/// cannot be used is broken, like an unexpected errno.
fn refused_setup(what: &str, e: uring::SetupError) -> Finding {
    match e {
        uring::SetupError::Errno(e) => refused(what, e),
        e => broken(format!("{what}: {e} (an unknown flag or opcode is refused with EINVAL; a known one must work)")),
    }
}

fn plain_ring<'buf>() -> Result<Ring<'buf>, Finding> {
    ring(RingBuilder::new(4), "a default ring of 4 entries")
}

/// A fixture (pipe, socket, file) that cannot be made: no verdict.
fn fixture(what: &str, e: impl std::fmt::Display) -> Finding {
    Finding::Undetermined(format!("fixture: {what}: {e}"))
}

/// Submits and collects; io_uring_enter failing for one SQE is not how a
/// kernel refuses an unknown flag (it posts a CQE), so it is broken.
fn sqes<'buf>(ring: &mut Ring<'buf>, sqes: &[Sqe<'buf>], want: u32) -> Result<Vec<Cqe>, Finding> {
    run_sqes(ring, sqes, want).map_err(broken)
}

/// Judges the CQEs of a detection request: `documented` says what the
/// kernel must answer when it knows the flag, `ok` checks it; `unknown`
/// recognises the refusal (or an ignoring kernel's answer, see the module
/// doc); everything else is broken.
fn judge(got: &[Cqe], what: &str, documented: &str, ok: impl Fn(&[Cqe]) -> bool, unknown: impl Fn(&[Cqe]) -> bool) -> Detected {
    if ok(got) {
        Ok(())
    } else if unknown(got) {
        Err(absent(format!("{what} gave {}", fmt_cqes(got))))
    } else {
        Err(broken(format!("{what} gave {}; documented: {documented}", fmt_cqes(got))))
    }
}

/// The usual refusal: the request's own CQE (`user_data` 1) is -EINVAL.
fn einval_first(got: &[Cqe]) -> bool {
    got.iter().find(|c| c.user_data == 1).is_some_and(|c| c.res == -libc::EINVAL)
}

/// Exactly one CQE, for user_data 1, with this result and flags.
fn one(got: &[Cqe], res: i32, flags: u32) -> bool {
    matches!(got, [c] if c.user_data == 1 && c.res == res && c.flags == flags)
}

// ---------------------------------------------------------------- setup

/// io_uring_setup with the flag (and its prerequisites) sets up a ring:
/// present; EINVAL: absent (io_uring_setup checks every flag bit).
pub(super) fn setup(flag: u32, base_fd: i32) -> Detected {
    let mut b = RingBuilder::new(4).flags(flag | setup_prerequisites(flag));
    match flag {
        IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF => {
            b.params.sq_thread_idle = 10;
            b.params.sq_thread_cpu = super::first_allowed_cpu();
        }
        IORING_SETUP_CQSIZE => b.params.cq_entries = 16,
        IORING_SETUP_CLAMP => b.entries = 1 << 20,
        IORING_SETUP_ATTACH_WQ => b.params.wq_fd = base_fd as u32,
        _ => {}
    }
    match b.build() {
        Ok(_) => Ok(()),
        // A collision is a number the series used for something else:
        // the upstream flag is absent (collisions.rs).
        Err(e @ uring::SetupError::Layout(_)) => Err(absent(super::collisions::setup_error(flag, &e))),
        Err(e) => Err(refused_setup("io_uring_setup", e)),
    }
}

// ---------------------------------------------------------------- enter

/// io_uring_enter with the flag, in a call whose documented answer is
/// known; EINVAL: absent (io_uring_enter checks every flag bit).
pub(super) fn enter(flag: u32) -> Detected {
    let mut ring = plain_ring()?;
    let (r, want): (Result<u32, Errno>, Result<u32, Errno>) = match flag {
        IORING_ENTER_EXT_ARG => {
            let arg = io_uring_getevents_arg::default();
            // SAFETY: arg lives through the call.
            (unsafe { ring.enter(0, 0, IORING_ENTER_GETEVENTS | flag, &arg as *const _ as *const _, std::mem::size_of_val(&arg)) }, Ok(0))
        }
        IORING_ENTER_ABS_TIMER => {
            // An absolute time of zero has passed: ETIME at once.
            let ts = __kernel_timespec::default();
            let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
            (
                // SAFETY: arg and its timespec live through the call.
                unsafe { ring.enter(0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | flag, &arg as *const _ as *const _, std::mem::size_of_val(&arg)) },
                Err(Errno(libc::ETIME)),
            )
        }
        IORING_ENTER_EXT_ARG_REG => {
            // Offset 0 into a wait region that was never registered: EFAULT
            // where the flag is known (io_uring/io_uring.c io_get_ext_arg).
            (
                // SAFETY: offset 0 of an unregistered region: the kernel rejects it.
                unsafe { ring.enter(0, 0, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | flag, std::ptr::null(), std::mem::size_of::<io_uring_reg_wait>()) },
                Err(Errno(libc::EFAULT)),
            )
        }
        IORING_ENTER_REGISTERED_RING => match ring.register_ring_fd() {
            Ok(_) => (ring.enter_flags(0, 0, IORING_ENTER_GETEVENTS), Ok(0)),
            Err(e) => return Err(refused("IORING_REGISTER_RING_FDS (needed to use IORING_ENTER_REGISTERED_RING)", e)),
        },
        // GETEVENTS with nothing to wait for; SQ_WAKEUP and SQ_WAIT on a
        // ring without SQPOLL; NO_IOWAIT: all return 0 at once.
        _ => (ring.enter_flags(0, 0, flag), Ok(0)),
    };
    match r {
        r if r == want => Ok(()),
        Err(e) if e.0 == libc::EINVAL => Err(absent("io_uring_enter: EINVAL (flag unknown)")),
        Err(e) if environmental(e) => Err(refused("io_uring_enter", e)),
        other => Err(broken(format!("io_uring_enter with flag {flag:#x} returned {}; documented: {}", show(&other), show(&want)))),
    }
}

fn show(r: &Result<u32, Errno>) -> String {
    match r {
        Ok(n) => format!("{n}"),
        Err(e) => e.to_string(),
    }
}

// ---------------------------------------------------------------- SQE flags

/// An SQE flag on a NOP (or the op it needs). io_init_req refuses an
/// unknown IOSQE bit with -EINVAL on every kernel, so a request that
/// takes the flag and does something else is broken, never "ignored".
pub(super) fn sqe(ring: &mut Ring, flag: u8) -> Detected {
    let what = format!("NOP with IOSQE flag {flag:#x}");
    match flag {
        IOSQE_BUFFER_SELECT => {
            // A read selecting from a group that does not exist: -ENOBUFS
            // where the flag is known.
            let f = std::fs::File::open("/dev/zero").map_err(|e| fixture("open /dev/zero", e))?;
            let s = Sqe::read_select(std::os::fd::AsRawFd::as_raw_fd(&f), 16, 0, 0xfffe).user_data(1);
            let got = sqes(ring, &[s], 1)?;
            judge(&got, "READ|BUFFER_SELECT from a group that does not exist", "one CQE, -ENOBUFS", |g| one(g, -libc::ENOBUFS, 0), einval_first)
        }
        IOSQE_CQE_SKIP_SUCCESS => {
            let got = sqes(ring, &[Sqe::nop().with(flag).user_data(1), Sqe::nop().user_data(2)], 1)?;
            judge_cqe_skip(&got)
        }
        IOSQE_IO_LINK | IOSQE_IO_HARDLINK => {
            let got = sqes(ring, &[Sqe::nop().with(flag).user_data(1), Sqe::nop().user_data(2)], 2)?;
            judge(
                &got,
                &format!("{what}, linked to a NOP"),
                "user_data 1 then 2, both res 0",
                |g| matches!(g, [a, b] if (a.user_data, a.res, a.flags, b.user_data, b.res, b.flags) == (1, 0, 0, 2, 0, 0)),
                einval_first,
            )
        }
        IOSQE_BIT7 => {
            // Its own ring: on a kernel with the SQE group series, bit 7
            // makes the NOP a group leader that waits for a member, so it
            // answers nothing and stays in flight. Ended with a plain NOP
            // (its member), the ring drops clean; a leader the kernel still
            // holds would otherwise keep the probe's shared ring from ever
            // dropping (a ring's drop waits for its requests).
            let mut own = plain_ring()?;
            let got = sqes(&mut own, &[Sqe::nop().with(flag).user_data(1)], 1)?;
            if got.is_empty() {
                let _ = run_sqes(&mut own, &[Sqe::nop().user_data(2)], 2);
            }
            judge(&got, &what, "one CQE, res 0", |g| one(g, 0, 0), einval_first)
        }
        _ => {
            let got = sqes(ring, &[Sqe::nop().with(flag).user_data(1)], 1)?;
            judge(&got, &what, "one CQE, res 0", |g| one(g, 0, 0), einval_first)
        }
    }
}

// ---------------------------------------------------------------- register

/// An address no process has mapped: the kernel must answer EFAULT when it
/// copies from it. (The lowest page is never mapped: vm.mmap_min_addr.)
const BAD_PTR: *const libc::c_void = 8 as *const libc::c_void;

/// Crafted register calls: for each opcode, arguments that a kernel knowing
/// it answers with something other than EINVAL (mostly EFAULT from the bad
/// pointer, ENXIO for "nothing registered", EBADFD for "ring not
/// disabled"), while every kernel answers an unknown opcode with EINVAL
/// (io_uring/register.c: `opcode >= IORING_REGISTER_LAST` and the switch's
/// default). This is a declaration (accepted or refused), not behaviour:
/// any answer but EINVAL is present.
pub(super) fn register(op: u32) -> Detected {
    let flags = match op {
        // zcrx needs DEFER_TASKRUN and 32-byte CQEs before it reads its
        // argument; resize needs DEFER_TASKRUN.
        IORING_REGISTER_ZCRX_IFQ => IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32,
        IORING_REGISTER_RESIZE_RINGS => IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER,
        _ => 0,
    };
    // The helpers' own failures (a setup, a personality) are judged by
    // their own detections; here they leave the opcode undetermined, so
    // a register opcode is only ever present or absent.
    let helper = |f: Finding| match f {
        Finding::Broken(why) => Finding::Undetermined(format!("a call this detection needs failed: {why}")),
        other => other,
    };
    let mut ring = ring(RingBuilder::new(4).flags(flags), "the ring the register call needs").map_err(helper)?;
    let null = std::ptr::null();
    // SAFETY: every pointer passed is either valid for the call or BAD_PTR,
    // which the kernel must reject with EFAULT.
    let r = unsafe {
        match op {
            IORING_REGISTER_PROBE => {
                let mut buf = [0u8; 16 + 8 * 8];
                ring.register_raw_out(op, buf.as_mut_ptr() as *mut _, 8)
            }
            IORING_UNREGISTER_BUFFERS | IORING_UNREGISTER_FILES | IORING_UNREGISTER_EVENTFD | IORING_REGISTER_PERSONALITY | IORING_REGISTER_ENABLE_RINGS => {
                ring.register_raw(op, null, 0)
            }
            IORING_UNREGISTER_PERSONALITY => {
                let id = ring.register_raw(IORING_REGISTER_PERSONALITY, null, 0).map_err(|e| helper(refused("REGISTER_PERSONALITY (needed first)", e)))?;
                ring.register_raw(op, null, id as u32)
            }
            IORING_REGISTER_RESTRICTIONS => ring.register_raw(op, BAD_PTR, 1),
            IORING_REGISTER_FILES2 | IORING_REGISTER_FILES_UPDATE2 | IORING_REGISTER_BUFFERS2 | IORING_REGISTER_BUFFERS_UPDATE => {
                ring.register_raw(op, BAD_PTR, 32)
            }
            IORING_REGISTER_IOWQ_AFF => ring.register_raw(op, BAD_PTR, 8),
            IORING_UNREGISTER_IOWQ_AFF => {
                // Needs the task's io-wq, which the first submission creates.
                sqes(&mut ring, &[Sqe::nop()], 1).map_err(helper)?;
                ring.register_raw(op, null, 0)
            }
            IORING_REGISTER_IOWQ_MAX_WORKERS => {
                let mut counts = [0u32; 2];
                ring.register_raw_out(op, counts.as_mut_ptr() as *mut _, 2)
            }
            IORING_REGISTER_FILE_ALLOC_RANGE | IORING_REGISTER_CLOCK => ring.register_raw(op, BAD_PTR, 0),
            // Blind registration: no ring, fd -1 (io_uring_register_blind).
            IORING_REGISTER_SEND_MSG_RING => io_uring_register(-1, op, BAD_PTR.cast_mut(), 1),
            // io_query and io_zcrx_ctrl take nr_args 0 (io_uring/query.c,
            // zcrx.c: any other count is -EINVAL, which would read as
            // unknown; found by --strict on 6.19 in the kernel matrix).
            IORING_REGISTER_QUERY | IORING_REGISTER_ZCRX_CTRL => ring.register_raw(op, BAD_PTR, 0),
            _ => ring.register_raw(op, BAD_PTR, 1),
        }
    };
    match r {
        Err(Errno(libc::EINVAL)) => Err(absent("io_uring_register: EINVAL (unknown opcode)")),
        Err(Errno(libc::EBADF)) if op == IORING_REGISTER_SEND_MSG_RING => Err(absent("io_uring_register(-1): EBADF (no blind registration)")),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------- proposals

/// Unmerged proposals. Their numbers were reused upstream, so SQE groups
/// are told by behaviour (IOSQE bit 7, refused upstream) and fused
/// commands by a declaration upstream cannot make (collisions.rs).
pub(super) fn proposal(p: Proposal, ops: &[bool], features: u32) -> Detected {
    match p {
        Proposal::SqeGroup => {
            // The series: a group runs from the first SQE with the flag to
            // the next SQE without it; members are issued with the leader
            // and the leader's CQE is posted after all members'.
            let mut ring = plain_ring()?;
            let got = sqes(&mut ring, &[Sqe::nop().with(IOSQE_BIT7).user_data(1), Sqe::nop().user_data(2)], 2)?;
            judge(
                &got,
                "NOP leader with bit 7 + NOP member",
                "the member's CQE (2, res 0), then the leader's (1, res 0)",
                |g| matches!(g, [m, l] if (m.user_data, m.res, l.user_data, l.res) == (2, 0, 1, 0)),
                einval_first,
            )
        }
        Proposal::FusedCmd => super::collisions::fused_cmd_declared(ops, features).map_err(absent),
    }
}

#[cfg(test)]
mod tests {
    use super::opflags::judge_poll_multi;
    use super::*;

    fn c(user_data: u64, res: i32, flags: u32) -> Cqe {
        Cqe { user_data, res, flags, big: None }
    }

    fn word(d: Detected) -> &'static str {
        match d {
            Ok(()) => "present",
            Err(f) => f.word(),
        }
    }

    /// The deviation that used to read as "absent": a multishot poll whose
    /// first CQE lacks IORING_CQE_F_MORE is broken.
    #[test]
    fn a_multishot_poll_without_more_is_broken_not_absent() {
        let pollin = libc::POLLIN as i32;
        assert_eq!(word(judge_poll_multi(&[c(1, pollin, IORING_CQE_F_MORE)])), "present");
        assert_eq!(word(judge_poll_multi(&[c(1, -libc::EINVAL, 0)])), "absent");
        assert_eq!(word(judge_poll_multi(&[c(1, pollin, 0)])), "broken");
        assert_eq!(word(judge_poll_multi(&[])), "broken");
        assert_eq!(word(judge_poll_multi(&[c(1, pollin, IORING_CQE_F_MORE), c(1, pollin, IORING_CQE_F_MORE)])), "broken");
    }

    /// A CQE posted for a skipped success (or an extra one) is broken; an
    /// unknown flag is refused with -EINVAL.
    #[test]
    fn cqe_skip_that_posts_is_broken_not_absent() {
        assert_eq!(word(judge_cqe_skip(&[c(2, 0, 0)])), "present");
        assert_eq!(word(judge_cqe_skip(&[c(1, -libc::EINVAL, 0)])), "absent");
        assert_eq!(word(judge_cqe_skip(&[c(1, -libc::EINVAL, 0), c(2, 0, 0)])), "absent");
        assert_eq!(word(judge_cqe_skip(&[c(1, 0, 0), c(2, 0, 0)])), "broken");
    }

    /// EINVAL is the only refusal that means "unknown"; an environment
    /// errno leaves the feature undetermined; others are broken.
    #[test]
    fn only_einval_means_unknown() {
        assert_eq!(refused("x", Errno(libc::EINVAL)).word(), "absent");
        assert_eq!(refused("x", Errno(libc::ENOMEM)).word(), "undetermined");
        assert_eq!(refused("x", Errno(libc::EPERM)).word(), "undetermined");
        assert_eq!(refused("x", Errno(libc::EFAULT)).word(), "broken");
        assert_eq!(refused("x", Errno(libc::EOPNOTSUPP)).word(), "broken");
    }
}
