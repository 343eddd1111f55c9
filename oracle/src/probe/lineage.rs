//! Lineage: a kernel that declares newer capabilities descends from kernels
//! that had every older one, so a feature it reads as absent is a kernel
//! that *lost* it (broken), not one that never had it.
//!
//! io_uring has not removed a capability once a release shipped it: the
//! uapi header only ever gained opcodes, setup, enter and register codes,
//! FEAT bits and per-op flags (what changed is what some of them allow, e.g.
//! SQPOLL without privileges from 5.11, or IOPOLL accepting more opcodes;
//! the vocabulary detects the capability, not those limits). Behaviour
//! alone cannot tell "never had it" from "lost it"; the kernel's own
//! declarations can:
//!
//! - the *declared level* of a kernel is the newest first version (the
//!   vocabulary's `since`) among what it declares rather than what it does:
//!   the opcodes IORING_REGISTER_PROBE lists, the IORING_FEAT bits, the
//!   register opcodes it knows (the collisions with unmerged series are
//!   resolved first, so a series' reused bit never raises the level);
//! - a feature whose first version is at or below the declared level and
//!   that reads absent is a contradiction: it is marked broken with the
//!   evidence (its trials run and fail with the real CQEs, and the trial
//!   `probe/<id>` fails), and `probe/declarations-agree` names it.
//!
//! Left out, with the reason: what a kernel configuration compiles out
//! (the networking opcodes without CONFIG_NET, epoll without CONFIG_EPOLL,
//! futex without CONFIG_FUTEX, fadvise/madvise without
//! CONFIG_ADVISE_SYSCALLS, NAPI without CONFIG_NET_RX_BUSY_POLL, zero-copy
//! receive without CONFIG_IO_URING_ZCRX, BPF filters without CONFIG_BPF);
//! the environment and unmerged proposals, which have no version; and
//! anything the probe could not determine (an environment limit is never
//! a kernel verdict). A distribution kernel that deliberately lacks a
//! feature its level implies is recorded in the expectations with
//! evidence, never assumed here.

use super::{Finding, Probe};
use crate::features::{parse_version, Detect, Feature, FeatureInfo, FEATURES};
use crate::sys::*;

/// Opcodes a kernel configuration can compile out (io_uring/opdef.c: their
/// prep is io_eopnotsupp_prep without the option, and
/// IORING_REGISTER_PROBE leaves them out).
const CONFIG_GATED_OPS: &[u8] = &[
    IORING_OP_SENDMSG,
    IORING_OP_RECVMSG,
    IORING_OP_ACCEPT,
    IORING_OP_CONNECT,
    IORING_OP_SEND,
    IORING_OP_RECV,
    IORING_OP_SHUTDOWN,
    IORING_OP_SOCKET,
    IORING_OP_SEND_ZC,
    IORING_OP_SENDMSG_ZC,
    IORING_OP_RECV_ZC,
    IORING_OP_BIND,
    IORING_OP_LISTEN,
    IORING_OP_EPOLL_CTL,
    IORING_OP_EPOLL_WAIT,
    IORING_OP_FUTEX_WAIT,
    IORING_OP_FUTEX_WAKE,
    IORING_OP_FUTEX_WAITV,
    IORING_OP_FADVISE,
    IORING_OP_MADVISE,
];

/// Other features a configuration can leave out (by ID prefix): socket
/// commands and multishot accept (CONFIG_NET), NAPI
/// (CONFIG_NET_RX_BUSY_POLL), zero-copy receive (CONFIG_IO_URING_ZCRX),
/// BPF filters (CONFIG_BPF).
const CONFIG_GATED_IDS: &[&str] = &["opflag.uring_cmd.sock_", "opflag.accept.", "reg.napi", "reg.unregister_napi", "reg.zcrx_", "reg.bpf_filter"];

fn config_gated(f: &FeatureInfo) -> bool {
    match f.detect {
        Detect::Op(op) => CONFIG_GATED_OPS.contains(&op),
        _ => CONFIG_GATED_IDS.iter().any(|p| f.id.starts_with(p)),
    }
}

/// Whether the kernel's finding for `f` is a declaration (what it lists or
/// sets, not what a request did).
fn declared(f: &FeatureInfo) -> bool {
    matches!(f.detect, Detect::Op(_) | Detect::Feat(_) | Detect::Register(_))
}

/// Whether lineage can oblige the kernel to have `f`.
fn obliged(f: &FeatureInfo) -> bool {
    !matches!(f.detect, Detect::Env(_) | Detect::Proposal(_)) && !config_gated(f) && parse_version(f.since).is_some()
}

/// The declared level: the newest first version among the features the
/// kernel declares, with those declarations (the witnesses).
pub(super) fn declared_level(p: &Probe) -> Option<((u32, u32), Vec<Feature>)> {
    let mut best: Option<((u32, u32), Vec<Feature>)> = None;
    for f in FEATURES.iter().filter(|f| declared(f) && p.finding(f.feature).runs()) {
        let Some(v) = parse_version(f.since) else { continue };
        match &mut best {
            Some((bv, ws)) if *bv == v => ws.push(f.feature),
            Some((bv, _)) if *bv > v => {}
            _ => best = Some((v, vec![f.feature])),
        }
    }
    best
}

/// A kernel that deliberately lacks features its level implies
/// (expectations/lineage-exceptions.toml).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    pub kernels: String,
    pub features: Vec<String>,
    pub reason: String,
    pub evidence: Vec<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionFile {
    exception: Vec<Exception>,
}

