//! Bits and opcodes an unmerged series used that upstream later gave
//! another meaning. A kernel carrying the series declares the bit, so the
//! declaration alone would report the later upstream feature: here the
//! behaviour decides, and the probe notes the collision instead.
//!
//! | number | upstream | series |
//! | --- | --- | --- |
//! | IORING_FEAT bit 16 | RW_ATTR (6.14) | SQE group V8: IORING_FEAT_SQE_GROUP |
//! | IORING_FEAT bit 14 | RECVSEND_BUNDLE (6.10) | fused command V6: IORING_FEAT_FUSED_REQ |
//! | IORING_SETUP bit 14 | NO_MMAP (6.5) | fused command V6: IORING_SETUP_FUSED_REQ |
//! | opcode 49 | READ_MULTISHOT (6.7) | fused command V6: IORING_OP_FUSED_CMD |
//!
//! Each rule only ever fires where upstream cannot be: a kernel that runs
//! SQE groups (IOSQE bit 7 is refused upstream), a NO_MMAP ring whose rings
//! are not in the caller's memory, an opcode 49 listed without opcode 50
//! (WAITID came with READ_MULTISHOT, both 6.7).

use super::{fmt_cqes, run_sqes, Finding, Probe};
use crate::features::Feature;
use crate::ring::Ring;
use crate::sqe::Sqe;
use crate::sys::*;

/// Setup bit 14 accepted, but the ring was not built in the memory given
/// with it: whatever the bit means here, it is not IORING_SETUP_NO_MMAP.
pub(super) fn setup_error(flag: u32, e: &uring::SetupError) -> String {
    if matches!(e, uring::SetupError::Layout(_)) && (flag | super::setup_prerequisites(flag)) & IORING_SETUP_NO_MMAP != 0 {
        return format!(
            "io_uring_setup took setup bit 14, but {e}: the bit is not IORING_SETUP_NO_MMAP on this kernel (collision: the fused-command series V6 has IORING_SETUP_FUSED_REQ there)"
        );
    }
    format!("io_uring_setup: {e}")
}

/// An opcode the kernel lists: present, unless the number is one a series
/// used for something else and the kernel acts as the series does.
pub(super) fn opcode(op: u8, ops: &[bool], ring: &mut Ring) -> Result<(), String> {
    if op != IORING_OP_READ_MULTISHOT || ops.get(IORING_OP_WAITID as usize).copied().unwrap_or(false) {
        return Ok(());
    }
    // READ_MULTISHOT needs a pollable file: on a regular file it fails
    // with -EBADFD before touching the buffer group (io_uring/rw.c
    // io_read_mshot, "Multishot MUST be used on a pollable file").
    let f = std::fs::File::open("/proc/self/exe").map_err(|e| format!("open a regular file: {e}"))?;
    let s = Sqe::read_multi(std::os::fd::AsRawFd::as_raw_fd(&f), 0xfffd).user_data(1);
    let got = run_sqes(ring, &[s], 1)?;
    match got.as_slice() {
        [c] if c.res == -libc::EBADFD => Ok(()),
        other => Err(format!(
            "opcode 49 is listed without opcode 50 (WAITID, 6.7 like READ_MULTISHOT), and a READ_MULTISHOT on a regular file gave {} instead of -EBADFD: opcode 49 is another operation on this kernel (collision: the fused-command series V6 has IORING_OP_FUSED_CMD there)",
            fmt_cqes(other)
        )),
    }
}

/// The fused-command series V6, by what it declares: IORING_FEAT_FUSED_REQ
/// (bit 14) and IORING_OP_FUSED_CMD (49) as the last opcode (upstream
/// lists 50, WAITID, wherever it lists 49), and a ring set up with
/// IORING_SETUP_FUSED_REQ (bit 14).
pub(super) fn fused_cmd_declared(ops: &[bool], features: u32) -> Result<(), String> {
    const FEAT_FUSED_REQ: u32 = 1 << 14;
    const SETUP_FUSED_REQ: u32 = 1 << 14;
    if !ops.get(IORING_OP_READ_MULTISHOT as usize).copied().unwrap_or(false) || ops.get(IORING_OP_WAITID as usize).copied().unwrap_or(false) {
        return Err("IORING_REGISTER_PROBE does not end with opcode 49 (the series' IORING_OP_FUSED_CMD)".into());
    }
    if features & FEAT_FUSED_REQ == 0 {
        return Err("params.features bit 14 (the series' IORING_FEAT_FUSED_REQ) is clear".into());
    }
    crate::ring::RingBuilder::new(4)
        .series_flags(SETUP_FUSED_REQ)
        .build()
        .map(|_| ())
        .map_err(|e| format!("io_uring_setup with setup bit 14 (the series' IORING_SETUP_FUSED_REQ): {e}"))
}

/// Rules over results of several steps.
pub(super) fn resolve(p: &mut Probe) {
    if p.has(Feature::ProposalFusedCmd) && p.has(Feature::FeatRecvsendBundle) {
        p.set(
            Feature::FeatRecvsendBundle.id(),
            Finding::Absent("params.features bit 14 is set, but this kernel declares the fused-command series (opcode 49 last): the bit is its IORING_FEAT_FUSED_REQ, not IORING_FEAT_RECVSEND_BUNDLE (collision)".into()),
        );
    }
    if p.has(Feature::ProposalSqeGroup) && p.has(Feature::FeatRwAttr) {
        p.set(
            Feature::FeatRwAttr.id(),
            Finding::Absent("params.features bit 16 is set, but this kernel runs SQE groups (IOSQE bit 7, refused upstream): the bit is the SQE group series' IORING_FEAT_SQE_GROUP, not IORING_FEAT_RW_ATTR (collision)".into()),
        );
    }
}
