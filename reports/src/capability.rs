//! Capabilities: what a runtime (tokio-uring, glommio, monoio, a liburing
//! user) chooses between, each mapped to the probe features it needs (the
//! vocabulary of `oracle::features`) and the cases that check it (globs
//! over case IDs, `area/name`, or over trial IDs where the glob names a
//! variant, `*[sqpoll]`). A capability's verdict on a kernel
//! ([`judge`]) says: present and conforming (N trials), present with a
//! known deviation (which), broken, absent (which feature, and the
//! probe's note), or undetermined (why).
//!
//! Several capabilities have no probe bit of their own (multishot recv,
//! send with buffer selection): the features listed are what their cases
//! need, and the `about` text says so.

use crate::matrix::Brief;
use oracle::model::Availability;
use oracle::{Bucket, Outcome};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One row of the capability table.
pub struct Capability {
    /// Stable ID (`recv.multishot`).
    pub id: &'static str,
    pub title: &'static str,
    /// What it is, and what its verdict rests on.
    pub about: &'static str,
    /// Probe feature IDs it needs (all of them).
    pub features: &'static [&'static str],
    /// Globs over case IDs (`multishot/recv-*`), or over trial IDs when
    /// the glob holds `[` (`*[sqpoll]`).
    pub trials: &'static [&'static str],
}

macro_rules! cap {
    ($id:literal, $title:literal, $about:literal, [$($f:literal),* $(,)?], [$($t:literal),* $(,)?]) => {
        Capability { id: $id, title: $title, about: $about, features: &[$($f),*], trials: &[$($t),*] }
    };
}

