//! Fused commands: the unmerged IORING_OP_FUSED_CMD series (Ming Lei,
//! "io_uring/ublk: add generic IORING_OP_FUSED_CMD", V1-V6, 2023), as V6
//! defines it (03/17 io_uring/fused_cmd.c, 04/17 IORING_FUSED_CMD_BUF,
//! 10/17-17/17 ublk zero copy):
//! - a ring set up with IORING_SETUP_FUSED_REQ takes a primary
//!   IORING_OP_FUSED_CMD followed by `nr_secondary` (must be 1) secondary
//!   SQE, taken from the SQ right after it;
//! - io_fused_cmd_prep checks, in this order: the ring has FUSED_REQ,
//!   __pad1 is 0, nr_secondary is 1, uring_cmd_flags has
//!   IORING_FUSED_CMD_BUF (the only "plugin"), then takes the secondary SQE
//!   and checks its opcode (marked fused_secondary, and not FUSED_CMD);
//!   each failure is -EINVAL. A failure before the secondary is taken
//!   leaves it in the SQ as an ordinary request; one after consumed it;
//! - the primary lends a driver's buffer (ublk: the block request's pages,
//!   UBLK_IO_FUSED_SUBMIT_IO for a q_id/tag the server owns) to the
//!   secondary, whose `addr` is an offset into that buffer; the primary
//!   "won't be completed until all secondary requests are done".
//!
//! The series' numbers collide with later upstream ones (setup and feature
//! bit 14 are NO_MMAP and RECVSEND_BUNDLE, opcode 49 READ_MULTISHOT); the
//! probe tells them apart (oracle/src/probe/collisions.rs). Every case
//! drives a real zero-copy ublk device served by [`ublk`], so the one
//! thing wrong in an error case is the thing it names.

mod ublk;

use crate::prelude::*;
use oracle::{CaseError, Ctx};
use ublk::abi::IORING_SETUP_FUSED_REQ;
use ublk::{Request, Ublk};

/// A ring of the variant with IORING_SETUP_FUSED_REQ.
fn fused_ring<'buf>(cx: &Ctx) -> Result<CheckedRing<'buf>, CaseError> {
    cx.build(cx.builder(8).series_flags(IORING_SETUP_FUSED_REQ))
}

/// A device whose content is [`pattern`]`(DEV_BYTES, 7)`, a reader thread
/// blocked in an O_DIRECT pread of one block at 4096 on it, and the
/// request that read became, handed to the case.
struct ReadInFlight {
    dev: Ublk,
    req: Request,
    reader: std::thread::JoinHandle<std::io::Result<Vec<u8>>>,
}

const BLOCK: usize = 4096;

fn read_in_flight() -> Result<ReadInFlight, CaseError> {
    let dev = Ublk::start(&pattern(ublk::DEV_BYTES, 7))?;
    let requests = dev.take_requests();
    let path = dev.bdev_path();
    let reader = std::thread::spawn(move || -> std::io::Result<Vec<u8>> {
        let f = std::os::unix::fs::OpenOptionsExt::custom_flags(std::fs::OpenOptions::new().read(true), libc::O_DIRECT).open(&path)?;
        let mut buf = fixtures::AlignedBuf::new(BLOCK);
        let n = std::os::unix::fs::FileExt::read_at(&f, buf.as_mut_slice(), BLOCK as u64)?;
        Ok(buf.io().read(..n))
    });
    let req = requests
        .recv_timeout(oracle::prompt() * 20)
        .map_err(|_| CaseError::Error("fixture: the O_DIRECT read of the ublk device never reached the server".into()))?;
    Ok(ReadInFlight { dev, req, reader })
}

impl ReadInFlight {
    /// Completes the block request with `result` and returns what the
    /// reader got.
    fn finish(self, result: i32) -> Result<std::io::Result<Vec<u8>>, CaseError> {
        self.req.complete(result);
        let got = self.reader.join().map_err(|_| CaseError::Error("fixture: the reader thread panicked".into()))?;
        drop(self.dev);
        Ok(got)
    }
}

/// The secondary the error cases pair with a primary: a READ of the
/// request's block from the backing store into the lent buffer. Valid as
/// a secondary; on its own (not taken by a primary) its `addr` 0 is no
/// user buffer and it fails with -EFAULT.
fn read_secondary(f: &ReadInFlight) -> Sqe<'static> {
    // SAFETY: buf_off 0 is an offset into the lent buffer; read as an address (a kernel without the series) it is NULL, which the kernel cannot write (EFAULT).
    unsafe { Sqe::fused_secondary(IORING_OP_READ, std::os::fd::AsRawFd::as_raw_fd(&f.dev.backing), 0, f.req.bytes, f.req.offset) }
}

