//! Recorded mismatches between the kernel and its documentation, kept
//! apart from the cases (like wpt's metadata). Two kinds, never mixed:
//!
//! - A **kernel deviation** (`expectations/known-failures.toml`): the
//!   kernel does not do what is documented and intended. On the recorded
//!   kernel range, a trial whose failure is exactly the recorded one
//!   becomes `xfail`; any other failure of it stays a failure, and a pass
//!   becomes `xpass`, which fails the run so the entry gets removed.
//! - A **documentation erratum** (`expectations/doc-errata.toml`): the
//!   kernel's behaviour is the intended one (upstream's own tests assert
//!   it) and the man page is stale. The case asserts the kernel; the
//!   erratum is listed in the report, the summary and the matrix with the
//!   correction to propose. It never changes an outcome.
//!
//! Deviation entry:
//!
//! ```toml
//! [[expect]]
//! id = "links/some-case"          # the entry's stable ID (unique; reports name it)
//! trial = "links/some-case[*]"    # glob over trial IDs
//! kernels = ">=6.1, <6.18.20"     # comma-separated bounds: major.minor, or a full
//!                                 # version (6.18.20) where the fix's stable release is known; "*" for all
//! reason = "what the kernel does instead"
//! evidence = ["commit ...", "io_uring_enter(2): ..."]
//! failure = "CQEs differ ...*"    # the whole failure message; only * is special
//! [expect.upstream]               # required: where upstream stands
//! kind = "fixed"                  # fixed | reported | intended | not-found
//! commits = ["418eab7a6f3c"]      # the fix (fixed), or the change that made it so
//! release = "7.0"                 # first mainline release with the fix (fixed only)
//! stable = ["6.18.20"]            # first fixed stable releases of older lines
//! messages = ["<id@host>"]        # Message-IDs of the report, patch or discussion
//! checked = "what was verified where, and what not"
//! ```
//!
//! A kernel lacks the fix when it is older than `release` and than the
//! `stable` release of its own line ([`Upstream::standing`]); the summary,
//! the report and the matrix say "lacks upstream fix X" apart from
//! "upstream behaves so". Debian's ABI-only releases ("6.1.0-57-amd64")
//! are compared with their package version from uname -v
//! ([`effective_release`]).
//!
//! `failure` is required: it pins the deviation (the differing CQEs, or the
//! exact check), so that a different failure of the same trial still
//! fails. Several entries may name one trial (one per way it deviates, or
//! per variant); a failure matching any of them is the known one. Unknown
//! keys are refused: a misspelt key must not widen an entry.

use crate::outcome::{Outcome, TrialResult};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// The entry's stable ID, unique in the file: a trial's verdict names
    /// the entry that applied by it ([`TrialResult::deviation`]), so it
    /// stays while the range, reason or evidence are edited.
    pub id: String,
    pub trial: String,
    pub kernels: String,
    pub reason: String,
    pub evidence: Vec<String>,
    /// The whole failure message the deviation produces (`*` for what
    /// varies: times, line numbers).
    pub failure: String,
    /// A kernel race: the deviation shows only sometimes, so a pass stays
    /// a pass (not xpass).
    #[serde(default)]
    pub intermittent: bool,
    /// A deviation of an unmerged series, not of mainline: the entry
    /// applies only where the kernel release carries `-<series>` (the name
    /// ci/build-kernel.sh --name gives a patched build, e.g.
    /// "6.12.118-sqe-group-v8").
    #[serde(default)]
    pub series: Option<String>,
    /// Where upstream stands on it (required: [`Expectations::parse`]
    /// refuses an entry without it).
    #[serde(default)]
    pub upstream: Option<Upstream>,
}

/// What upstream did about a recorded deviation or erratum, checked
/// against public sources (the io-uring list, stable review mail,
/// mainline merge logs, liburing).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Upstream {
    pub kind: UpstreamKind,
    /// Commit IDs (12 or more hex digits) of the fix, or of the change
    /// that made the behaviour intended.
    #[serde(default)]
    pub commits: Vec<String>,
    /// The first mainline release with the fix ("7.1"); `fixed` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// The first stable releases of older lines with the fix backported
    /// ("6.18.20"), where a stable review mail shows it.
    #[serde(default)]
    pub stable: Vec<String>,
    /// Message-IDs of the report, the patch or the discussion.
    #[serde(default)]
    pub messages: Vec<String>,
    /// What was checked and where, and what could not be verified.
    pub checked: String,
}

/// The four answers upstream can have given.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum UpstreamKind {
    /// A commit fixed it: kernels before `release` (and the stable
    /// releases named) lack the fix.
    Fixed,
    /// Reported on the list; no fix merged.
    Reported,
    /// Upstream means it so (a commit or a maintainer says so).
    Intended,
    /// Nothing found upstream: a report to send (docs/findings/).
    NotFound,
}

impl UpstreamKind {
    pub fn word(self) -> &'static str {
        match self {
            UpstreamKind::Fixed => "fixed",
            UpstreamKind::Reported => "reported",
            UpstreamKind::Intended => "intended",
            UpstreamKind::NotFound => "not-found",
        }
    }
}

/// How one kernel stands against an entry's upstream status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum KernelStanding {
    /// The kernel is older than the fix (mainline release and every
    /// stable release named): upgrading helps.
    LacksFix,
    /// The kernel is at or past the fix, by the recorded versions.
    HasFix,
    /// Upstream behaves so too: no fix exists (not found, reported or
    /// intended).
    UpstreamSame,
}

