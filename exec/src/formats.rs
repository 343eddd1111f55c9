//! Writers for CI systems, from the same results as the run report:
//! JUnit XML (one testsuite per area) and KTAP version 1 (the kernel's
//! selftest format: Documentation/dev-tools/ktap.rst).
//!
//! Mapping: pass -> passed; fail, timeout, crash, error, xpass -> failed
//! (JUnit <failure>/<error>, KTAP "not ok"); skip -> skipped (JUnit
//! <skipped>, KTAP "# SKIP"); xfail -> passed with the known deviation
//! noted (JUnit <system-out>, KTAP "ok ... # XFAIL").

use oracle::expectations::Expectations;
use oracle::outcome::{Bucket, Outcome, TrialResult};
use std::collections::BTreeMap;

fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // XML 1.0 forbids most control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => o.push_str(&format!("\\x{:02x}", c as u32)),
            c => o.push(c),
        }
    }
    o
}

/// JUnit XML for `results` of a run on `kernel`.
pub fn junit(results: &[TrialResult], kernel: &str, exps: &Expectations) -> String {
    let mut by_area: BTreeMap<&str, Vec<&TrialResult>> = BTreeMap::new();
    for r in results {
        by_area.entry(r.area.as_str()).or_default().push(r);
    }
    let count = |rs: &[&TrialResult], f: fn(Outcome) -> bool| rs.iter().filter(|r| f(r.outcome)).count();
    // JUnit tells a failure from an error (the harness's): every failure
    // outcome is one of the two.
    let is_error = |o: Outcome| o == Outcome::Error;
    let is_fail = |o: Outcome| o.is_failure() && o != Outcome::Error;
    let is_skip = |o: Outcome| o.bucket() == Bucket::Skip;
    let all: Vec<&TrialResult> = results.iter().collect();
    let secs = |rs: &[&TrialResult]| rs.iter().map(|r| r.duration_ms).sum::<f64>() / 1000.0;
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s += &format!(
        "<testsuites name=\"uring-conform\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
        all.len(),
        count(&all, is_fail),
        count(&all, is_error),
        count(&all, is_skip),
        secs(&all)
    );
    for (area, rs) in &by_area {
        s += &format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n    <properties><property name=\"kernel\" value=\"{}\"/></properties>\n",
            xml_escape(area),
            rs.len(),
            count(rs, is_fail),
            count(rs, is_error),
            count(rs, is_skip),
            secs(rs),
            xml_escape(kernel)
        );
        for r in rs {
            let head = format!("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"", xml_escape(area), xml_escape(&r.id), r.duration_ms / 1000.0);
            let said = exps.described(r);
            let msg = xml_escape(&said);
            let first = xml_escape(said.lines().next().unwrap_or(""));
            s += &match r.outcome {
                Outcome::Pass => format!("{head}/>\n"),
                Outcome::Xfail => format!("{head}>\n      <system-out>xfail: {msg}</system-out>\n    </testcase>\n"),
                Outcome::Skip => format!("{head}>\n      <skipped message=\"{first}\"/>\n    </testcase>\n"),
                Outcome::Error => format!("{head}>\n      <error type=\"error\" message=\"{first}\">{msg}</error>\n    </testcase>\n"),
                o => format!("{head}>\n      <failure type=\"{}\" message=\"{first}\">{msg}</failure>\n    </testcase>\n", o.word()),
            };
        }
        s += "  </testsuite>\n";
    }
    s += "</testsuites>\n";
    s
}