/// Submits a primary/secondary pair and returns io_uring_enter's count.
fn submit_pair<'b>(r: &mut CheckedRing<'b>, primary: Sqe<'b>, secondary: Sqe<'b>) -> Result<u32, CaseError> {
    r.push_all(&[primary.user_data(1), secondary.user_data(2)])?;
    Ok(r.submit()?)
}

/// A primary refused before its secondary was taken: a submission-time
/// failure ends the batch there (io_uring_enter(2) returns the SQEs
/// consumed, the refused one included), so enter consumed 1, the primary
/// posts -EINVAL, and the secondary is still in the SQ; submitted next, it
/// is an ordinary READ whose `addr` 0 is no user buffer: -EFAULT. The
/// count is checked last: the series miscounts it (V6 02/17), and the
/// checks this case is about come first.
fn expect_refused_before_secondary(cx: &Ctx, with_flag: bool, primary: impl Fn(&ReadInFlight) -> Sqe<'static>) -> CaseResult {
    let f = read_in_flight()?;
    let mut r = if with_flag { fused_ring(cx)? } else { cx.ring()? };
    let n = submit_pair(&mut r, primary(&f), read_secondary(&f))?;
    r.expect(&[cqe(1, -libc::EINVAL)])?;
    check_eq!(r.sq_pending(), 1, "SQEs left in the SQ (the secondary, not taken by the refused primary)");
    check_eq!(r.submit()?, 1, "SQEs consumed by the next enter (the secondary as its own request)");
    r.expect(&[cqe(2, -libc::EFAULT)])?;
    check!(f.finish(-libc::EIO)?.is_err(), "the block read, failed by the server, fails");
    check_eq!(n, 1, "SQEs io_uring_enter says it consumed (the refused primary ends the batch)");
    Ok(())
}

case! {
    // SAFETY: fd is the ublk char device, whose command reads addr3 as tag and result.
    id: "fused/needs-setup-flag",
    summary: "a well-formed fused pair on a ring without IORING_SETUP_FUSED_REQ: the primary fails with -EINVAL, the secondary runs on its own",
    requires: [OpRead, ProposalFusedCmd, EnvUblk],
    variants: variants::DEFAULT,
    refs: ["IORING_OP_FUSED_CMD V6 03/17 io_fused_cmd_prep: !(ctx->flags & IORING_SETUP_FUSED_REQ) -> -EINVAL, before the secondary SQE is taken"],
    // SAFETY: the fd is the ublk char device.
    run: |cx| expect_refused_before_secondary(cx, false, |f| unsafe { Sqe::fused_primary(f.dev.cdev_fd(), f.req.tag, 1) }),
}

case! {
    id: "fused/nr-secondary-must-be-one",
    summary: "a primary announcing 0 or 2 secondaries fails with -EINVAL and leaves the next SQE to run on its own",
    requires: [OpRead, ProposalFusedCmd, EnvUblk],
    variants: variants::DEFAULT,
    refs: ["IORING_OP_FUSED_CMD V6 03/17 io_fused_cmd_prep: sqe->nr_secondary != 1 -> -EINVAL"],
    run: |cx| {
        for nr in [0u16, 2] {
            // SAFETY: fd is the ublk char device, whose command reads addr3 as tag and result.
            expect_refused_before_secondary(cx, true, |f| unsafe { Sqe::fused_primary(f.dev.cdev_fd(), f.req.tag, nr) })?;
        }
        Ok(())
    },
}

case! {
    id: "fused/primary-needs-fused-cmd-buf",
    summary: "a primary without IORING_FUSED_CMD_BUF in uring_cmd_flags (the only kind V6 has) fails with -EINVAL",
    requires: [OpRead, ProposalFusedCmd, EnvUblk],
    variants: variants::DEFAULT,
    refs: ["IORING_OP_FUSED_CMD V6 04/17 io_fused_cmd_prep: flags without IORING_FUSED_CMD_BUF -> -EINVAL ('so far, only support plugin of providing buffer')"],
    run: |cx| {
        expect_refused_before_secondary(cx, true, |f| {
            // SAFETY: fd is the ublk char device, whose command reads addr3 as tag and result.
            let mut p = unsafe { Sqe::fused_primary(f.dev.cdev_fd(), f.req.tag, 1) };
            // Deliberately malformed: the primary without its only flag.
            // SAFETY: a non-address field (op_flags here), set to what the case asks the kernel about.
            unsafe { p.raw_mut().op_flags = 0 };
            p
        })
    },
}

