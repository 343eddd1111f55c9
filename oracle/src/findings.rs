//! The findings: recorded deviations that upstream has not fixed and
//! nobody reported (`upstream.kind = "not-found"`), each with a report
//! ready to send (`docs/findings/NAME.md`) and, where mainline shows it, a
//! standalone C reproducer in `expectations/repro/` (libc and raw
//! syscalls; one `cc` line; prints GOOD or BAD, exits 0 or 1, 2 when it
//! cannot run). `uring-conform findings` lists them; `tests/findings.rs`
//! builds and runs every reproducer and checks its verdict against the
//! expectations for the running kernel.

use crate::expectations::{Expectation, Expectations};

/// One reproducer invocation and the entries (trial glob, kernel range)
/// whose deviation it shows.
pub struct Repro {
    pub file: &'static str,
    pub args: &'static [&'static str],
    pub entries: &'static [(&'static str, &'static str)],
}

pub struct Finding {
    pub name: &'static str,
    pub title: &'static str,
    /// Every known-failure entry (trial glob, kernel range) it covers.
    pub entries: &'static [(&'static str, &'static str)],
    pub repros: &'static [Repro],
}

impl Finding {
    pub fn doc(&self) -> String {
        format!("docs/findings/{}.md", self.name)
    }
}

const ERESTART: &[(&str, &str)] = &[
    ("cancel/running-interrupted-eintr[default]", ">=6.16, <7.3.2"),
    ("cancel/running-interrupted-eintr[defer_taskrun]", ">=6.16, <7.3.2"),
    ("cancel/running-interrupted-eintr[coop_taskrun]", ">=6.16, <7.3.2"),
    ("cancel/running-interrupted-eintr[sqpoll]", ">=6.16, <7.3.2"),
    ("cancel/running-interrupted-eintr[*]", "<6.1"),
    ("cancel/sync-running-waits[default]", ">=6.16, <7.3.2"),
    ("cancel/sync-running-waits[coop_taskrun]", ">=6.16, <7.3.2"),
    ("cancel/sync-running-waits[*]", "<6.1"),
];

const FUSED: &[(&str, &str)] = &[
    ("*", ">=6.1, <6.2"),
    ("enter/submission-error-stops-batch[*]", "*"),
    ("groups/group-flag-rejected-cleanly-or-grouped[*]", "*"),
    ("fused/n*", "*"),
    ("fused/primary-needs-fused-cmd-buf[*]", "*"),
    ("fused/secondary-*", "*"),
    ("register/restrictions-sqe-flags-allowed[*]", "*"),
    ("register/restrictions-too-many-einval[*]", ">=6.1, <6.2"),
];

