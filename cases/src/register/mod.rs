//! Registration and restrictions: REGISTER_PROBE content, personalities
//! (a request run with another user's credentials), RESTRICTIONS on an
//! R_DISABLED ring (allowed and refused opcodes, SQE flags and register
//! opcodes), eventfd (plain, async-only, IORING_CQ_EVENTFD_DISABLED),
//! io-wq worker limits and affinity, ring resize, NAPI, clock
//! registration and registered wait regions.
//!
//! References: io_uring_register(2), io_uring_register_restrictions(3),
//! io_uring_register_eventfd(3), io_uring_register_iowq_max_workers(3),
//! io_uring_register_iowq_aff(3), io_uring_resize_rings(3),
//! io_uring_register_napi(3), io_uring_register_clock(3),
//! io_uring_register_reg_wait(3); io_uring/register.c, eventfd.c,
//! napi.c, memmap.c.

use crate::prelude::*;
use fixtures::{EventFd, Mapping, TempDir};
use oracle::CaseError;
use std::os::fd::AsRawFd;

mod eventfd;
mod iowq;
mod limits;
mod query;
mod rings;

/// A register call whose argument the kernel only reads (`nr` as the
/// opcode counts it). Any `T` is sound here: the kernel reads memory a
/// reference keeps valid, and answers EFAULT for any address inside it
/// that is not.
fn register_in<T: ?Sized>(r: &CheckedRing, op: u32, arg: &T, nr: u32) -> Result<i32, Errno> {
    // SAFETY: arg is valid for reads of its whole size; op only reads it.
    unsafe { r.register_raw(op, arg as *const T as *const libc::c_void, nr) }
}

/// A register call whose argument the kernel writes into (PROBE and
/// IOWQ_MAX_WORKERS write their answers, RESIZE_RINGS the new offsets,
/// NAPI the old settings).
fn register_out<T: ?Sized>(r: &CheckedRing, op: u32, arg: &mut T, nr: u32) -> Result<i32, Errno> {
    // SAFETY: arg is valid for reads and writes of its whole size.
    unsafe { r.register_raw_out(op, arg as *mut T as *mut libc::c_void, nr) }
}

/// A register call without an argument.
fn register_none(r: &CheckedRing, op: u32, nr: u32) -> Result<i32, Errno> {
    // SAFETY: a null argument is never dereferenced as valid memory (the
    // kernel answers EFAULT where it wants one).
    unsafe { r.register_raw(op, std::ptr::null(), nr) }
}

// ------------------------------------------------------------ probe

/// IORING_REGISTER_PROBE into a zeroed buffer for 256 ops: (header
/// bytes, ops as (op, flags)).
fn probe(r: &CheckedRing) -> Result<(io_uring_probe, Vec<(u8, u16)>), CaseError> {
    const N: usize = 256;
    let hdr = std::mem::size_of::<io_uring_probe>();
    let mut buf = vec![0u8; hdr + N * std::mem::size_of::<io_uring_probe_op>()];
    register_out(r, IORING_REGISTER_PROBE, buf.as_mut_slice(), N as u32)?;
    // The header: last_op, ops_len, resv, resv2[3] (native byte order).
    let u32_at = |at: usize| u32::from_ne_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]);
    let h = io_uring_probe { last_op: buf[0], ops_len: buf[1], resv: u16::from_ne_bytes([buf[2], buf[3]]), resv2: [u32_at(4), u32_at(8), u32_at(12)] };
    let ops = (0..N).map(|i| (buf[hdr + i * 8], u16::from_ne_bytes([buf[hdr + i * 8 + 2], buf[hdr + i * 8 + 3]]))).collect();
    Ok((h, ops))
}

