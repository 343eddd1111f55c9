//! The probe's own verdicts as trials. A feature the kernel takes but
//! that does not behave as documented is found **broken** by the probe
//! (oracle/src/probe/detect/mod.rs); its trials run, and the trial
//! `probe/<id>` here fails with the probe's evidence, so a run on such a
//! kernel is never green. A feature found absent (refused as unknown, or
//! ignored) skips here like everywhere, naming it.
//!
//! One case per feature whose detection can find it broken
//! ([`oracle::features::judged_by_behaviour`]): setup and enter flags,
//! SQE flags, per-op flags and the SQE group proposal. Opcodes, FEAT bits
//! and register opcodes are declarations, compared with behaviour by
//! `probe/declarations-agree`.

use crate::prelude::*;
use oracle::probe::Finding;
use oracle::Feature;

/// Passes unless the probe found `f` taken but not as documented.
fn taken_as_documented(cx: &mut oracle::Ctx, f: Feature) -> CaseResult {
    let evidence = match cx.probe.finding(f) {
        Finding::Broken(why) => Some(why.clone()),
        _ => None,
    };
    check!(evidence.is_none(), "the kernel takes {f}, but not as documented: {}", evidence.unwrap_or_default());
    Ok(())
}

macro_rules! probe_cases {
    ($($feature:ident => $id:literal,)*) => {
        $(case! {
            id: $id,
            summary: "the probe's detection found the feature as documented (a kernel taking it and misbehaving fails here)",
            requires: [$feature],
            variants: variants::DEFAULT,
            refs: ["docs/detection-rules.md (presence and conformance)", "oracle/src/probe/detect/mod.rs (the rule and the documented answer of each detection)"],
            run: |cx| taken_as_documented(cx, Feature::$feature),
        })*
        /// The features that have a case here, in vocabulary order.
        pub const JUDGED: &[Feature] = &[$(Feature::$feature),*];
    };
}