/// A primary refused after it took its secondary: one CQE, the
/// primary's; both SQEs consumed, nothing left in the SQ. The count is
/// checked last (see [`expect_refused_before_secondary`]).
fn expect_refused_with_secondary(cx: &Ctx, secondary: impl Fn(&ReadInFlight) -> Sqe<'static>) -> CaseResult {
    let f = read_in_flight()?;
    let mut r = fused_ring(cx)?;
    // SAFETY: fd is the ublk char device, whose command reads addr3 as tag and result.
    let n = submit_pair(&mut r, unsafe { Sqe::fused_primary(f.dev.cdev_fd(), f.req.tag, 1) }, secondary(&f))?;
    r.expect(&[cqe(1, -libc::EINVAL)])?;
    // SAFETY: the primary's CQE came and nothing else did (the quiet
    // check): a refused primary ends its pair, and the secondary it took
    // posts no CQE of its own (V6 03/17), so the ring's count (one final
    // CQE per SQE taken) is one too high and nothing of the ring is in
    // flight. Without this the drop would wait for a CQE that never comes.
    unsafe { r.assume_nothing_in_flight() };
    check_eq!(r.sq_pending(), 0, "SQEs left in the SQ (the primary took its secondary)");
    check!(f.finish(-libc::EIO)?.is_err(), "the block read, failed by the server, fails");
    check_eq!(n, 2, "SQEs io_uring_enter says it consumed (the primary and the secondary it took)");
    Ok(())
}

case! {
    // SAFETY: fd is the ublk char device, whose command reads addr3 as tag and result.
    id: "fused/secondary-fused-refused",
    summary: "a secondary that is itself a FUSED_CMD is refused: the primary fails with -EINVAL and the secondary posts nothing",
    requires: [OpRead, ProposalFusedCmd, EnvUblk],
    variants: variants::DEFAULT,
    refs: ["IORING_OP_FUSED_CMD V6 03/17 io_fused_secondary_valid: op == IORING_OP_FUSED_CMD -> false -> -EINVAL, after io_get_secondary_sqe took the SQE"],
    // SAFETY: the fd is the ublk char device.
    run: |cx| expect_refused_with_secondary(cx, |f| unsafe { Sqe::fused_primary(f.dev.cdev_fd(), f.req.tag, 1) }),
}

case! {
    id: "fused/secondary-op-must-be-marked",
    summary: "a secondary whose opcode is not marked fused_secondary (NOP) is refused: the primary fails with -EINVAL and the secondary posts nothing",
    requires: [OpRead, ProposalFusedCmd, EnvUblk],
    variants: variants::DEFAULT,
    refs: ["IORING_OP_FUSED_CMD V6 03/17 io_fused_secondary_valid: !io_op_defs[op].fused_secondary -> false -> -EINVAL"],
    run: |cx| expect_refused_with_secondary(cx, |_| Sqe::nop()),
}

case! {
    id: "fused/primary-completes-after-secondary",
    summary: "a primary lending a ublk READ request's buffer to a READ secondary: the secondary's CQE (the bytes) first, then the primary's (0), and the reader gets the data",
    requires: [OpRead, ProposalFusedCmd, EnvUblk],
    variants: variants::DEFAULT,
    refs: [
        "IORING_OP_FUSED_CMD V6 03/17: 'Primary request is responsible for submitting secondary requests, and it won't be completed until all secondary requests are done'",
        "V6 ublk_drv.c ublk_handle_fused_cmd / ublk_fused_cmd_done_cb: io_uring_cmd_done(cmd, 0, ...) after the secondary",
    ],
    run: |cx| {
        let f = read_in_flight()?;
        check!(!f.req.write && f.req.bytes as usize == BLOCK && f.req.offset == BLOCK as u64, "the block request is the 4096-byte read at 4096");
        let mut r = fused_ring(cx)?;
        // SAFETY: fd is the ublk char device, whose command reads addr3 as tag and result.
        let n = submit_pair(&mut r, unsafe { Sqe::fused_primary(f.dev.cdev_fd(), f.req.tag, 1) }, read_secondary(&f))?;
        r.expect(&[cqe(2, BLOCK as i32), cqe(1, 0)])?;
        check_eq!(n, 2, "SQEs consumed (primary and secondary)");
        let data = f.finish(BLOCK as i32)?.map_err(|e| CaseError::Fail(format!("the O_DIRECT read of the ublk device failed: {e}")))?;
        check!(data == pattern(ublk::DEV_BYTES, 7)[BLOCK..2 * BLOCK], "the reader got the backing store's block 1");
        Ok(())
    },
}