impl KernelStanding {
    pub fn word(self) -> &'static str {
        match self {
            KernelStanding::LacksFix => "lacks-fix",
            KernelStanding::HasFix => "has-fix",
            KernelStanding::UpstreamSame => "upstream-same",
        }
    }
}

impl Upstream {
    /// "fixed upstream in 7.1 (9cc6bac1bebf, 45d2b37a37ab); stable 7.0.8",
    /// "not found upstream", ...
    pub fn summary(&self) -> String {
        let commits = if self.commits.is_empty() { String::new() } else { format!(" ({})", self.commits.join(", ")) };
        match self.kind {
            UpstreamKind::Fixed => {
                let stable = if self.stable.is_empty() { String::new() } else { format!("; stable {}", self.stable.join(", ")) };
                format!("fixed upstream in {}{commits}{stable}", self.release.as_deref().unwrap_or("?"))
            }
            UpstreamKind::Reported => format!("reported upstream, not fixed{}", self.messages.first().map(|m| format!(" ({m})")).unwrap_or_default()),
            UpstreamKind::Intended => format!("intended upstream{commits}"),
            UpstreamKind::NotFound => "not found upstream (unreported)".into(),
        }
    }

    /// Where `release` (an effective release, [`effective_release`])
    /// stands: a fixed entry's kernel lacks the fix when it is older than
    /// the mainline release and than the stable release of its own line.
    pub fn standing(&self, release: &str) -> KernelStanding {
        if self.kind != UpstreamKind::Fixed {
            return KernelStanding::UpstreamSame;
        }
        let Some(k) = KernelVersion::parse(release) else { return KernelStanding::LacksFix };
        let fixed_mainline = self.release.as_deref().and_then(KernelVersion::parse).is_some_and(|r| k.at_least(&r));
        let fixed_stable = self.stable.iter().filter_map(|s| KernelVersion::parse(s)).any(|s| s.major == k.major && s.minor == k.minor && k.at_least(&s));
        if fixed_mainline || fixed_stable {
            KernelStanding::HasFix
        } else {
            KernelStanding::LacksFix
        }
    }

    /// The one-line status for `release`: "lacks upstream fix
    /// 9cc6bac1bebf (fixed upstream in 7.1 ...)" or "upstream behaves so
    /// (not found upstream ...)".
    pub fn status_for(&self, release: &str) -> String {
        match self.standing(release) {
            KernelStanding::LacksFix => format!("lacks upstream fix {} ({})", self.commits.first().map(String::as_str).unwrap_or("?"), self.summary()),
            KernelStanding::HasFix => format!("has the upstream fix by version, yet deviates ({})", self.summary()),
            KernelStanding::UpstreamSame => format!("upstream behaves so ({})", self.summary()),
        }
    }

    fn validate(&self, what: &str) -> Result<(), String> {
        for c in &self.commits {
            if c.len() < 12 || !c.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!("{what}: upstream commit {c:?} is not 12 or more hex digits"));
            }
        }
        for m in &self.messages {
            if !(m.starts_with('<') && m.ends_with('>') && m.contains('@')) {
                return Err(format!("{what}: upstream message {m:?} is not a <Message-ID>"));
            }
        }
        for v in self.release.iter().chain(&self.stable) {
            KernelVersion::parse(v).ok_or_else(|| format!("{what}: upstream version {v:?} is not a kernel version"))?;
        }
        if self.stable.iter().any(|s| KernelVersion::parse(s).is_some_and(|v| v.patch.is_none())) {
            return Err(format!("{what}: a stable release names its patch level (6.18.20)"));
        }
        if self.checked.trim().is_empty() {
            return Err(format!("{what}: upstream.checked says what was verified"));
        }
        let ok = match self.kind {
            UpstreamKind::Fixed => !self.commits.is_empty() && self.release.is_some(),
            UpstreamKind::Reported => !self.messages.is_empty() && self.release.is_none() && self.stable.is_empty(),
            UpstreamKind::Intended => self.release.is_none() && self.stable.is_empty(),
            UpstreamKind::NotFound => self.commits.is_empty() && self.release.is_none() && self.stable.is_empty(),
        };
        if !ok {
            return Err(format!(
                "{what}: upstream kind {} needs: fixed = commits and release; reported = messages; intended = no release; not-found = no commits, release or stable",
                self.kind.word()
            ));
        }
        Ok(())
    }
}

/// A kernel version: major.minor and the patch level where the release
/// names one ("6.18.44"; "6.18" has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: Option<u32>,
}

impl KernelVersion {
    /// The leading `major.minor[.patch]` of a release or bound: Debian's
    /// "6.12.118+deb13-amd64" is 6.12.118, "6.1.0-57-amd64" 6.1.0 (its
    /// package version comes from uname -v: [`effective_release`]),
    /// "7.0-rc5" 7.0.
    pub fn parse(s: &str) -> Option<KernelVersion> {
        let s = s.trim();
        let num = |t: &str| -> Option<(u32, usize)> {
            let n = t.bytes().take_while(u8::is_ascii_digit).count();
            (n > 0).then(|| t[..n].parse().ok().map(|v| (v, n))).flatten()
        };
        let (major, a) = num(s)?;
        let rest = s[a..].strip_prefix('.')?;
        let (minor, b) = num(rest)?;
        let rest = &rest[b..];
        let patch = rest.strip_prefix('.').and_then(num).map(|(p, _)| p);
        Some(KernelVersion { major, minor, patch })
    }