pub const CAPABILITIES: &[Capability] = &[
    cap!(
        "recv.multishot",
        "multishot recv (IORING_RECV_MULTISHOT)",
        "One RECV that posts a CQE per arrival into provided buffers until it ends. No probe bit of its own (6.0): the cases use a provided-buffer ring and fast poll, so a kernel without them cannot be checked for it.",
        ["op.recv", "reg.pbuf_ring", "sqe.buffer_select", "feat.fast_poll"],
        ["multishot/recv", "multishot/recv-*", "regress/b00c51ef8f72-multishot-recv-keeps-group-async"]
    ),
    cap!(
        "recvmsg.multishot",
        "multishot recvmsg",
        "RECVMSG with IORING_RECV_MULTISHOT: an io_uring_recvmsg_out header per datagram in each provided buffer (6.0, no probe bit of its own).",
        ["op.recvmsg", "reg.pbuf_ring", "sqe.buffer_select", "feat.fast_poll"],
        ["multishot/recvmsg-*"]
    ),
    cap!(
        "recvsend.poll_first",
        "RECVSEND_POLL_FIRST",
        "IORING_RECVSEND_POLL_FIRST: arm poll before trying the socket (5.19). No probe bit and no case checks it yet (expectations/uapi.toml lists it open): present kernels are undetermined.",
        ["op.recv", "op.send", "feat.fast_poll"],
        []
    ),
    cap!(
        "recvsend.bundle",
        "send/recv bundles (IORING_RECVSEND_BUNDLE)",
        "One RECV or SEND over several provided buffers at once (IORING_FEAT_RECVSEND_BUNDLE, 6.10).",
        ["feat.recvsend_bundle", "op.recv", "op.send", "reg.pbuf_ring", "sqe.buffer_select"],
        ["feat/recvsend-bundle", "pbuf/bundle-*"]
    ),
    cap!(
        "send.buffer_select",
        "provided-buffer selection for send",
        "SEND picking its data from a provided-buffer ring (6.10, with bundles: no probe bit of its own).",
        ["op.send", "reg.pbuf_ring", "sqe.buffer_select", "feat.recvsend_bundle"],
        ["pbuf/bundle-send*"]
    ),
    cap!(
        "send.zc",
        "zero-copy send (SEND_ZC, SENDMSG_ZC)",
        "Zero-copy send: a result CQE, then a notification CQE when the pages are free.",
        ["op.send_zc"],
        ["ops/send_zc/*", "ops/sendmsg_zc/*"]
    ),
    cap!(
        "send.zc_fixed_buf",
        "zero-copy send with fixed buffers (IORING_RECVSEND_FIXED_BUF)",
        "SEND_ZC from a registered buffer.",
        ["op.send_zc", "reg.buffers"],
        ["buffers/send-zc-fixed"]
    ),
    cap!(
        "pbuf.classic",
        "provided buffers, classic (PROVIDE_BUFFERS)",
        "Buffer selection (IOSQE_BUFFER_SELECT) from groups filled with PROVIDE_BUFFERS.",
        ["op.provide_buffers", "op.remove_buffers", "sqe.buffer_select"],
        [
            "pbuf/classic-fifo-order",
            "pbuf/provide-*",
            "pbuf/exhausted-enobufs",
            "pbuf/read-len-caps-buffer",
            "pbuf/remove-*",
            "pbuf/removed-buffers-not-selected",
            "pbuf/empty-group-enobufs",
            "regress/3851d25c75ed-*",
            "regress/ab69838e7c75-*"
        ]
    ),
    cap!(
        "pbuf.ring",
        "provided-buffer rings (REGISTER_PBUF_RING)",
        "Buffer selection from a ring of buffers shared with the kernel.",
        ["reg.pbuf_ring", "sqe.buffer_select"],
        ["pbuf/ring-*", "pbuf/classic-into-ring-group-einval"]
    ),
    cap!(
        "pbuf.inc",
        "incremental buffer consumption (IOU_PBUF_RING_INC)",
        "A provided buffer consumed in parts across completions (6.12).",
        ["reg.pbuf_ring", "opflag.pbuf_ring.inc"],
        ["pbuf/inc-*"]
    ),
    cap!(
        "read.multishot",
        "multishot read (READ_MULTISHOT)",
        "One READ that posts a CQE per chunk into provided buffers (6.7).",
        ["op.read_multishot", "reg.pbuf_ring", "sqe.buffer_select"],
        ["multishot/read-multishot*"]
    ),
    cap!(
        "accept.multishot",
        "multishot accept",
        "One ACCEPT that posts a CQE per connection (IORING_ACCEPT_MULTISHOT, 5.19).",
        ["op.accept", "opflag.accept.multishot", "feat.fast_poll"],
        ["multishot/accept", "multishot/accept-closed-listener-ends", "probe/opflag.accept.multishot"]
    ),
    cap!(
        "accept.direct",
        "accept into a direct descriptor",
        "ACCEPT installing the connection in the registered file table (file_index, or IORING_FILE_INDEX_ALLOC).",
        ["op.accept", "reg.files", "opflag.openat.direct", "opflag.openat.alloc"],
        ["files/accept-direct", "multishot/accept-direct"]
    ),
    cap!(
        "socket.direct",
        "socket into a direct descriptor",
        "SOCKET creating the socket straight into the registered file table.",
        ["op.socket", "reg.files", "opflag.openat.alloc"],
        ["files/socket-direct"]
    ),
    cap!(
        "connect",
        "connect (CONNECT)",
        "Asynchronous connect: the connection, refused or unreachable as connect(2) says.",
        ["op.connect"],
        ["ops/connect/*"]
    ),
    cap!(
        "socket.setup",
        "socket, bind, listen (SOCKET, BIND, LISTEN)",
        "Making a listening socket without a syscall of its own (BIND and LISTEN: 6.11).",
        ["op.socket", "op.bind", "op.listen"],
        ["ops/socket/*", "ops/bind/*", "ops/listen/*"]
    ),
    cap!(
        "openat.direct",
        "open into a direct descriptor",
        "OPENAT into a chosen or allocated slot of the registered file table, CLOSE of a slot.",
        ["op.openat", "reg.files", "opflag.openat.direct"],
        ["files/openat-direct-*", "files/openat-alloc", "files/close-direct"]
    ),
    cap!(
        "fixed_fd_install",
        "direct descriptor to a normal fd (FIXED_FD_INSTALL)",
        "Turning a registered file back into a process file descriptor (6.8).",
        ["op.fixed_fd_install", "reg.files"],
        ["files/fixed-fd-install*"]
    ),
    cap!(
        "waitid",
        "waitid (WAITID)",
        "Waiting for a child without a thread (6.7).",
        ["op.waitid"],
        ["ops/waitid/*", "cancel/waitid"]
    ),
    cap!(
        "futex",
        "futex wait and wake (FUTEX_WAIT, FUTEX_WAKE)",
        "Futex operations on the ring (6.7).",
        ["op.futex_wait", "op.futex_wake"],
        ["ops/futex_wait/*", "ops/futex_wake/*", "cancel/futex-wait"]
    ),
    cap!("futex.waitv", "futex vector wait (FUTEX_WAITV)", "Waiting on several futexes (6.7).", ["op.futex_waitv"], ["ops/futex_waitv/*"]),
    cap!(
        "cancel",
        "cancellation (ASYNC_CANCEL, SYNC_CANCEL, exit)",
        "Cancelling requests by user_data, fd, opcode or all, synchronously, and what exit and exec cancel: every case of the cancel area.",
        ["op.async_cancel"],
        ["cancel/*", "regress/47abea041f89-*"]
    ),
    cap!(
        "cancel.sync",
        "synchronous cancel (REGISTER_SYNC_CANCEL)",
        "Cancel and wait for the target in one register call (6.0).",
        ["reg.sync_cancel"],
        ["cancel/sync-*", "regress/47abea041f89-*"]
    ),
    cap!(
        "poll.multishot",
        "multishot poll (IORING_POLL_ADD_MULTI)",
        "One POLL_ADD that posts a CQE per event, updated or removed in place.",
        ["op.poll_add", "opflag.poll_add.multi"],
        ["multishot/poll-*", "cancel/multishot-poll", "overflow/multishot-poll-ends-when-full"]
    ),
    cap!(
        "timeout.multishot",
        "multishot timeout (IORING_TIMEOUT_MULTISHOT)",
        "A repeating timeout, counted or until removed (6.4).",
        ["op.timeout", "opflag.timeout.multishot"],
        ["timeouts/multishot-*", "multishot/timeout-count", "cancel/multishot-timeout", "overflow/multishot-timeout-ends-when-full"]
    ),
    cap!(
        "link_timeout",
        "linked timeouts (LINK_TIMEOUT)",
        "A timeout bounding the request it is linked behind.",
        ["op.link_timeout", "sqe.io_link"],
        ["timeouts/link-timeout-*", "regress/f6223ff79966-*"]
    ),
    cap!(
        "links",
        "linked requests (IOSQE_IO_LINK, IOSQE_IO_HARDLINK)",
        "Chains that run in order and break (or not) on failure.",
        ["sqe.io_link", "sqe.io_hardlink"],
        ["links/*", "hardlinks/*"]
    ),
    cap!(
        "cqe_skip",
        "skipping success CQEs (IOSQE_CQE_SKIP_SUCCESS)",
        "No CQE for a request that succeeds (5.17).",
        ["sqe.cqe_skip_success", "feat.cqe_skip"],
        ["cqe_skip/*"]
    ),
    cap!(
        "msg_ring",
        "ring-to-ring messages (MSG_RING)",
        "Posting a CQE, or passing a direct descriptor, to another ring.",
        ["op.msg_ring"],
        ["ops/msg_ring/*", "overflow/msg-ring-into-full-ring", "regress/8579538c89e3-*"]
    ),
    cap!(
        "fixed_buffers",
        "registered buffers (READ_FIXED, WRITE_FIXED)",
        "I/O into buffers registered once, their updates, tags and clones.",
        ["reg.buffers", "op.read_fixed", "op.write_fixed"],
        ["buffers/*"]
    ),
    cap!(
        "fixed_files",
        "registered files (IOSQE_FIXED_FILE)",
        "I/O on files registered once, sparse tables, updates and tags.",
        ["reg.files", "sqe.fixed_file"],
        ["files/*"]
    ),
    cap!("sqpoll", "SQ polling thread (IORING_SETUP_SQPOLL)", "A kernel thread submits without io_uring_enter: the cases of the sqpoll area.", ["setup.sqpoll"], ["sqpoll/*"]),
    cap!(
        "defer_taskrun",
        "deferred task work (IORING_SETUP_DEFER_TASKRUN)",
        "Completions run only when the issuer waits: every trial on that ring variant.",
        ["setup.defer_taskrun", "setup.single_issuer"],
        ["*[defer_taskrun]"]
    ),
    cap!(
        "iopoll",
        "polled block I/O (IORING_SETUP_IOPOLL)",
        "Busy-polled completions for O_DIRECT on a device with poll queues (a null_blk here).",
        ["setup.iopoll"],
        ["direct/iopoll-*", "direct/hybrid-iopoll-nullb"]
    ),
    cap!(
        "resize_rings",
        "resizing rings (REGISTER_RESIZE_RINGS)",
        "Growing the SQ and CQ of a live ring (6.13).",
        ["reg.resize_rings", "setup.defer_taskrun"],
        ["register/resize-rings-*"]
    ),
    cap!(
        "uring_cmd.socket",
        "socket commands (URING_CMD on a socket)",
        "SIOCINQ, getsockopt and setsockopt over URING_CMD (6.7).",
        ["op.uring_cmd", "opflag.uring_cmd.sock_siocinq", "opflag.uring_cmd.sock_getsockopt"],
        ["ops/uring_cmd/sock-*", "ops/uring_cmd/error-getsockopt-*", "ops/uring_cmd128/sock-*"]
    ),
    cap!("epoll_wait", "epoll wait (EPOLL_WAIT)", "Waiting on an epoll set from the ring (6.15).", ["op.epoll_wait"], ["ops/epoll_wait/*"]),
    cap!(
        "recv.zc",
        "zero-copy receive (RECV_ZC)",
        "Receive into a registered area (a zcrx interface queue); the cases that need a NIC are recorded as such in the claims.",
        ["op.recv_zc", "reg.zcrx_ifq"],
        ["ops/recv_zc/*"]
    ),
    cap!(
        "sqe_group",
        "SQE groups (proposal, unmerged)",
        "The SQE group series (IOSQE_SQE_GROUP), detected by behaviour only.",
        ["proposal.sqe_group"],
        ["groups/*"]
    ),
    cap!(
        "fused_cmd",
        "fused commands (proposal, unmerged)",
        "The fused command series for ublk zero copy, detected by behaviour only.",
        ["proposal.fused_cmd"],
        ["fused/*"]
    ),
];