pub const FINDINGS: &[Finding] = &[
    Finding {
        name: "cancel-userdata-poll-6-1",
        title: "6.1.y: a cancel by FD|USERDATA of polls ignores the user_data (the key mask was backported without the poll lookups)",
        entries: &[("cancel/userdata-and-fd[*]", ">=6.1.165, <6.2"), ("probe/opflag.async_cancel.userdata[*]", ">=6.1.165, <6.2")],
        // It shows the 6.16/6.17 deviation (fixed upstream, matches nothing) as BAD too.
        repros: &[Repro {
            file: "expectations/repro/cancel-userdata-poll.c",
            args: &[],
            entries: &[("cancel/userdata-and-fd[*]", ">=6.1.165, <6.2"), ("cancel/userdata-and-fd[*]", ">=6.16, <6.18.14")],
        }],
    },
    Finding {
        name: "cancel-running-erestartsys",
        title: "an io-wq OPENAT interrupted by a cancel completes with -ERESTARTSYS",
        entries: ERESTART,
        repros: &[Repro {
            file: "expectations/repro/cancel-interrupted-open.c",
            args: &["eintr"],
            entries: &[("cancel/running-interrupted-eintr[default]", ">=6.16, <7.3.2"), ("cancel/running-interrupted-eintr[*]", "<6.1")],
        }],
    },
    Finding {
        name: "cancel-sqpoll-enoent",
        title: "on an SQPOLL ring, cancelling a request running in the SQPOLL thread's io-wq answers -ENOENT (async) or fails with ENOENT (sync)",
        entries: &[
            ("cancel/running-ealready[sqpoll]", ">=6.16, <7.3.2"),
            ("cancel/running-interrupted-eintr[sqpoll]", ">=6.16, <7.3.2"),
            ("cancel/sync-running-waits[sqpoll]", ">=6.0"),
        ],
        repros: &[
            Repro {
                file: "expectations/repro/cancel-interrupted-open.c",
                args: &["sqpoll-ealready"],
                entries: &[("cancel/running-ealready[sqpoll]", ">=6.16, <7.3.2")],
            },
            Repro { file: "expectations/repro/cancel-interrupted-open.c", args: &["sync-sqpoll"], entries: &[("cancel/sync-running-waits[sqpoll]", ">=6.0")] },
        ],
    },
    Finding {
        name: "cancel-enoent-after-ealready",
        title: "a cancel that found and signalled a running io-wq request sometimes answers -ENOENT (question: intended?)",
        entries: &[
            ("cancel/running-interrupted-eintr[*]", ">=7.1, <7.3.2"),
            ("cancel/running-interrupted-eintr[*]", ">=6.16, <7.3.2"),
            ("cancel/sync-running-waits[default]", ">=6.19, <7.3.2"),
            ("cancel/sync-running-waits[coop_taskrun]", ">=6.18, <7.3.2"),
        ],
        repros: &[Repro {
            file: "expectations/repro/cancel-interrupted-open.c",
            args: &["ealready-race"],
            entries: &[("cancel/running-interrupted-eintr[*]", ">=7.1, <7.3.2")],
        }],
    },
    Finding {
        name: "cqe-mixed-overflow-tail",
        title: "CQE_MIXED overflow flush leaves the CQ tail 9 slots ahead in an 8-slot CQ",
        entries: &[("overflow/mixed-sizes-in-order[*]", ">=6.18, <7.3.2")],
        repros: &[Repro { file: "expectations/repro/cqe-mixed-overflow.c", args: &[], entries: &[("overflow/mixed-sizes-in-order[*]", ">=6.18, <7.3.2")] }],
    },
    Finding {
        name: "sqpoll-need-wakeup-at-start",
        title: "a new SQPOLL thread sets IORING_SQ_NEED_WAKEUP at once (question: intended?)",
        entries: &[("sqpoll/awake-after-setup[*]", "*")],
        repros: &[Repro { file: "expectations/repro/sqpoll-sleeps-at-start.c", args: &[], entries: &[("sqpoll/awake-after-setup[*]", "*")] }],
    },
    Finding {
        name: "rsrc-tags-on-unregister",
        title: "unregistering tagged files or buffers posts no tag CQEs before 6.16",
        entries: &[("files/tag-cqes-on-unregister[*]", "<6.16"), ("buffers/unregister-tag-cqes[*]", "<6.16")],
        repros: &[Repro { file: "expectations/repro/rsrc-tags-unregister.c", args: &[], entries: &[("files/tag-cqes-on-unregister[*]", "<6.16")] }],
    },
    Finding {
        name: "remove-buffers-empty-group",
        title: "REMOVE_BUFFERS on an emptied group answers 0, not -ENOENT (question: intended?)",
        entries: &[("pbuf/remove-buffers-counts[*]", ">=6.1")],
        repros: &[Repro { file: "expectations/repro/remove-buffers-empty-group.c", args: &[], entries: &[("pbuf/remove-buffers-counts[*]", ">=6.1")] }],
    },
    Finding {
        name: "drain-order-6-1",
        title: "on 6.1 a request submitted after a drained one completes before it",
        entries: &[("drain/later-requests-wait-for-drain[*]", "=6.1"), ("drain/later-requests-wait-for-drain[cqe32]", "=6.1")],
        repros: &[Repro { file: "expectations/repro/drain-order.c", args: &[], entries: &[("drain/later-requests-wait-for-drain[*]", "=6.1")] }],
    },
    Finding {
        name: "series-sqe-group-v8-lone-leader",
        title: "SQE group V8 (unmerged): a lone group leader is failed but its CQE never posted",
        entries: &[("groups/lone-leader-at-end-of-submission[*]", "*"), ("groups/group-split-across-submissions[*]", "*"), ("probe/sqe.bit7[default]", "*")],
        repros: &[],
    },
    Finding {
        name: "series-fused-cmd-v6-consumed-count",
        title: "fused command V6 (unmerged): io_uring_enter counts one SQE more than it consumed when one fails",
        entries: FUSED,
        repros: &[],
    },
];