    fn triple(&self) -> (u32, u32, u32) {
        (self.major, self.minor, self.patch.unwrap_or(0))
    }

    /// Whether this kernel is at or past `b` (a bound without a patch
    /// level compares major.minor only).
    pub fn at_least(&self, b: &KernelVersion) -> bool {
        self.cmp_bound(b) != std::cmp::Ordering::Less
    }

    /// This kernel against a bound: on major.minor where the bound names no
    /// patch level (the old ranges keep their meaning), on the full version
    /// where it does.
    pub fn cmp_bound(&self, b: &KernelVersion) -> std::cmp::Ordering {
        match b.patch {
            None => (self.major, self.minor).cmp(&(b.major, b.minor)),
            Some(_) => self.triple().cmp(&b.triple()),
        }
    }
}

/// The release the expectations compare: `release` itself, or, where
/// Debian's release names only its ABI ("6.1.0-57-amd64"), the package
/// version from uname -v ("... Debian 6.1.192-3 (2026-11-26)") in front:
/// "6.1.192 (6.1.0-57-amd64)". A series suffix stays visible.
pub fn effective_release(release: &str, uname_version: &str) -> String {
    let Some(r) = KernelVersion::parse(release) else { return release.to_string() };
    if r.patch.unwrap_or(0) != 0 {
        return release.to_string();
    }
    let debian = uname_version.split("Debian ").nth(1).and_then(KernelVersion::parse);
    match debian {
        Some(d) if d.major == r.major && d.minor == r.minor && d.patch.is_some() => {
            format!("{}.{}.{} ({release})", d.major, d.minor, d.patch.unwrap_or(0))
        }
        _ => release.to_string(),
    }
}

/// Whether `release` names the patch series `series` as one of its
/// dash-separated parts ("6.12.118-sqe-group-v8", "6.12.118-sqe-group-v8+"):
/// "sqe-group-v8" is not "sqe-group-v80".
pub fn built_with_series(release: &str, series: &str) -> bool {
    let tag = format!("-{series}");
    release.match_indices(&tag).any(|(i, _)| release[i + tag.len()..].chars().next().is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_'))
}

impl Expectation {
    /// Whether the entry covers `trial` on `release`: the trial glob, the
    /// kernel range and, for a series' entry, a kernel built with it.
    pub fn applies(&self, trial: &str, release: &str) -> bool {
        crate::glob::matches(&self.trial, trial) && self.applies_to_kernel(release)
    }

    /// Whether the entry's kernel range (and series) holds `release`.
    pub fn applies_to_kernel(&self, release: &str) -> bool {
        in_range(&self.kernels, release).unwrap_or(false) && self.series.as_ref().is_none_or(|s| built_with_series(release, s))
    }

    /// How an xfail on this entry is introduced to a reader, before the
    /// failure itself (the report keeps the two apart: the failure in
    /// `message`, the entry's ID in `deviation`).
    pub fn xfail_prefix(&self) -> String {
        let series = self.series.as_ref().map(|s| format!(" with the {s} series")).unwrap_or_default();
        format!("known deviation on kernels {}{series} ({}; evidence: {}): ", self.kernels, self.reason, self.evidence.join("; "))
    }
}

/// A man page that says something the kernel deliberately does otherwise.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Erratum {
    /// The erratum's stable ID, unique in the file: a passing trial names
    /// the erratum it asserts by it ([`TrialResult::erratum`]). Empty in
    /// reports written before errata had IDs.
    #[serde(default)]
    pub id: String,
    /// Glob over the trials that assert the kernel's intended behaviour.
    pub trials: String,
    /// The man page and section ("io_uring_prep_cancel(3) RETURN VALUE").
    pub page: String,
    /// What the page says.
    pub says: String,
    /// What the kernel does.
    pub kernel: String,
    /// Why the kernel's behaviour is the intended one (upstream's tests,
    /// the source, a maintainer's word).
    pub evidence: Vec<String>,
    /// The proposed correction to the page.
    pub correction: String,
    /// Where upstream stands (required in the file; absent in reports
    /// written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream: Option<Upstream>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    #[serde(default)]
    pub expect: Vec<Expectation>,
    #[serde(default)]
    pub erratum: Vec<Erratum>,
}

/// An entry ID: not empty, and only ASCII letters, digits and `. _ - / @`.
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|c| c.is_ascii_alphanumeric() || b"._-/@".contains(&c))
}