/// Whether a trial belongs to the capability.
pub fn covers(cap: &Capability, trial_id: &str) -> bool {
    let case = trial_id.rsplit_once('[').map_or(trial_id, |(c, _)| c);
    cap.trials.iter().any(|g| if g.contains('[') { oracle::glob::matches(g, trial_id) } else { oracle::glob::matches(g, case) })
}

/// A capability's (or a claim's) state on one kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Present, and every trial that ran passed.
    Conforming,
    /// Present; some trials fail on a recorded kernel deviation.
    Deviation,
    /// Present but not as documented: trials fail, or the probe found a
    /// feature broken.
    Broken,
    /// The kernel lacks a feature it needs.
    Absent,
    /// Nothing decides it: no trial ran (skipped for the environment or a
    /// feature outside the capability, harness errors), no case checks it,
    /// or io_uring was unavailable.
    Undetermined,
}

impl State {
    pub fn word(self) -> &'static str {
        match self {
            State::Conforming => "conforming",
            State::Deviation => "deviation",
            State::Broken => "broken",
            State::Absent => "absent",
            State::Undetermined => "undetermined",
        }
    }
}

/// Trial counts behind a verdict (zeros are left out of the JSON).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Counts {
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pass: u32,
    /// Of the passes: trials that assert a documentation erratum (the
    /// kernel is right, the man page stale).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub erratum: u32,
    /// fail, timeout, crash and xpass.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fail: u32,
    /// A recorded kernel deviation (xfail).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub xfail: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skip: u32,
    /// Of the skips: for the environment (a device, a privilege), not the kernel.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skip_env: u32,
    /// The harness or a fixture broke: no verdict.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub error: u32,
    pub total: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Counts {
    pub fn add(&mut self, b: &Brief) {
        self.total += 1;
        // The buckets (Outcome::bucket), with error apart from the other
        // failures: no verdict, the harness's or a fixture's.
        match (b.outcome.bucket(), b.outcome) {
            (Bucket::Pass, _) => {
                self.pass += 1;
                self.erratum += u32::from(b.is_erratum());
            }
            (Bucket::Skip, _) => {
                self.skip += 1;
                self.skip_env += u32::from(b.env);
            }
            (Bucket::Xfail, _) => self.xfail += 1,
            (Bucket::Fail, Outcome::Error) => self.error += 1,
            (Bucket::Fail, _) => self.fail += 1,
        }
    }
}