/// The known-failure entries a finding names, from the built-in file.
pub fn entries_of<'a>(exps: &'a Expectations, names: &'a [(&'a str, &'a str)]) -> impl Iterator<Item = &'a Expectation> + 'a {
    exps.expect.iter().filter(move |x| names.iter().any(|(t, k)| x.trial == *t && x.kernels == *k))
}

/// What a reproducer should say on `release` (an effective release): BAD
/// where one of its entries applies and is not intermittent, either where
/// only intermittent ones apply, GOOD where none does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Good,
    Bad,
    Either,
}

pub fn expected_verdict(exps: &Expectations, r: &Repro, release: &str) -> Verdict {
    let applies: Vec<&Expectation> = entries_of(exps, r.entries).filter(|x| x.applies_to_kernel(release)).collect();
    if applies.iter().any(|x| !x.intermittent) {
        Verdict::Bad
    } else if !applies.is_empty() {
        Verdict::Either
    } else {
        Verdict::Good
    }
}

/// The stem a reproducer's executable is built under ("cancel-interrupted-open").
pub fn repro_stem(r: &Repro) -> &'static str {
    r.file.rsplit('/').next().unwrap_or(r.file).trim_end_matches(".c")
}

/// What a reproducer run said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// GOOD with exit 0, or BAD with exit 1, and that line.
    Said(Verdict, String),
    /// Exit 2, "could not run here" (e.g. the kernel lacks the setup flag
    /// it needs), with what it printed on stdout or stderr.
    CannotRun(String),
}

/// Runs a built reproducer with `args`, killing it after `limit`: its
/// verdict and its GOOD/BAD line, exit 2 as [`RunOutcome::CannotRun`], or
/// why it gave neither (another exit, no verdict line, the time limit).
pub fn run_repro(bin: &std::path::Path, args: &[&str], limit: std::time::Duration) -> Result<RunOutcome, String> {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = std::process::Command::new(bin)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let t0 = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("did not finish within {} s", limit.as_secs()));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let (mut out, mut err) = (String::new(), String::new());
    if let Some(o) = child.stdout.as_mut() {
        let _ = o.read_to_string(&mut out);
    }
    if let Some(e) = child.stderr.as_mut() {
        let _ = e.read_to_string(&mut err);
    }
    let line = out.lines().rev().find(|l| l.starts_with("GOOD") || l.starts_with("BAD")).unwrap_or(out.trim()).to_string();
    match status.code() {
        Some(0) if line.starts_with("GOOD") => Ok(RunOutcome::Said(Verdict::Good, line)),
        Some(1) if line.starts_with("BAD") => Ok(RunOutcome::Said(Verdict::Bad, line)),
        Some(2) => Ok(RunOutcome::CannotRun(format!("{} {}", out.trim(), err.trim()).trim().to_string())),
        c => Err(format!("neither GOOD (exit 0) nor BAD (exit 1): exit {c:?}, {line:?} {:?}", err.trim())),
    }
}