/// Whether `release` (e.g. "6.18.44-amd64") lies in `range` (">=6.1,
/// <6.12", ">=6.16, <6.18.20"). A bound with a patch level compares the
/// full version (6.18.15 < 6.18.20); one without compares major.minor, so
/// "<6.19" holds all of 6.18 and "=6.1" every 6.1.y.
pub fn in_range(range: &str, release: &str) -> Result<bool, String> {
    if range.split(',').all(|p| p.trim().is_empty()) {
        // An empty range would hold every kernel unseen; "*" says so.
        return Err(format!("empty kernel range {range:?} (\"*\" is every kernel)"));
    }
    let Some(v) = KernelVersion::parse(release) else { return Ok(false) };
    for part in range.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if part == "*" {
            continue;
        }
        let (op, ver) =
            ["<=", ">=", "<", ">", "="].iter().find_map(|op| part.strip_prefix(op).map(|r| (*op, r.trim()))).ok_or_else(|| format!("bad bound {part:?}"))?;
        let b = KernelVersion::parse(ver).filter(|_| ver.bytes().all(|c| c.is_ascii_digit() || c == b'.')).ok_or_else(|| format!("bad version {ver:?}"))?;
        let o = v.cmp_bound(&b);
        let ok = match op {
            "<=" => o.is_le(),
            ">=" => o.is_ge(),
            "<" => o.is_lt(),
            ">" => o.is_gt(),
            _ => o.is_eq(),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

impl Expectations {
    /// Parses deviations (`[[expect]]`) and errata (`[[erratum]]`) from one
    /// TOML text.
    pub fn parse(text: &str) -> Result<Expectations, String> {
        let e: Expectations = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut ids = std::collections::BTreeSet::new();
        for id in e.expect.iter().map(|x| &x.id).chain(e.erratum.iter().map(|x| &x.id)) {
            if !valid_id(id) {
                return Err(format!("entry ID {id:?} is not a stable ID (letters, digits and . _ - / @, not empty)"));
            }
            if !ids.insert(id.as_str()) {
                return Err(format!("entry ID {id:?} is used twice"));
            }
        }
        for x in &e.expect {
            in_range(&x.kernels, "1.0")?;
            if x.evidence.is_empty() {
                return Err(format!("expectation for {} has no evidence", x.trial));
            }
            if x.failure.trim().is_empty() || x.failure.trim() == "*" {
                return Err(format!("expectation for {} must pin its failure message (a lone * excuses any failure)", x.trial));
            }
            let what = format!("expectation for {} on {}", x.trial, x.kernels);
            x.upstream.as_ref().ok_or_else(|| format!("{what} has no upstream status ([expect.upstream])"))?.validate(&what)?;
        }
        for x in &e.erratum {
            if x.evidence.is_empty() || x.correction.trim().is_empty() {
                return Err(format!("erratum for {} needs evidence and a correction", x.trials));
            }
            let what = format!("erratum for {}", x.trials);
            x.upstream.as_ref().ok_or_else(|| format!("{what} has no upstream status ([erratum.upstream])"))?.validate(&what)?;
        }
        Ok(e)
    }

    /// The built-in files, compiled in so every binary carries them.
    pub fn builtin() -> Expectations {
        let mut e = Expectations::parse(include_str!("../../expectations/known-failures.toml")).expect("expectations/known-failures.toml is valid");
        let errata = Expectations::parse(include_str!("../../expectations/doc-errata.toml")).expect("expectations/doc-errata.toml is valid");
        assert!(errata.expect.is_empty(), "doc-errata.toml holds errata only");
        e.erratum = errata.erratum;
        e
    }

    /// No expectations at all (`run --no-expectations`).
    pub fn none() -> Expectations {
        Expectations::default()
    }

    /// The deviation entry with this ID.
    pub fn entry(&self, id: &str) -> Option<&Expectation> {
        self.expect.iter().find(|x| x.id == id)
    }

    /// The erratum with this ID.
    pub fn erratum(&self, id: &str) -> Option<&Erratum> {
        self.erratum.iter().find(|x| x.id == id)
    }

    /// The deviation entries that apply to `trial` on `release`.
    pub fn find<'a>(&'a self, trial: &'a str, release: &'a str) -> impl Iterator<Item = &'a Expectation> + 'a {
        self.expect.iter().filter(move |x| x.applies(trial, release))
    }

    /// A result's message as a reader sees it: an xfail's failure
    /// introduced by the deviation it matched ([`Expectation::xfail_prefix`]),
    /// any other message as it is.
    pub fn described(&self, r: &TrialResult) -> String {
        match r.deviation.as_deref().and_then(|id| self.entry(id)) {
            Some(x) if r.outcome == Outcome::Xfail => format!("{}{}", x.xfail_prefix(), r.message),
            _ => r.message.clone(),
        }
    }

    /// The errata whose trials include `trial`.
    pub fn errata_for<'a>(&'a self, trial: &'a str) -> impl Iterator<Item = &'a Erratum> + 'a {
        self.erratum.iter().filter(move |x| crate::glob::matches(&x.trials, trial))
    }

    /// Turns a failure that is exactly a recorded deviation into xfail,
    /// and a pass where a deviation is recorded into xpass, naming the
    /// entry in [`TrialResult::deviation`]; names the erratum a pass
    /// asserts in [`TrialResult::erratum`].
    pub fn apply(&self, r: &mut TrialResult, release: &str) {
        if r.outcome == Outcome::Pass {
            r.erratum = self.errata_for(&r.id).next().map(|e| e.id.clone());
        }
        let entries: Vec<&Expectation> = self.find(&r.id, release).collect();
        if entries.is_empty() {
            return;
        }
        match r.outcome {
            Outcome::Fail | Outcome::Timeout | Outcome::Crash => match entries.iter().find(|x| crate::glob::matches_star(x.failure.trim(), r.message.trim())) {
                Some(x) => {
                    r.outcome = Outcome::Xfail;
                    r.deviation = Some(x.id.clone());
                }
                None => {
                    r.message = format!(
                        "{}\n  (a deviation is recorded for this trial on {}, but this is a different failure: {})",
                        r.message,
                        release,
                        entries.iter().map(|x| x.reason.as_str()).collect::<Vec<_>>().join("; ")
                    );
                }
            },
            Outcome::Pass if entries.iter().any(|x| !x.intermittent) => {
                let x = entries.iter().find(|x| !x.intermittent).expect("one");
                r.outcome = Outcome::Xpass;
                r.erratum = None;
                r.deviation = Some(x.id.clone());
                r.message = format!("expected to fail on {} ({}), but passed: remove the entry", x.kernels, x.reason);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    /// The upstream table every test entry needs.
    const UP: &str = "[expect.upstream]\nkind = \"not-found\"\nchecked = \"c\"\n";
    #[test]
    fn ranges() {
        assert!(in_range(">=6.1, <6.12", "6.6.0-amd64").unwrap());
        assert!(!in_range(">=6.1, <6.12", "6.12.3").unwrap());
        assert!(in_range("*", "5.10.0").unwrap());
        assert!(in_range("=6.18", "6.18.44").unwrap());
        assert!(in_range(">6.9", "6.10").unwrap());
        assert!(in_range("x6", "6.1").is_err());
    }

    #[test]
    fn apply_turns_fail_into_xfail_and_pass_into_xpass() {
        let e = Expectations::parse(&format!(
            "[[expect]]\nid = \"x\"\ntrial = \"a/b[*]\"\nkernels = \">=6.1\"\nreason = \"r\"\nevidence = [\"c\"]\nfailure = \"m after * ms\"\n{UP}"
        ))
        .unwrap();
        let mut r = TrialResult::of("a/b[default]", Outcome::Fail, "m after 3 ms");
        e.apply(&mut r, "6.18.0");
        assert_eq!(r.outcome, Outcome::Xfail);
        r.outcome = Outcome::Pass;
        e.apply(&mut r, "6.18.0");
        assert_eq!(r.outcome, Outcome::Xpass);
        r.outcome = Outcome::Fail;
        e.apply(&mut r, "5.10.0");
        assert_eq!(r.outcome, Outcome::Fail);
    }

    #[test]
    fn intermittent_entries_excuse_only_their_message_and_never_xpass() {
        let e = Expectations::parse(&format!(
            "[[expect]]\nid = \"x\"\ntrial = \"a/b[*]\"\nkernels = \"*\"\nreason = \"r\"\nevidence = [\"c\"]\nintermittent = true\nfailure = \"got {{res: -2, flags: 0}}\"\n{UP}",
        ))
        .unwrap();
        let mut r = TrialResult::of("a/b[default]", Outcome::Fail, "got {res: -2, flags: 0}");
        e.apply(&mut r, "7.1.0");
        assert_eq!(r.outcome, Outcome::Xfail);
        let mut other = TrialResult { outcome: Outcome::Fail, message: "got {res: -9, flags: 0}".into(), ..r.clone() };
        e.apply(&mut other, "7.1.0");
        assert_eq!(other.outcome, Outcome::Fail, "another failure is not excused");
        let mut pass = TrialResult { outcome: Outcome::Pass, message: String::new(), ..r };
        e.apply(&mut pass, "7.1.0");
        assert_eq!(pass.outcome, Outcome::Pass);
        assert!(
            Expectations::parse("[[expect]]\nid = \"x\"\ntrial = \"a\"\nkernels = \"*\"\nreason = \"r\"\nevidence = [\"c\"]\nintermittent = true\n").is_err(),
            "no failure pinned"
        );
    }

    #[test]
    fn a_series_entry_applies_only_to_kernels_built_with_the_series() {
        let e = Expectations::parse(&format!(
            "[[expect]]\nid = \"x\"\ntrial = \"a/b[*]\"\nkernels = \"*\"\nseries = \"sqe-group-v8\"\nreason = \"r\"\nevidence = [\"c\"]\nfailure = \"no CQE\"\n{UP}",
        ))
        .unwrap();
        let r = TrialResult::of("a/b[default]", Outcome::Fail, "no CQE");
        let mut patched = r.clone();
        e.apply(&mut patched, "6.12.118-sqe-group-v8");
        assert_eq!(patched.outcome, Outcome::Xfail);
        assert_eq!(patched.deviation.as_deref(), Some("x"));
        assert!(e.described(&patched).contains("with the sqe-group-v8 series"), "{}", e.described(&patched));
        let mut mainline = r;
        e.apply(&mut mainline, "6.12.118");
        assert_eq!(mainline.outcome, Outcome::Fail);
    }

    #[test]
    fn a_different_failure_of_the_trial_stays_a_failure() {
        let e = Expectations::parse(&format!(
            "[[expect]]\nid = \"x\"\ntrial = \"a/b[*]\"\nkernels = \"*\"\nreason = \"r\"\nevidence = [\"c\"]\nfailure = \"got -512\"\n{UP}"
        ))
        .unwrap();
        let mut r = TrialResult::of("a/b[default]", Outcome::Fail, "got -512, and 3 more CQEs");
        e.apply(&mut r, "6.18.0");
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(r.message.contains("different failure"));
    }

    #[test]
    fn unknown_keys_and_unpinned_entries_are_refused() {
        let base = "[[expect]]\nid = \"x\"\ntrial = \"a\"\nkernels = \"*\"\nreason = \"r\"\nevidence = [\"c\"]\n";
        assert!(Expectations::parse(&format!("{base}failure = \"x\"\nmesage = \"y\"\n{UP}")).is_err(), "misspelt key");
        assert!(Expectations::parse(&format!("{base}failure = \"x\"\n{UP}")).is_ok(), "the same entry, spelt right");
        assert!(Expectations::parse(&format!("{base}failure = \"x\"\n")).is_err(), "no upstream status");
        assert!(Expectations::parse(&format!("{base}failure = \"x\"\n{UP}fixd_in = \"7.1\"\n")).is_err(), "misspelt upstream key");
        assert!(Expectations::parse(&format!("{base}failure = \"*\"\n")).is_err(), "a lone star");
        assert!(Expectations::parse(base).is_err(), "no failure");
        assert!(Expectations::parse(
            "[[erratum]]\nid = \"y\"\ntrials = \"a\"\npage = \"p\"\nsays = \"s\"\nkernel = \"k\"\nevidence = [\"e\"]\ncorrection = \"c\"\nextra = 1\n"
        )
        .is_err());
        assert!(
            Expectations::parse(
                "[[erratum]]\nid = \"y\"\ntrials = \"a\"\npage = \"p\"\nsays = \"s\"\nkernel = \"k\"\nevidence = [\"e\"]\ncorrection = \"c\"\n"
            )
            .is_err(),
            "an erratum without upstream status"
        );
    }

    fn upstream(kind: &str, extra: &str) -> Result<Expectations, String> {
        Expectations::parse(&format!(
            "[[expect]]\nid = \"x\"\ntrial = \"a\"\nkernels = \"*\"\nreason = \"r\"\nevidence = [\"c\"]\nfailure = \"x\"\n[expect.upstream]\nkind = \"{kind}\"\nchecked = \"c\"\n{extra}"
        ))
    }

    #[test]
    fn upstream_kinds_need_their_fields() {
        assert!(upstream("fixed", "commits = [\"9cc6bac1bebf\"]\nrelease = \"7.1\"\n").is_ok());
        assert!(upstream("fixed", "commits = [\"9cc6bac1bebf\"]\n").is_err(), "fixed without release");
        assert!(upstream("fixed", "release = \"7.1\"\n").is_err(), "fixed without commit");
        assert!(upstream("fixed", "commits = [\"9cc6\"]\nrelease = \"7.1\"\n").is_err(), "short commit");
        assert!(upstream("fixed", "commits = [\"9cc6bac1bebf\"]\nrelease = \"7.1\"\nstable = [\"7.0\"]\n").is_err(), "stable without patch level");
        assert!(upstream("not-found", "commits = [\"9cc6bac1bebf\"]\n").is_err(), "not-found with a fix");
        assert!(upstream("reported", "").is_err(), "reported without a message");
        assert!(upstream("reported", "messages = [\"<a@b>\"]\n").is_ok());
        assert!(upstream("reported", "messages = [\"a@b\"]\n").is_err(), "not a Message-ID");
        assert!(upstream("intended", "commits = [\"f74c746e476b\"]\n").is_ok());
        assert!(upstream("intended", "release = \"6.7\"\n").is_err(), "intended has no fixing release");
        assert!(upstream("wontfix", "").is_err(), "unknown kind");
    }

    #[test]
    fn patch_level_ranges() {
        assert!(in_range("<6.18.20", "6.18.15+deb13-amd64").unwrap());
        assert!(!in_range("<6.18.20", "6.18.44").unwrap());
        assert!(in_range(">=6.16, <6.18.20", "6.17.13+deb13-amd64").unwrap());
        assert!(!in_range(">=6.16, <6.18.20", "6.19.14+deb13-amd64").unwrap());
        assert!(in_range("=6.18.44", "6.18.44").unwrap());
        assert!(!in_range("=6.18.44", "6.18.4").unwrap(), "6.18.4 is not 6.18.44");
        // Without a patch level a bound compares major.minor, as before.
        assert!(in_range("<=6.18", "6.18.44").unwrap());
        assert!(!in_range(">6.9", "6.9.5").unwrap());
        assert!(in_range("<6.19", "6.18.99").unwrap());
        assert!(in_range("x", "6.1").is_err());
        assert!(in_range("<6.18.x", "6.1").is_err());
        assert!(in_range("<6.18.20-1", "6.1").is_err(), "a bound is a plain version");
    }

    #[test]
    fn debian_releases_take_their_package_version() {
        let v = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)";
        assert_eq!(effective_release("6.1.0-57-amd64", v), "6.1.192 (6.1.0-57-amd64)");
        assert!(in_range("<6.1.128", "6.1.0-57-amd64").unwrap(), "the ABI name alone reads as 6.1.0");
        assert!(!in_range("<6.1.128", &effective_release("6.1.0-57-amd64", v)).unwrap());
        let deb13 = "#1 SMP PREEMPT_DYNAMIC Debian 6.12.118-1 (2026-11-20)";
        assert_eq!(effective_release("6.12.118+deb13-amd64", deb13), "6.12.118+deb13-amd64");
        assert_eq!(effective_release("6.1.192-fused-cmd-v6", "#3 SMP Tue Dec  1 21:56:23 UTC 2026"), "6.1.192-fused-cmd-v6");
        assert_eq!(effective_release("5.10.0-46-amd64", "#1 SMP Debian 5.10.262-1 (2026-07-31)"), "5.10.262 (5.10.0-46-amd64)");
        // A package of another line is not taken.
        assert_eq!(effective_release("6.1.0-57-amd64", "#1 SMP Debian 6.2.1-1"), "6.1.0-57-amd64");
        assert_eq!(KernelVersion::parse("7.0-rc5"), Some(KernelVersion { major: 7, minor: 0, patch: None }));
    }

    #[test]
    fn standing_tells_a_missing_fix_from_upstream_behaviour() {
        let up = |kind, release: Option<&str>, stable: &[&str]| Upstream {
            kind,
            commits: vec!["3ecd3e03144b".into()],
            release: release.map(String::from),
            stable: stable.iter().map(|s| s.to_string()).collect(),
            messages: vec![],
            checked: "c".into(),
        };
        let f = up(UpstreamKind::Fixed, Some("7.0"), &["6.18.20", "6.19.10"]);
        assert_eq!(f.standing("6.18.15+deb13-amd64"), KernelStanding::LacksFix);
        assert_eq!(f.standing("6.18.44"), KernelStanding::HasFix);
        assert_eq!(f.standing("6.17.13+deb13-amd64"), KernelStanding::LacksFix, "no 6.17 stable got it");
        assert_eq!(f.standing("7.0.13+deb13-amd64"), KernelStanding::HasFix);
        assert!(
            f.status_for("6.18.15").starts_with("lacks upstream fix 3ecd3e03144b (fixed upstream in 7.0 (3ecd3e03144b); stable 6.18.20, 6.19.10)"),
            "{}",
            f.status_for("6.18.15")
        );
        let n = Upstream { commits: vec![], ..up(UpstreamKind::NotFound, None, &[]) };
        assert_eq!(n.standing("6.18.44"), KernelStanding::UpstreamSame);
        assert!(n.status_for("6.18.44").starts_with("upstream behaves so"));
    }

    #[test]
    fn builtin_file_parses() {
        Expectations::builtin();
    }

    /// Every entry of the built-in files has an ID of its own (the
    /// reports name entries by it), and a file that reuses one, or leaves
    /// one out, is refused.
    #[test]
    fn entry_ids_are_unique_and_required() {
        let e = Expectations::builtin();
        let ids: Vec<&str> = e.expect.iter().map(|x| x.id.as_str()).chain(e.erratum.iter().map(|x| x.id.as_str())).collect();
        let set: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(set.len(), ids.len(), "an ID used twice");
        assert!(ids.iter().all(|id| valid_id(id)), "{ids:?}");
        for x in &e.expect {
            assert!(std::ptr::eq(e.entry(&x.id).unwrap(), x));
        }
        let one = |id: &str| format!("[[expect]]\nid = \"{id}\"\ntrial = \"a\"\nkernels = \"*\"\nreason = \"r\"\nevidence = [\"c\"]\nfailure = \"x\"\n{UP}");
        assert!(Expectations::parse(&format!("{}{}", one("a"), one("b"))).is_ok());
        assert!(Expectations::parse(&format!("{}{}", one("a"), one("a"))).unwrap_err().contains("used twice"));
        assert!(Expectations::parse(&one("")).is_err(), "an empty ID");
        assert!(Expectations::parse(&one("a b")).is_err(), "a space in an ID");
        assert!(Expectations::parse(&one("x").replace("id = \"x\"\n", "")).is_err(), "no ID");
    }

    /// An entry applies only on its kernel range and to the trials its
    /// glob names; where it applies, the verdict names it by ID (and the
    /// failure stays the message); where not, the failure stays a plain
    /// failure with no entry named. A pass on an erratum's trial names the
    /// erratum.
    #[test]
    fn an_entry_applies_only_to_its_range_and_trials_and_names_itself() {
        let e = Expectations::parse(&format!(
            "[[expect]]\nid = \"e1\"\ntrial = \"a/b[sqpoll]\"\nkernels = \">=6.1, <6.6\"\nreason = \"r\"\nevidence = [\"c\"]\nfailure = \"got *\"\n{UP}\n\
             [[erratum]]\nid = \"doc1\"\ntrials = \"a/c[*]\"\npage = \"p\"\nsays = \"s\"\nkernel = \"k\"\nevidence = [\"e\"]\ncorrection = \"c\"\n\
             [erratum.upstream]\nkind = \"intended\"\nchecked = \"c\"\n"
        ))
        .unwrap();
        let judged = |id: &str, o: Outcome, release: &str| {
            let mut r = TrialResult::of(id, o, if o == Outcome::Pass { "" } else { "got 3" });
            e.apply(&mut r, release);
            r
        };
        let r = judged("a/b[sqpoll]", Outcome::Fail, "6.1.0");
        assert_eq!((r.outcome, r.deviation.as_deref(), r.message.as_str()), (Outcome::Xfail, Some("e1"), "got 3"));
        assert!(e.described(&r).starts_with("known deviation on kernels >=6.1, <6.6 (r; evidence: c): got 3"), "{}", e.described(&r));
        assert_eq!(judged("a/b[sqpoll]", Outcome::Timeout, "6.5.13").deviation.as_deref(), Some("e1"));
        for (id, release) in [("a/b[sqpoll]", "6.0.9"), ("a/b[sqpoll]", "6.6.0"), ("a/b[default]", "6.1.0"), ("a/bb[sqpoll]", "6.1.0"), ("x/b[sqpoll]", "6.2")]
        {
            let r = judged(id, Outcome::Fail, release);
            assert_eq!((r.outcome, r.deviation.as_deref()), (Outcome::Fail, None), "{id} on {release}");
        }
        let r = judged("a/b[sqpoll]", Outcome::Pass, "6.3.0");
        assert_eq!((r.outcome, r.deviation.as_deref()), (Outcome::Xpass, Some("e1")));
        assert_eq!(judged("a/b[sqpoll]", Outcome::Pass, "6.6.0").deviation, None);
        let r = judged("a/c[default]", Outcome::Pass, "6.3.0");
        assert_eq!((r.outcome, r.erratum.as_deref(), r.deviation.as_deref()), (Outcome::Pass, Some("doc1"), None));
        assert_eq!(judged("a/c[default]", Outcome::Fail, "6.3.0").erratum, None, "only a pass asserts an erratum");
        assert_eq!(judged("a/d[default]", Outcome::Pass, "6.3.0").erratum, None);
        assert_eq!(Expectations::none().described(&r), r.message);
    }

    #[test]
    fn range_bounds_are_exact_at_their_edges() {
        for (range, release, want) in [
            ("<6.12", "6.11.99", true),
            ("<6.12", "6.12.0", false),
            ("<=6.12", "6.12.40", true),
            ("<=6.12", "6.13", false),
            (">6.12", "6.12.40", false),
            (">6.12", "6.13.0", true),
            (">=6.18.20", "6.18.19", false),
            (">=6.18.20", "6.18.20-amd64", true),
            ("<6.18.20", "6.18.15+deb13-amd64", true),
            ("=6.1", "6.1.192-fused-cmd-v6", true),
            ("=6.1", "6.10.0", false),
            (">=5.10, <5.11, >=6.0", "5.10.1", false),
            ("*", "7.3.4", true),
        ] {
            assert_eq!(in_range(range, release), Ok(want), "{range} holds {release}");
        }
        assert_eq!(in_range(">=6.1", "not a version"), Ok(false), "an unknown release is in no range");
        for bad in ["", " , ", ">=6.x", "~6.1", ">=6.1 <6.2", ">=-1"] {
            assert!(in_range(bad, "6.1.0").is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_series_is_a_whole_part_of_the_release() {
        assert!(built_with_series("6.12.118-sqe-group-v8", "sqe-group-v8"));
        assert!(built_with_series("6.12.118-sqe-group-v8+", "sqe-group-v8"));
        assert!(built_with_series("6.12.118-sqe-group-v8-dirty", "sqe-group-v8"));
        assert!(!built_with_series("6.12.118-sqe-group-v80", "sqe-group-v8"));
        assert!(!built_with_series("6.12.118-sqe-group-v8x", "sqe-group-v8"));
        assert!(!built_with_series("6.12.118", "sqe-group-v8"));
        assert!(!built_with_series("6.12.118-xsqe-group-v8", "sqe-group-v8"));
    }

    #[test]
    fn an_empty_kernel_range_is_refused() {
        assert!(Expectations::parse(&format!(
            "[[expect]]\nid = \"x\"\ntrial = \"a\"\nkernels = \"\"\nreason = \"r\"\nevidence = [\"c\"]\nfailure = \"m\"\n{UP}"
        ))
        .is_err());
    }

    /// Only a failure, a timeout or a crash can be a known deviation: an
    /// error is the harness's, a skip no verdict; and an intermittent
    /// entry beside a steady one still makes a pass an xpass.
    #[test]
    fn what_an_entry_excuses() {
        let e = Expectations::parse(&format!(
            "[[expect]]\nid = \"x\"\ntrial = \"a/b[*]\"\nkernels = \"*\"\nreason = \"r\"\nevidence = [\"c\"]\nfailure = \"*\"\n{UP}"
        ));
        assert!(e.is_err(), "a lone * is refused");
        let e = Expectations::parse(&format!(
            "[[expect]]\nid = \"x\"\ntrial = \"a/b[*]\"\nkernels = \"*\"\nreason = \"r\"\nevidence = [\"c\"]\nfailure = \"hang*\"\n{UP}"
        ))
        .unwrap();
        for (o, want) in [
            (Outcome::Fail, Outcome::Xfail),
            (Outcome::Timeout, Outcome::Xfail),
            (Outcome::Crash, Outcome::Xfail),
            (Outcome::Error, Outcome::Error),
            (Outcome::Skip, Outcome::Skip),
        ] {
            let mut r = TrialResult::of("a/b[sqpoll]", o, "hang: no result");
            e.apply(&mut r, "6.1.0");
            assert_eq!(r.outcome, want, "{o:?}");
        }
        let mut r = TrialResult::of("a/c[sqpoll]", Outcome::Fail, "hang: no result");
        e.apply(&mut r, "6.1.0");
        assert_eq!(r.outcome, Outcome::Fail, "another trial");
        let both = Expectations::parse(&format!(
            "[[expect]]\nid = \"x\"\ntrial = \"a/b[*]\"\nkernels = \"*\"\nreason = \"r\"\nevidence = [\"c\"]\nintermittent = true\nfailure = \"x\"\n{UP}\n[[expect]]\nid = \"x2\"\ntrial = \"a/b[*]\"\nkernels = \">=6.1\"\nreason = \"s\"\nevidence = [\"c\"]\nfailure = \"y\"\n{UP}"
        ))
        .unwrap();
        let mut r = TrialResult::of("a/b[default]", Outcome::Pass, "");
        both.apply(&mut r, "6.2.0");
        assert_eq!(r.outcome, Outcome::Xpass);
        let mut r = TrialResult::of("a/b[default]", Outcome::Pass, "");
        both.apply(&mut r, "5.10.0");
        assert_eq!(r.outcome, Outcome::Pass, "only the intermittent entry holds 5.10");
    }
}