/// One piece of evidence: a feature or trial ID and what was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    pub subject: String,
    pub detail: String,
}

/// A capability on one kernel: the state, why in one sentence, the
/// evidence, and the trial counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Verdict {
    pub state: State,
    pub why: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    pub counts: Counts,
}

/// A documentation claim on one kernel, from the trials of the cases
/// that check it (expectations/claims.toml).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimState {
    /// Its trials pass: the kernel does what the page says.
    Conforms,
    /// Its trials pass asserting a documentation erratum: the kernel is
    /// right, the page stale.
    Erratum,
    /// A trial fails on a recorded kernel deviation (xfail).
    Deviates,
    /// A trial fails with no record.
    Fails,
    /// Every trial skipped: the kernel lacks what the claim is about.
    Lacks,
    /// Every trial skipped for the environment (a device, a privilege).
    Environment,
    /// Its cases have no trial in this run (older suite), or only errors.
    NotRun,
    /// No case checks the claim (its status says why: needs, open).
    Unchecked,
}

impl ClaimState {
    pub fn word(self) -> &'static str {
        match self {
            ClaimState::Conforms => "conforms",
            ClaimState::Erratum => "erratum",
            ClaimState::Deviates => "deviates",
            ClaimState::Fails => "fails",
            ClaimState::Lacks => "lacks",
            ClaimState::Environment => "environment",
            ClaimState::NotRun => "not-run",
            ClaimState::Unchecked => "unchecked",
        }
    }

    /// The state of a claim checked by `cases` (none: unchecked), from
    /// the counts of their trials on one kernel.
    pub fn of(has_cases: bool, c: &Counts) -> ClaimState {
        if !has_cases {
            ClaimState::Unchecked
        } else if c.fail > 0 {
            ClaimState::Fails
        } else if c.xfail > 0 {
            ClaimState::Deviates
        } else if c.erratum > 0 {
            ClaimState::Erratum
        } else if c.pass > 0 {
            ClaimState::Conforms
        } else if c.skip > 0 && c.skip == c.skip_env {
            ClaimState::Environment
        } else if c.skip > 0 {
            ClaimState::Lacks
        } else {
            ClaimState::NotRun
        }
    }
}