/// The recorded exceptions (a test checks that the file parses and names
/// only features of the vocabulary).
pub fn exceptions() -> Vec<Exception> {
    toml::from_str::<ExceptionFile>(include_str!("../../../expectations/lineage-exceptions.toml"))
        .expect("expectations/lineage-exceptions.toml is valid")
        .exception
}

/// Marks every obliged feature that reads absent at or below the declared
/// level broken, and records the contradiction; a feature a recorded
/// exception names for this kernel stays absent, the record named.
pub(super) fn apply(p: &mut Probe) {
    let Some(((maj, min), witnesses)) = declared_level(p) else { return };
    let release = crate::expectations::effective_release(&p.kernel.release, &p.kernel.version);
    let excepted: Vec<Exception> = exceptions().into_iter().filter(|e| crate::expectations::in_range(&e.kernels, &release).unwrap_or(false)).collect();
    let named: Vec<&str> = witnesses.iter().take(3).map(|w| w.id()).collect();
    let more = if witnesses.len() > 3 { format!(" and {} more", witnesses.len() - 3) } else { String::new() };
    for f in FEATURES.iter().filter(|f| obliged(f)) {
        let Finding::Absent(answer) = p.finding(f.feature).clone() else { continue };
        let Some(since) = parse_version(f.since) else { continue };
        if since > (maj, min) {
            continue;
        }
        if let Some(e) = excepted.iter().find(|e| e.features.iter().any(|x| x == f.id)) {
            let note = format!(
                "{answer}; the kernel's declarations imply it, but this kernel lacks it on purpose (expectations/lineage-exceptions.toml, {}): {} (evidence: {})",
                e.kernels,
                e.reason,
                e.evidence.join("; ")
            );
            p.set(f.id, Finding::Absent(note));
            continue;
        }
        let why = format!(
            "{} reads absent ({answer}), but the kernel declares {}{more} ({maj}.{min}); {} has been in every kernel since {}, and io_uring removes no capability",
            f.id,
            named.join(", "),
            f.id,
            f.since
        );
        p.contradictions.push(why.clone());
        p.set(f.id, Finding::Broken(why));
    }
}

/// The rule in words (docs/detection-rules.md).
pub(super) fn rule() -> String {
    "lineage: the declared level is the newest first version among the opcodes in IORING_REGISTER_PROBE, the IORING_FEAT bits and the register opcodes the kernel knows; \
     a feature documented at or before that level that reads absent is broken (the kernel lost it), not absent. \
     Left out: what a configuration compiles out (networking, epoll, futex and advise opcodes, socket commands, multishot accept, NAPI, zero-copy receive, BPF filters), the environment, proposals, and undetermined findings"
        .into()
}

/// The contradictions lineage finds in a probe read back from a run
/// report (the committed matrix's kernels, in a test and in the note).
pub fn contradictions_in(r: &crate::model::ProbeReport) -> Vec<String> {
    let mut p = Probe::from_report(r);
    p.contradictions.clear();
    apply(&mut p);
    p.contradictions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::{Availability, KernelInfo};

    /// A probe with every feature absent but `present`.
    fn probe_with(present: &[Feature]) -> Probe {
        let kernel = KernelInfo { release: "test".into(), version: String::new(), machine: "x86_64".into() };
        let mut p = Probe::unavailable(kernel, Availability::Ok, String::new());
        for f in FEATURES {
            p.findings[f.feature as usize] = Finding::Absent("refused with EINVAL".into());
        }
        for f in present {
            p.set(f.id(), Finding::Present);
        }
        p
    }

    #[test]
    fn a_feature_older_than_the_declared_level_that_reads_absent_is_broken() {
        // 6.0's sync cancel declared; SUBMIT_ALL (5.18) refused.
        let mut p = probe_with(&[Feature::OpNop, Feature::RegSyncCancel]);
        apply(&mut p);
        match p.finding(Feature::SetupSubmitAll) {
            Finding::Broken(why) => {
                assert!(why.contains("reg.sync_cancel") && why.contains("6.0") && why.contains("since 5.18"), "{why}")
            }
            other => panic!("setup.submit_all: {other:?}"),
        }
        assert!(p.contradictions.iter().any(|c| c.starts_with("setup.submit_all reads absent")));
    }

    #[test]
    fn newer_features_config_gated_ones_env_and_undetermined_stay_as_found() {
        let mut p = probe_with(&[Feature::OpNop, Feature::RegSyncCancel]);
        p.set(Feature::SetupSqpoll.id(), Finding::Undetermined("EPERM: not root".into()));
        apply(&mut p);
        // DEFER_TASKRUN is 6.1: newer than the level.
        assert!(matches!(p.finding(Feature::SetupDeferTaskrun), Finding::Absent(_)));
        // Compiled out without CONFIG_NET.
        assert!(matches!(p.finding(Feature::OpSend), Finding::Absent(_)));
        assert!(matches!(p.finding(Feature::EnvRoot), Finding::Absent(_)));
        assert!(matches!(p.finding(Feature::SetupSqpoll), Finding::Undetermined(_)));
    }

    #[test]
    fn the_recorded_exceptions_parse_and_name_known_features() {
        for e in exceptions() {
            assert!(crate::expectations::in_range(&e.kernels, "5.10.0").is_ok(), "{}", e.kernels);
            for f in &e.features {
                assert!(Feature::from_id(f).is_some(), "unknown feature {f}");
            }
            assert!(!e.evidence.is_empty());
        }
    }

    #[test]
    fn a_kernel_that_declares_nothing_obliges_nothing() {
        let mut p = probe_with(&[]);
        apply(&mut p);
        assert!(p.contradictions.is_empty());
    }
}
