//! Every wait bound in the cases goes through the run's timeout scale
//! (`oracle::prompt()` / `oracle::scaled(..)`), so that a slow machine
//! (`--timeout-scale`) never meets a fixed bound. This reads cases/src and
//! fails on:
//!
//! - any use of the unscaled `PROMPT` outside comments;
//! - a call of a waiting function whose bound is neither scaled there
//!   (`prompt()`, `scaled(`) nor a plain lower-case name (a bound passed
//!   through from a caller, which this test checks at that caller).
//!
//! A window that is itself what a case checks (a flag must stay clear for
//! 100 ms) is not a wait bound: a comment saying "not scaled" or
//! "unscaled" in the four lines before the call exempts it. Timer lengths
//! checked with `check_elapsed` are not waits and are not looked at.

use std::path::{Path, PathBuf};

/// The waiting functions and which argument (0-based) is the bound.
/// (`expect_none_within` scales its window itself.)
const WAITS: &[(&str, usize)] = &[
    ("wait_until", 0),
    ("wait_for", 1),
    ("wait_timeout", 0),
    ("recv_timeout", 0),
    ("wait_for_fault", 0),
    ("cqes_from_child", 0),
    ("hangs_up_within", 1),
    ("fixtures::poll_in", 1),
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read cases/src") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The text with `//` comments blanked (same length, so offsets keep
/// their line numbers). String literals holding `//` are rare enough in
/// cases not to matter here.
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => format!("{}{}", &l[..i], " ".repeat(l.len() - i)),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level arguments of the call whose '(' is at `open`.
fn call_args(code: &str, open: usize) -> Vec<String> {
    let (mut depth, mut args, mut cur) = (0i32, Vec::new(), String::new());
    for c in code[open..].chars() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                if depth == 1 {
                    continue;
                }
            }
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    args.push(cur.trim().to_string());
                    return args;
                }
            }
            ',' if depth == 1 => {
                args.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    args
}

fn is_passed_through(bound: &str) -> bool {
    !bound.is_empty() && bound.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') && !bound.starts_with(|c: char| c.is_ascii_digit())
}

fn problems_in(path: &Path, text: &str) -> Vec<String> {
    let code = strip_comments(text);
    let lines: Vec<&str> = text.lines().collect();
    let line_of = |at: usize| code[..at].matches('\n').count();
    let mut out = Vec::new();
    for (i, l) in code.lines().enumerate() {
        if l.contains("PROMPT") {
            out.push(format!("{}:{}: unscaled PROMPT (use oracle::prompt())", path.display(), i + 1));
        }
    }
    for (name, arg) in WAITS {
        let pat = format!("{name}(");
        for (at, _) in code.match_indices(&pat) {
            // A whole name, not the tail of a longer identifier
            // (fixtures::poll_in is matched with its path: a case's own
            // poll_in SQE helper is not a wait).
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if code[..at].trim_end().ends_with("fn") {
                continue;
            }
            let args = call_args(&code, at + name.len());
            let Some(bound) = args.get(*arg) else { continue };
            if bound.contains("prompt()") || bound.contains("scaled(") || is_passed_through(bound) {
                continue;
            }
            let n = line_of(at);
            let before: Vec<&str> = lines[n.saturating_sub(4)..n].iter().map(|l| l.trim().trim_start_matches("//").trim()).collect();
            let before = before.join(" ");
            let exempt = before.contains("not scaled") || before.contains("unscaled");
            if !exempt {
                out.push(format!("{}:{}: {name} bounded by {bound:?}, not by oracle::prompt() / oracle::scaled(..)", path.display(), n + 1));
            }
        }
    }
    out
}

#[test]
fn every_wait_bound_in_cases_is_scaled() {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(files.len() > 20, "cases/src not found ({} files)", files.len());
    let problems: Vec<String> = files.iter().flat_map(|p| problems_in(p, &std::fs::read_to_string(p).expect("read"))).collect();
    assert!(problems.is_empty(), "unscaled wait bounds in cases:\n{}", problems.join("\n"));
}

#[test]
fn the_check_finds_what_it_forbids() {
    let p = Path::new("x.rs");
    let bad = "fn f() {\n    let a = PROMPT;\n    r.wait_for(1, Duration::from_secs(5))?;\n    fixtures::wait_until(STEP, || true);\n    child.wait_timeout(Duration::from_millis(100 * 2))?;\n}\n";
    assert_eq!(problems_in(p, bad).len(), 4, "{:?}", problems_in(p, bad));
    let good = "fn f(limit: Duration) {\n    // PROMPT in a comment\n    r.wait_for(1, oracle::prompt())?;\n    fixtures::wait_until(oracle::scaled(STEP), || true);\n    child.wait_timeout(limit)?;\n    r.submit_all(&[poll_in(&p, 1)])?;\n    // the window is the check (not scaled)\n    let x = wait_until(Duration::from_millis(100), || false);\n}\n";
    assert_eq!(problems_in(p, good), Vec::<String>::new());
}