/// What [`judge`] needs of one column.
pub struct ColumnView<'a> {
    /// io_uring availability and its detail.
    pub availability: Availability,
    pub availability_detail: &'a str,
    /// Feature ID -> present (None: the report does not know it).
    pub present: &'a dyn Fn(&str) -> Option<bool>,
    pub notes: &'a std::collections::BTreeMap<String, String>,
    pub broken: &'a std::collections::BTreeMap<String, String>,
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// The verdict of `cap` on a column, from its features and the trials
/// behind it (`trials`: those [`covers`] selects).
pub fn judge(cap: &Capability, col: &ColumnView, trials: &[&Brief]) -> Verdict {
    let mut counts = Counts::default();
    for t in trials {
        counts.add(t);
    }
    let v = |state, why: String, evidence| Verdict { state, why, evidence, counts };
    if col.availability != Availability::Ok {
        let d = if col.availability_detail.is_empty() { String::new() } else { format!(": {}", col.availability_detail) };
        return v(State::Undetermined, format!("io_uring was unavailable in this run ({}{d})", col.availability.word()), vec![]);
    }
    let missing: Vec<&str> = cap.features.iter().copied().filter(|f| (col.present)(f) == Some(false)).collect();
    if !missing.is_empty() {
        let evidence = missing
            .iter()
            .map(|f| Evidence { subject: f.to_string(), detail: col.notes.get(*f).cloned().unwrap_or_else(|| "the probe found it absent".into()) })
            .collect();
        return v(State::Absent, format!("kernel lacks {}", missing.join(", ")), evidence);
    }
    let broken: Vec<Evidence> =
        cap.features.iter().filter_map(|f| col.broken.get(*f).map(|why| Evidence { subject: f.to_string(), detail: why.clone() })).collect();
    if !broken.is_empty() {
        let names: Vec<&str> = broken.iter().map(|e| e.subject.as_str()).collect();
        return v(State::Broken, format!("the probe found {} present but not as documented", names.join(", ")), broken);
    }
    let failing: Vec<Evidence> = trials
        .iter()
        .filter(|t| t.outcome.is_failure() && t.outcome != Outcome::Error)
        .map(|t| Evidence { subject: t.id.clone(), detail: format!("{}: {}", t.outcome.word(), first_line(&t.message)) })
        .collect();
    if !failing.is_empty() {
        return v(State::Broken, format!("{} of {} trials fail", failing.len(), counts.total), failing);
    }
    let deviating: Vec<Evidence> = trials
        .iter()
        .filter(|t| t.outcome == Outcome::Xfail)
        .map(|t| Evidence {
            subject: t.id.clone(),
            detail: match &t.entry {
                Some((kernels, reason, _)) => format!("known deviation on kernels {kernels}: {reason}"),
                None => first_line(&t.message).to_string(),
            },
        })
        .collect();
    if !deviating.is_empty() {
        let mut reasons: Vec<&str> = trials.iter().filter_map(|t| t.entry.as_ref().map(|e| e.1.as_str())).collect();
        reasons.sort_unstable();
        reasons.dedup();
        let which = if reasons.is_empty() { String::new() } else { format!(": {}", reasons.join("; ")) };
        return v(State::Deviation, format!("{} of {} trials show a known kernel deviation{which}", deviating.len(), counts.total), deviating);
    }
    let unknown: Vec<&str> = cap.features.iter().copied().filter(|f| (col.present)(f).is_none()).collect();
    if !unknown.is_empty() {
        return v(State::Undetermined, format!("the run report does not know {}", unknown.join(", ")), vec![]);
    }
    if counts.total == 0 {
        return v(State::Undetermined, "present by the probe, but no case checks it".into(), vec![]);
    }
    if counts.pass == 0 {
        let mut reasons: Vec<String> = trials
            .iter()
            .filter(|t| matches!(t.outcome, Outcome::Skip | Outcome::Error))
            .map(|t| if t.outcome == Outcome::Error { "harness or fixture error".to_string() } else { first_line(&t.message).to_string() })
            .collect();
        reasons.sort();
        reasons.dedup();
        let evidence = reasons.iter().map(|r| Evidence { subject: "skip".into(), detail: r.clone() }).collect();
        return v(State::Undetermined, format!("present by the probe, but none of its {} trials ran: {}", counts.total, reasons.join("; ")), evidence);
    }
    let mut why = format!("{} of {} trials pass", counts.pass, counts.total);
    if counts.skip > 0 {
        why += &format!(", {} skipped", counts.skip);
    }
    if counts.error > 0 {
        why += &format!(", {} could not run (harness or fixture error)", counts.error);
    }
    if counts.erratum > 0 {
        why += &format!(", {} of them asserting a documentation erratum", counts.erratum);
    }
    v(State::Conforming, why, vec![])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Every feature a capability names is in the probe's vocabulary, and
    /// every trial glob selects trials of the newest committed run: a
    /// renamed case or feature cannot leave a row silently empty.
    #[test]
    fn capabilities_name_known_features_and_trials() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runs");
        let newest = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .max_by_key(|p| crate::matrix::version_key(&p.file_name().unwrap().to_string_lossy()))
            .unwrap();
        let run = crate::load_run(&newest).unwrap();
        let mut ids = std::collections::BTreeSet::new();
        for c in CAPABILITIES {
            assert!(ids.insert(c.id), "capability {} twice", c.id);
            assert!(!c.features.is_empty(), "{} needs no feature", c.id);
            for f in c.features {
                assert!(oracle::features::Feature::from_id(f).is_some(), "{}: unknown feature {f}", c.id);
            }
            for g in c.trials {
                let one = CAPABILITIES.iter().find(|x| x.id == c.id).unwrap();
                let probe = Capability { trials: std::slice::from_ref(g), ..*one };
                assert!(run.results.iter().any(|t| covers(&probe, &t.id)), "{}: {g} selects no trial of {}", c.id, newest.display());
            }
        }
    }

    fn brief(id: &str, outcome: &str) -> Brief {
        let (outcome, erratum) = match outcome {
            "erratum" => (Outcome::Pass, Some("e".to_string())),
            w => (Outcome::ALL.into_iter().find(|o| o.word() == w).expect("an outcome word"), None),
        };
        Brief { id: id.into(), outcome, erratum, message: String::new(), entry: None, upstream: None, env: false }
    }

    #[test]
    fn verdicts() {
        let cap = &CAPABILITIES[0];
        let notes: BTreeMap<String, String> = [("reg.pbuf_ring".to_string(), "REGISTER_PBUF_RING gave EINVAL".to_string())].into();
        let broken = BTreeMap::new();
        let all = |_: &str| Some(true);
        let col = ColumnView { availability: Availability::Ok, availability_detail: "", present: &all, notes: &notes, broken: &broken };
        let (p, s, x) = (brief("multishot/recv[default]", "pass"), brief("multishot/recv[sqpoll]", "skip"), brief("multishot/recv-eof-ends[default]", "xfail"));
        assert_eq!(judge(cap, &col, &[&p, &s]).state, State::Conforming);
        assert_eq!(judge(cap, &col, &[&p, &s]).why, "1 of 2 trials pass, 1 skipped");
        assert_eq!(judge(cap, &col, &[&p, &x]).state, State::Deviation);
        assert_eq!(judge(cap, &col, &[&s]).state, State::Undetermined);
        assert_eq!(judge(cap, &col, &[]).state, State::Undetermined);
        let f = brief("multishot/recv[cqe32]", "timeout");
        assert_eq!(judge(cap, &col, &[&p, &x, &f]).state, State::Broken);
        let lacks = |f: &str| Some(f != "reg.pbuf_ring");
        let col = ColumnView { present: &lacks, ..col };
        let v = judge(cap, &col, &[&s]);
        assert_eq!((v.state, v.why.as_str()), (State::Absent, "kernel lacks reg.pbuf_ring"));
        assert_eq!(v.evidence[0].detail, "REGISTER_PBUF_RING gave EINVAL");
        assert!(covers(cap, "multishot/recv-eof-ends[sqpoll]") && !covers(cap, "multishot/recvmsg-out-layout[default]"));
        let dt = CAPABILITIES.iter().find(|c| c.id == "defer_taskrun").unwrap();
        assert!(covers(dt, "links/x[defer_taskrun]") && !covers(dt, "links/x[default]"));
    }
}