case! {
    id: "register/probe-layout",
    summary: "REGISTER_PROBE fills ops_len = last_op + 1 entries, entry i names opcode i, NOP is supported, and nothing past ops_len is written",
    requires: [RegProbe],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2): IORING_REGISTER_PROBE", "io_uring/register.c io_probe", "claim:register.op.probe"],
    run: |cx| {
        let r = cx.ring()?;
        let (h, ops) = probe(&r)?;
        check_eq!(h.ops_len as usize, h.last_op as usize + 1, "ops_len against last_op");
        for (i, (op, flags)) in ops.iter().enumerate() {
            if i < h.ops_len as usize {
                check_eq!(*op as usize, i, "ops[{i}].op");
                check!(flags & !IO_URING_OP_SUPPORTED == 0, "ops[{i}].flags {flags:#x} has unknown bits");
            } else {
                check!(*op == 0 && *flags == 0, "ops[{i}] past ops_len was written: op {op}, flags {flags:#x}");
            }
        }
        check!(ops[IORING_OP_NOP as usize].1 & IO_URING_OP_SUPPORTED != 0, "NOP not marked supported");
        Ok(())
    },
}

case! {
    id: "register/probe-past-last-op-einval",
    summary: "an opcode past the probe's last_op completes with -EINVAL when submitted",
    requires: [RegProbe],
    variants: variants::DEFAULT,
    refs: ["io_uring/io_uring.c io_init_req: opcode >= IORING_OP_LAST -> -EINVAL", "io_uring/register.c io_probe: last_op = IORING_OP_LAST - 1", "claim:enter.cqe.EINVAL-flags-or-opcode"],
    run: |cx| {
        let mut r = cx.ring()?;
        let (h, _) = probe(&r)?;
        let op = h.last_op.wrapping_add(1);
        check!(op != 0, "last_op is 255");
        r.run_expect(&[Sqe::op(op).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "register/probe-dirty-buffer-einval",
    summary: "REGISTER_PROBE into a buffer that is not zeroed fails with EINVAL",
    requires: [RegProbe],
    variants: variants::DEFAULT,
    refs: ["io_uring/register.c io_probe: memchr_inv(p, 0, size) -> -EINVAL (the probe must be zeroed)", "claim:register.op.probe"],
    run: |cx| {
        let r = cx.ring()?;
        let mut buf = vec![0u8; 16 + 8 * 8];
        buf[20] = 1;
        check_errno!(register_out(&r, IORING_REGISTER_PROBE, buf.as_mut_slice(), 8), libc::EINVAL, "REGISTER_PROBE with a dirty buffer");
        Ok(())
    },
}

// ------------------------------------------------------------ personalities

case! {
    id: "register/personality-runs-with-its-credentials",
    summary: "a request with a personality registered by nobody runs as nobody: opening a root-only file fails with -EACCES, while the same open without it succeeds",
    requires: [RegPersonality, OpOpenat, EnvRoot],
    variants: variants::DELIVERY,
    refs: ["io_uring_register(2): IORING_REGISTER_PERSONALITY (the current credentials, used by requests naming the id)", "claim:register.op.personality"],
    run: |cx| {
        let d = TempDir::new()?;
        let p = root_only_file(&d)?;
        let mut r = cx.ring()?;
        let id = as_nobody(|| register_none(&r, IORING_REGISTER_PERSONALITY, 0))??;
        check!(id > 0 && id <= u16::MAX as i32, "personality id {id}");
        let open = Sqe::openat(libc::AT_FDCWD, &p, libc::O_RDONLY | libc::O_CLOEXEC, 0);
        r.run_expect(&[open.personality(id as u16).user_data(1)], &[cqe(1, -libc::EACCES)])?;
        let next = fixtures::closed_fd();
        r.submit_all(&[open.user_data(2)])?;
        expect_fd(&mut r, 2, next)?;
        Ok(())
    },
}

case! {
    id: "register/personality-unregistered-einval",
    summary: "after UNREGISTER_PERSONALITY, a request naming the id completes with -EINVAL",
    requires: [RegPersonality, RegUnregisterPersonality],
    variants: variants::DEFAULT,
    refs: ["io_uring/io_uring.c io_init_req: unknown personality -> -EINVAL", "io_uring_register(2): IORING_UNREGISTER_PERSONALITY", "claim:enter.cqe.EINVAL-personality", "claim:register.op.unregister-personality"],
    run: |cx| {
        let mut r = cx.ring()?;
        let id = register_none(&r, IORING_REGISTER_PERSONALITY, 0)?;
        r.run_expect(&[Sqe::nop().personality(id as u16).user_data(1)], &[cqe(1, 0)])?;
        check_eq!(register_none(&r, IORING_UNREGISTER_PERSONALITY, id as u32)?, 0, "UNREGISTER_PERSONALITY");
        r.run_expect(&[Sqe::nop().personality(id as u16).user_data(2)], &[cqe(2, -libc::EINVAL)])?;
        check_errno!(register_none(&r, IORING_UNREGISTER_PERSONALITY, id as u32), libc::EINVAL, "unregistering it again");
        Ok(())
    },
}

// ------------------------------------------------------------ restrictions

fn restriction(opcode: u16, arg: u8) -> io_uring_restriction {
    io_uring_restriction { opcode, arg, ..Default::default() }
}

/// An R_DISABLED ring with `res` registered, then enabled.
fn restricted<'buf>(cx: &oracle::Ctx, res: &[io_uring_restriction]) -> Result<CheckedRing<'buf>, CaseError> {
    let r = cx.build(cx.builder(8).flags(IORING_SETUP_R_DISABLED))?;
    register_in(&r, IORING_REGISTER_RESTRICTIONS, res, res.len() as u32)?;
    r.enable()?;
    Ok(r)
}

case! {
    id: "register/restrictions-refuse-other-opcodes",
    summary: "with only NOP allowed, NOP runs and READ completes with -EACCES",
    requires: [RegRestrictions, RegEnableRings, SetupRDisabled, OpRead],
    variants: &[Variant::Default, Variant::Sqpoll, Variant::DeferTaskrun],
    refs: ["io_uring_register_restrictions(3)", "io_uring/io_uring.c io_init_req: !io_check_restriction -> -EACCES", "claim:enter.cqe.EACCES-restricted", "claim:register.op.restrictions"],
    run: |cx| {
        let f = TempFile::with_content(b"abc")?;
        let buf;
        let mut r = restricted(cx, &[restriction(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP)])?;
        buf = IoBuf::new(3);
        // Two independent requests: their CQE order is not defined (6.1
        // posts the refused one first).
        r.run_expect_unordered(&[Sqe::nop().user_data(1), Sqe::read(f.fd(), &buf, 0).user_data(2)], &[cqe(1, 0), cqe(2, -libc::EACCES)])?;
        check_eq!(buf.to_vec(), [0u8; 3], "buffer untouched");
        Ok(())
    },
}

case! {
    id: "register/restrictions-sqe-flags-allowed",
    summary: "with IOSQE_IO_LINK the only allowed flag, a linked NOP runs and an IOSQE_ASYNC NOP completes with -EACCES",
    requires: [RegRestrictions, RegEnableRings, SetupRDisabled, SqeIoLink, SqeAsync],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_restrictions(3): IORING_RESTRICTION_SQE_FLAGS_ALLOWED", "claim:enter.cqe.EACCES-restricted", "claim:register.op.restrictions"],
    run: |cx| {
        let res = [restriction(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP), restriction(IORING_RESTRICTION_SQE_FLAGS_ALLOWED, IOSQE_IO_LINK)];
        let mut r = restricted(cx, &res)?;
        r.run_expect(&[Sqe::nop().link().user_data(1), Sqe::nop().user_data(2)], &[cqe(1, 0), cqe(2, 0)])?;
        r.run_expect(&[Sqe::nop().async_().user_data(3)], &[cqe(3, -libc::EACCES)])?;
        Ok(())
    },
}

case! {
    id: "register/restrictions-sqe-flags-required",
    summary: "with IOSQE_ASYNC required, a NOP without it completes with -EACCES and one with it runs",
    requires: [RegRestrictions, RegEnableRings, SetupRDisabled, SqeAsync],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_restrictions(3): IORING_RESTRICTION_SQE_FLAGS_REQUIRED", "claim:enter.cqe.EACCES-restricted", "claim:register.op.restrictions"],
    run: |cx| {
        let res = [
            restriction(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP),
            restriction(IORING_RESTRICTION_SQE_FLAGS_ALLOWED, IOSQE_ASYNC),
            restriction(IORING_RESTRICTION_SQE_FLAGS_REQUIRED, IOSQE_ASYNC),
        ];
        let mut r = restricted(cx, &res)?;
        r.run_expect(&[Sqe::nop().user_data(1)], &[cqe(1, -libc::EACCES)])?;
        r.run_expect(&[Sqe::nop().async_().user_data(2)], &[cqe(2, 0)])?;
        Ok(())
    },
}

case! {
    id: "register/restrictions-register-op",
    summary: "with only REGISTER_PROBE allowed among register opcodes, PROBE works and REGISTER_FILES fails with EACCES",
    requires: [RegRestrictions, RegEnableRings, SetupRDisabled, RegProbe, RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_restrictions(3): IORING_RESTRICTION_REGISTER_OP", "io_uring/register.c __io_uring_register: restricted ring -> -EACCES", "claim:register.errors.EACCES-restricted"],
    run: |cx| {
        let f = TempFile::empty()?;
        let r = restricted(cx, &[restriction(IORING_RESTRICTION_REGISTER_OP, IORING_REGISTER_PROBE as u8)])?;
        probe(&r)?;
        check_errno!(r.register_files(&[f.fd()]), libc::EACCES, "REGISTER_FILES on the restricted ring");
        Ok(())
    },
}

case! {
    id: "register/restrictions-on-enabled-ring-ebadfd",
    summary: "REGISTER_RESTRICTIONS on a ring that is not R_DISABLED fails with EBADFD",
    requires: [RegRestrictions],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EBADFD (restrictions on a ring not created disabled)", "claim:register.errors.EBADFD-not-disabled"],
    run: |cx| {
        let r = cx.ring()?;
        let res = [restriction(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP)];
        check_errno!(register_in(&r, IORING_REGISTER_RESTRICTIONS, res.as_slice(), 1), libc::EBADFD, "REGISTER_RESTRICTIONS");
        Ok(())
    },
}

case! {
    id: "register/restrictions-twice-ebusy",
    summary: "a second REGISTER_RESTRICTIONS fails with EBUSY",
    requires: [RegRestrictions, SetupRDisabled],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EBUSY (restrictions already registered)", "claim:register.errors.EBUSY-restrictions"],
    run: |cx| {
        let r = cx.build(cx.builder(8).flags(IORING_SETUP_R_DISABLED))?;
        let res = [restriction(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP)];
        register_in(&r, IORING_REGISTER_RESTRICTIONS, res.as_slice(), 1)?;
        check_errno!(register_in(&r, IORING_REGISTER_RESTRICTIONS, res.as_slice(), 1), libc::EBUSY, "second REGISTER_RESTRICTIONS");
        Ok(())
    },
}

case! {
    id: "register/restrictions-unknown-kind-einval",
    summary: "a restriction of an unknown kind fails REGISTER_RESTRICTIONS with EINVAL",
    requires: [RegRestrictions, SetupRDisabled],
    variants: variants::DEFAULT,
    refs: ["io_uring/register.c io_parse_restrictions: unknown opcode -> -EINVAL", "claim:register.errors.EINVAL-restriction-opcode"],
    run: |cx| {
        let r = cx.build(cx.builder(8).flags(IORING_SETUP_R_DISABLED))?;
        let res = [restriction(99, 0)];
        check_errno!(register_in(&r, IORING_REGISTER_RESTRICTIONS, res.as_slice(), 1), libc::EINVAL, "REGISTER_RESTRICTIONS");
        Ok(())
    },
}

case! {
    id: "register/buffers-nr-args-zero-einval",
    summary: "REGISTER_BUFFERS with a valid iovec but nr_args 0 fails with EINVAL, and no buffer is registered",
    requires: [RegBuffers],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EINVAL (REGISTER_BUFFERS with nr_args 0)", "claim:register.errors.EINVAL-buffers-nr-zero"],
    run: |cx| {
        let buf = IoBuf::new(64);
        let r = cx.ring()?;
        let v = [iov(&buf)];
        check_errno!(register_in(&r, IORING_REGISTER_BUFFERS, &v, 0), libc::EINVAL, "REGISTER_BUFFERS, nr_args 0");
        check_errno!(r.unregister_buffers(), libc::ENXIO, "UNREGISTER_BUFFERS after the refused registration");
        Ok(())
    },
}

case! {
    id: "register/files-nr-args-zero-einval",
    summary: "REGISTER_FILES with a valid fd array but nr_args 0 fails with EINVAL, and no table is registered",
    requires: [RegFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EINVAL (REGISTER_FILES with nr_args 0)", "claim:register.errors.EINVAL-files-nr-zero"],
    run: |cx| {
        let p = Pipe::new()?;
        let r = cx.ring()?;
        let fds = [p.rx.as_raw_fd()];
        check_errno!(register_in(&r, IORING_REGISTER_FILES, &fds, 0), libc::EINVAL, "REGISTER_FILES, nr_args 0");
        check_errno!(r.unregister_files(), libc::ENXIO, "UNREGISTER_FILES after the refused registration");
        Ok(())
    },
}

case! {
    id: "register/unregister-buffers-with-args-einval",
    summary: "UNREGISTER_BUFFERS with nr_args 1, or with a non-NULL arg, fails with EINVAL and leaves the buffers registered",
    requires: [RegBuffers, RegUnregisterBuffers],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EINVAL (UNREGISTER_BUFFERS with nr_args or arg)", "claim:register.errors.EINVAL-unregister-buffers-args"],
    run: |cx| {
        let buf = IoBuf::new(64);
        let r = cx.ring()?;
        r.register_buffers(&[&buf])?;
        check_errno!(register_none(&r, IORING_UNREGISTER_BUFFERS, 1), libc::EINVAL, "UNREGISTER_BUFFERS, nr_args 1");
        let junk = [0u64; 2];
        check_errno!(register_in(&r, IORING_UNREGISTER_BUFFERS, &junk, 0), libc::EINVAL, "UNREGISTER_BUFFERS, arg set");
        check_eq!(r.unregister_buffers(), Ok(()), "the buffers are still registered");
        Ok(())
    },
}

case! {
    id: "register/unregister-files-with-args-einval",
    summary: "UNREGISTER_FILES with nr_args 1, or with a non-NULL arg, fails with EINVAL and leaves the table registered",
    requires: [RegFiles, RegUnregisterFiles],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2) ERRORS: EINVAL (UNREGISTER_FILES with nr_args or arg)", "claim:register.errors.EINVAL-unregister-files-args"],
    run: |cx| {
        let p = Pipe::new()?;
        let r = cx.ring()?;
        r.register_files(&[p.rx.as_raw_fd()])?;
        check_errno!(register_none(&r, IORING_UNREGISTER_FILES, 1), libc::EINVAL, "UNREGISTER_FILES, nr_args 1");
        let junk = [0u64; 2];
        check_errno!(register_in(&r, IORING_UNREGISTER_FILES, &junk, 0), libc::EINVAL, "UNREGISTER_FILES, arg set");
        check_eq!(r.unregister_files(), Ok(()), "the table is still registered");
        Ok(())
    },
}