/// The kernels a finding's entries name, and the series where one applies
/// only to a patched kernel.
pub fn kernels_of(exps: &Expectations, f: &Finding) -> Vec<String> {
    let mut v: Vec<String> = entries_of(exps, f.entries)
        .map(|x| match &x.series {
            Some(s) => format!("{} with the {s} series", x.kernels),
            None => x.kernels.clone(),
        })
        .collect();
    // Several entries of one finding often share a range: each once, in
    // the order first seen.
    let mut seen = std::collections::HashSet::new();
    v.retain(|k| seen.insert(k.clone()));
    v
}

/// The one-line upstream status of a finding (its entries', deduplicated).
pub fn upstream_of(exps: &Expectations, f: &Finding) -> String {
    let mut v: Vec<String> = entries_of(exps, f.entries).filter_map(|x| x.upstream.as_ref()).map(|u| u.summary()).collect();
    v.sort();
    v.dedup();
    v.join("; ")
}

/// The reproducer command lines ("cc -O2 -o X FILE && ./X ARGS").
pub fn repro_lines(f: &Finding) -> Vec<String> {
    f.repros
        .iter()
        .map(|r| {
            let stem = repro_stem(r);
            let args = if r.args.is_empty() { String::new() } else { format!(" {}", r.args.join(" ")) };
            format!("cc -O2 -o {stem} {} && ./{stem}{args}", r.file)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expectations::UpstreamKind;

    #[test]
    fn every_not_found_entry_has_a_finding_and_every_finding_names_real_entries() {
        let exps = Expectations::builtin();
        for x in exps.expect.iter().filter(|x| x.upstream.as_ref().is_some_and(|u| u.kind == UpstreamKind::NotFound)) {
            assert!(
                FINDINGS.iter().any(|f| f.entries.iter().any(|(t, k)| x.trial == *t && x.kernels == *k)),
                "{} on {} is not-found upstream but no finding covers it",
                x.trial,
                x.kernels
            );
        }
        for f in FINDINGS {
            for (t, k) in f.entries.iter().chain(f.repros.iter().flat_map(|r| r.entries)) {
                assert!(entries_of(&exps, &[(t, k)]).next().is_some(), "finding {} names no entry {t} on {k}", f.name);
            }
            let doc = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(f.doc());
            assert!(doc.is_file(), "{} is missing", doc.display());
            for r in f.repros {
                assert!(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(r.file).is_file(), "{} is missing", r.file);
            }
        }
    }

    #[test]
    fn the_verdict_follows_the_entries_on_the_kernel() {
        let exps = Expectations::builtin();
        let f = FINDINGS.iter().find(|f| f.name == "cancel-running-erestartsys").unwrap();
        assert_eq!(expected_verdict(&exps, &f.repros[0], "6.18.44"), Verdict::Bad);
        assert_eq!(expected_verdict(&exps, &f.repros[0], "6.12.118+deb13-amd64"), Verdict::Good);
        assert_eq!(expected_verdict(&exps, &f.repros[0], "5.10.262 (5.10.0-46-amd64)"), Verdict::Bad);
        let race = FINDINGS.iter().find(|f| f.name == "cancel-enoent-after-ealready").unwrap();
        // Intermittent where it was seen (7.1, 7.2); elsewhere the
        // reproducer must say GOOD.
        assert_eq!(expected_verdict(&exps, &race.repros[0], "7.1.13+deb13-amd64"), Verdict::Either);
        assert_eq!(expected_verdict(&exps, &race.repros[0], "6.18.44"), Verdict::Good);
        let poll = FINDINGS.iter().find(|f| f.name == "cancel-userdata-poll-6-1").unwrap();
        assert_eq!(expected_verdict(&exps, &poll.repros[0], "6.1.192 (6.1.0-57-amd64)"), Verdict::Bad);
        assert_eq!(expected_verdict(&exps, &poll.repros[0], "6.1.164 (6.1.0-43-amd64)"), Verdict::Good);
        assert_eq!(expected_verdict(&exps, &poll.repros[0], "6.17.13+deb13-amd64"), Verdict::Bad);
        assert_eq!(expected_verdict(&exps, &poll.repros[0], "6.18.44"), Verdict::Good);
    }
}
