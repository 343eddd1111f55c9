//! Declared against behaved: where the kernel declares a feature (a FEAT
//! bit, an opcode in IORING_REGISTER_PROBE) and a detection of the same
//! kernel change says otherwise, the contradiction is itself a failure
//! (the trial `probe/declarations-agree`), naming both. A declared
//! feature that the detection found absent is marked broken, so its
//! trials run and show what the kernel does.

use super::{Finding, Probe};
use crate::features::{Detect, Feature, OpFlag, FEATURES};
use crate::sys::*;

/// Pairs that one kernel commit added together: a kernel has both or
/// neither.
const TOGETHER: &[(Feature, Feature, &str)] = &[
    (Feature::FeatCqeSkip, Feature::SqeCqeSkipSuccess, "commit 04c76b41ca97 (5.17) added IOSQE_CQE_SKIP_SUCCESS with IORING_FEAT_CQE_SKIP"),
    (Feature::FeatExtArg, Feature::EnterExtArg, "commit c73ebb685fb6 (5.11) added IORING_ENTER_EXT_ARG with IORING_FEAT_EXT_ARG"),
];

/// Declarations that imply a later-detected feature: where the first is
/// declared, the second must be there.
const IMPLIES: &[(Feature, Feature, &str)] = &[(
    Feature::FeatRegRegRing,
    Feature::EnterRegisteredRing,
    "IORING_FEAT_REG_REG_RING (6.3) declares that registered ring fds work with io_uring_register, which came after IORING_ENTER_REGISTERED_RING (5.18)",
)];

/// The opcode a per-op flag detection submits: a kernel that runs the
/// flag must list the opcode in IORING_REGISTER_PROBE.
fn base_op(of: OpFlag) -> Option<u8> {
    Some(match of {
        OpFlag::NopInjectResult | OpFlag::NopCqe32 | OpFlag::NopIopoll => IORING_OP_NOP,
        OpFlag::Timeout(_) => IORING_OP_TIMEOUT,
        OpFlag::TimeoutRemove(_) => IORING_OP_TIMEOUT_REMOVE,
        OpFlag::Cancel(_) => IORING_OP_ASYNC_CANCEL,
        OpFlag::PollAddMulti => IORING_OP_POLL_ADD,
        OpFlag::OpenatDirect | OpFlag::FileIndexAlloc => IORING_OP_OPENAT,
        OpFlag::AcceptMulti => IORING_OP_ACCEPT,
        OpFlag::SendmsgZcFixed => IORING_OP_SENDMSG_ZC,
        OpFlag::UringCmdSock(_) | OpFlag::UringCmdBlkDiscard => IORING_OP_URING_CMD,
        OpFlag::MsgRingFlags(_) | OpFlag::MsgRingSendFd => IORING_OP_MSG_RING,
        OpFlag::PbufRing(_) | OpFlag::RsrcSparse | OpFlag::CloneBuffersRange => return None,
    })
}

fn op_feature(op: u8) -> Option<Feature> {
    FEATURES.iter().find(|f| f.detect == Detect::Op(op)).map(|f| f.feature)
}

/// Applies every rule; records each contradiction once.
pub(super) fn apply(p: &mut Probe) {
    let pairs = TOGETHER.iter().map(|p| (p, true)).chain(IMPLIES.iter().map(|p| (p, false)));
    for (&(declared, behaved, why), two_way) in pairs {
        match (p.has(declared), p.finding(behaved).clone()) {
            (true, Finding::Absent(answer)) => {
                p.contradictions.push(format!("{declared} is declared, but {behaved} is refused: {answer} ({why})"));
                p.set(behaved.id(), Finding::Broken(format!("declared by {declared}, but refused: {answer} ({why})")));
            }
            (false, found) if two_way && found.runs() => {
                p.contradictions.push(format!("{behaved} works, but the kernel does not declare {declared} ({why})"));
            }
            _ => {}
        }
    }
    for f in FEATURES {
        let Detect::OpFlag(of) = f.detect else { continue };
        let (Some(op), true) = (base_op(of), p.has(f.feature)) else { continue };
        if let Some(opf) = op_feature(op) {
            if !p.has(opf) {
                p.contradictions.push(format!("{} works, but IORING_REGISTER_PROBE does not list {opf}", f.id));
            }
        }
    }
}

/// The rules in words (docs/detection-rules.md).
pub(super) fn rules() -> Vec<String> {
    let mut v: Vec<String> = TOGETHER
        .iter()
        .map(|(a, b, why)| format!("`{a}` and `{b}` together: a kernel has both or neither ({why}); declared but refused makes `{b}` broken"))
        .collect();
    v.extend(IMPLIES.iter().map(|(a, b, why)| format!("`{a}` declared implies `{b}` ({why}); refused makes `{b}` broken")));
    v.push("every per-op flag found present or broken needs its opcode listed in IORING_REGISTER_PROBE".into());
    v
}