/// KTAP version 1 for `results`: one flat test list. The whole message of
/// a failure or an xfail (the recorded deviation and the failure it pins,
/// expected vs got) goes as diagnostic lines before its result line; a
/// result line holds one line only.
pub fn ktap(results: &[TrialResult], kernel: &str, exps: &Expectations) -> String {
    let mut s = format!("KTAP version 1\n# uring-conform on {kernel}\n1..{}\n", results.len());
    for (i, r) in results.iter().enumerate() {
        let n = i + 1;
        // '#' starts the directive in a result line: keep it out of names.
        let name = r.id.replace('#', "_");
        let one_line = |m: &str| m.lines().next().unwrap_or("").replace('#', "_");
        let said = exps.described(r);
        let diagnostics = |s: &mut String| {
            for line in said.lines() {
                *s += &format!("# {line}\n");
            }
        };
        match r.outcome.bucket() {
            Bucket::Pass => s += &format!("ok {n} {name}\n"),
            Bucket::Skip => s += &format!("ok {n} {name} # SKIP {}\n", one_line(&r.message)),
            Bucket::Xfail => {
                diagnostics(&mut s);
                s += &format!("ok {n} {name} # XFAIL {}\n", one_line(&said));
            }
            Bucket::Fail => {
                diagnostics(&mut s);
                let directive = match r.outcome {
                    Outcome::Timeout => " # TIMEOUT",
                    Outcome::Error => " # ERROR",
                    _ => "",
                };
                s += &format!("not ok {n} {name}{directive}\n");
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results() -> Vec<TrialResult> {
        let t = |id: &str, o: Outcome, m: &str| TrialResult {
            id: id.into(),
            area: id.split('/').next().unwrap().into(),
            variant: "default".into(),
            outcome: o,
            message: m.into(),
            missing: vec![],
            duration_ms: 1.5,
            ..TrialResult::of(id, o, m)
        };
        vec![
            t("links/a[default]", Outcome::Pass, ""),
            t("links/b[sqpoll]", Outcome::Fail, "CQEs differ (ordered):\n  expected: <x> & \"y\"\n  got: #z"),
            t("timeouts/c[default]", Outcome::Skip, "kernel lacks opflag.timeout.multishot"),
            t("timeouts/d[default]", Outcome::Xfail, "known deviation (6.1-6.6: r): CQEs differ:\n  expected: {res: 0}\n  got: {res: -62}"),
            t("timeouts/e[default]", Outcome::Timeout, "killed after 10s"),
            t("cancel/f[default]", Outcome::Error, "fixture: no pipe"),
            t("cancel/g[default]", Outcome::Xpass, "expected to fail"),
        ]
    }

    /// Checks every line against KTAP v1's grammar: version line, plan,
    /// result lines numbered 1..N in order, diagnostic lines.
    #[test]
    fn ktap_follows_the_grammar() {
        let out = ktap(&results(), "6.18.0", &Expectations::none());
        let mut lines = out.lines();
        assert_eq!(lines.next(), Some("KTAP version 1"));
        let mut plan = None;
        let mut next = 1;
        let mut not_ok = 0;
        for l in lines {
            if l.starts_with("# ") {
                continue;
            }
            if let Some(n) = l.strip_prefix("1..") {
                assert!(plan.is_none() && next == 1, "plan line after results: {l}");
                plan = Some(n.parse::<usize>().unwrap());
                continue;
            }
            let (ok, rest) = if let Some(r) = l.strip_prefix("ok ") {
                (true, r)
            } else if let Some(r) = l.strip_prefix("not ok ") {
                (false, r)
            } else {
                panic!("not a KTAP line: {l:?}")
            };
            let (num, rest) = rest.split_once(' ').unwrap();
            assert_eq!(num.parse::<usize>().unwrap(), next, "result numbers run 1..N in order");
            next += 1;
            let (name, directive) = match rest.split_once(" # ") {
                Some((n, d)) => (n, Some(d)),
                None => (rest, None),
            };
            assert!(!name.is_empty() && !name.contains('#'), "test name {name:?}");
            if let Some(d) = directive {
                let word = d.split(' ').next().unwrap();
                assert!(["SKIP", "XFAIL", "TIMEOUT", "ERROR"].contains(&word), "directive {word}");
                assert_eq!(ok, matches!(word, "SKIP" | "XFAIL"), "{l}");
            }
            if !ok {
                not_ok += 1;
            }
        }
        assert_eq!(plan, Some(7));
        // An xfail's whole message survives, expected vs got included.
        let xfail = out.find("ok 4 timeouts/d[default] # XFAIL known deviation").expect("the xfail's result line");
        assert!(out[..xfail].ends_with("# known deviation (6.1-6.6: r): CQEs differ:\n#   expected: {res: 0}\n#   got: {res: -62}\n"), "{out}");
        assert_eq!(next - 1, 7, "one result line per trial");
        assert_eq!(not_ok, 4, "fail, timeout, error and xpass are not ok");
    }

    #[test]
    fn junit_is_well_formed_and_counts_match() {
        let out = junit(&results(), "6.18.0", &Expectations::none());
        let doc = roxmltree::Document::parse(&out).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        assert_eq!(root.attribute("tests"), Some("7"));
        assert_eq!(root.attribute("failures"), Some("3"), "fail, timeout and xpass");
        assert_eq!(root.attribute("errors"), Some("1"));
        assert_eq!(root.attribute("skipped"), Some("1"));
        let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
        assert_eq!(suites.iter().map(|s| s.attribute("name").unwrap()).collect::<Vec<_>>(), ["cancel", "links", "timeouts"]);
        let cases: usize = suites.iter().map(|s| s.children().filter(|n| n.has_tag_name("testcase")).count()).sum();
        assert_eq!(cases, 7);
        for s in &suites {
            let n = s.children().filter(|n| n.has_tag_name("testcase")).count();
            assert_eq!(s.attribute("tests").unwrap().parse::<usize>().unwrap(), n);
        }
        let b = doc.descendants().find(|n| n.attribute("name") == Some("links/b[sqpoll]")).unwrap();
        let failure = b.children().find(|n| n.has_tag_name("failure")).unwrap();
        assert!(failure.text().unwrap().contains("<x> & \"y\""), "message text round-trips");
    }
}