probe_cases! {
    SetupIopoll => "probe/setup.iopoll",
    SetupSqpoll => "probe/setup.sqpoll",
    SetupSqAff => "probe/setup.sq_aff",
    SetupCqsize => "probe/setup.cqsize",
    SetupClamp => "probe/setup.clamp",
    SetupAttachWq => "probe/setup.attach_wq",
    SetupRDisabled => "probe/setup.r_disabled",
    SetupSubmitAll => "probe/setup.submit_all",
    SetupCoopTaskrun => "probe/setup.coop_taskrun",
    SetupTaskrunFlag => "probe/setup.taskrun_flag",
    SetupSqe128 => "probe/setup.sqe128",
    SetupCqe32 => "probe/setup.cqe32",
    SetupSingleIssuer => "probe/setup.single_issuer",
    SetupDeferTaskrun => "probe/setup.defer_taskrun",
    SetupNoMmap => "probe/setup.no_mmap",
    SetupRegisteredFdOnly => "probe/setup.registered_fd_only",
    SetupNoSqarray => "probe/setup.no_sqarray",
    SetupHybridIopoll => "probe/setup.hybrid_iopoll",
    SetupCqeMixed => "probe/setup.cqe_mixed",
    SetupSqeMixed => "probe/setup.sqe_mixed",
    SetupSqRewind => "probe/setup.sq_rewind",
    EnterGetevents => "probe/enter.getevents",
    EnterSqWakeup => "probe/enter.sq_wakeup",
    EnterSqWait => "probe/enter.sq_wait",
    EnterExtArg => "probe/enter.ext_arg",
    EnterRegisteredRing => "probe/enter.registered_ring",
    EnterAbsTimer => "probe/enter.abs_timer",
    EnterExtArgReg => "probe/enter.ext_arg_reg",
    EnterNoIowait => "probe/enter.no_iowait",
    SqeFixedFile => "probe/sqe.fixed_file",
    SqeIoDrain => "probe/sqe.io_drain",
    SqeIoLink => "probe/sqe.io_link",
    SqeIoHardlink => "probe/sqe.io_hardlink",
    SqeAsync => "probe/sqe.async",
    SqeBufferSelect => "probe/sqe.buffer_select",
    SqeCqeSkipSuccess => "probe/sqe.cqe_skip_success",
    SqeBit7 => "probe/sqe.bit7",
    OpflagNopInjectResult => "probe/opflag.nop.inject_result",
    OpflagNopCqe32 => "probe/opflag.nop.cqe32",
    OpflagTimeoutAbs => "probe/opflag.timeout.abs",
    OpflagTimeoutBoottime => "probe/opflag.timeout.boottime",
    OpflagTimeoutRealtime => "probe/opflag.timeout.realtime",
    OpflagTimeoutEtimeSuccess => "probe/opflag.timeout.etime_success",
    OpflagTimeoutMultishot => "probe/opflag.timeout.multishot",
    OpflagTimeoutImmediateArg => "probe/opflag.timeout.immediate_arg",
    OpflagTimeoutUpdate => "probe/opflag.timeout_remove.update",
    OpflagLinkTimeoutUpdate => "probe/opflag.timeout_remove.link_update",
    OpflagCancelAll => "probe/opflag.async_cancel.all",
    OpflagCancelFd => "probe/opflag.async_cancel.fd",
    OpflagCancelAny => "probe/opflag.async_cancel.any",
    OpflagCancelFdFixed => "probe/opflag.async_cancel.fd_fixed",
    OpflagCancelUserdata => "probe/opflag.async_cancel.userdata",
    OpflagCancelOp => "probe/opflag.async_cancel.op",
    OpflagPollAddMulti => "probe/opflag.poll_add.multi",
    OpflagOpenatDirect => "probe/opflag.openat.direct",
    OpflagFileIndexAlloc => "probe/opflag.openat.alloc",
    OpflagPbufRingMmap => "probe/opflag.pbuf_ring.mmap",
    OpflagPbufRingInc => "probe/opflag.pbuf_ring.inc",
    OpflagAcceptMulti => "probe/opflag.accept.multishot",
    OpflagNopIopoll => "probe/opflag.nop.iopoll",
    OpflagUringCmdSiocinq => "probe/opflag.uring_cmd.sock_siocinq",
    OpflagUringCmdSockopt => "probe/opflag.uring_cmd.sock_getsockopt",
    OpflagUringCmdBlkDiscard => "probe/opflag.uring_cmd.blk_discard",
    OpflagUringCmdGetsockname => "probe/opflag.uring_cmd.sock_getsockname",
    OpflagSendmsgZcFixed => "probe/opflag.sendmsg_zc.fixed_buf",
    OpflagMsgRingSendFd => "probe/opflag.msg_ring.send_fd",
    OpflagMsgRingFlagsPass => "probe/opflag.msg_ring.flags_pass",
    OpflagRsrcSparse => "probe/opflag.rsrc.sparse",
    OpflagCloneBuffersRange => "probe/opflag.clone_buffers.range",
    ProposalSqeGroup => "probe/proposal.sqe_group",
}

case! {
    id: "probe/declarations-agree",
    summary: "what the kernel declares (FEAT bits, IORING_REGISTER_PROBE) agrees with what the probe saw it do",
    requires: [],
    variants: variants::DEFAULT,
    refs: ["oracle/src/probe/crosscheck.rs (the pairs, each with the commit that added both)"],
    run: |cx| {
        let c = &cx.probe.contradictions;
        check!(c.is_empty(), "{} declaration(s) contradicted: {}", c.len(), c.join("; "));
        Ok(())
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use oracle::features::{judged_by_behaviour, FEATURES};

    #[test]
    fn every_behavioural_detection_has_its_probe_case() {
        let want: Vec<Feature> = FEATURES.iter().filter(|f| judged_by_behaviour(f.detect)).map(|f| f.feature).collect();
        assert_eq!(JUDGED, want.as_slice(), "probe_cases! and judged_by_behaviour disagree");
        let ids: Vec<&str> = oracle::case::all_cases().iter().map(|c| c.id).collect();
        for f in JUDGED {
            let id = format!("probe/{}", f.id());
            assert!(ids.contains(&id.as_str()), "{id} is not registered");
        }
    }
}
