//! The help texts: `uring-conform --help` (the commands and what they
//! share) and each command's own (`uring-conform run --help`, or
//! `uring-conform help run`). Every text is made by [`help`] from the one
//! table [`COMMANDS`], so the global synopsis and a command's usage line
//! cannot drift apart.

/// One command's help.
struct CommandHelp {
    name: &'static str,
    /// The synopsis after `uring-conform NAME`.
    usage: &'static str,
    /// One line: what the command is for (the global help lists these).
    about: &'static str,
    /// What it does and prints, its options: sections, each ending in a
    /// newline.
    body: &'static [&'static str],
    /// The exit statuses, one per line.
    exit: &'static str,
}

/// The selection words and options, shared by `run` and `list`.
const SELECTION: &str = "\
SELECTION:
    FILTER...           which trials: AREA/ (links/: that area only, not
                        hardlinks/; ops/read/: one opcode), a glob over
                        the whole ID ('links/*', '*[sqpoll]': quote it, or
                        the shell expands it), or else a substring of the
                        ID (short-read). Several words select the union;
                        a word that matches no trial is an error (exit 2,
                        before anything is prepared or run)
    --area A            only this area (repeatable)
    --feature F         only trials that need feature F (repeatable)
    --variant V         only this ring variant (repeatable)
";

const COMMANDS: &[CommandHelp] = &[
    CommandHelp {
        name: "probe",
        usage: "[--json]",
        about: "what this kernel's io_uring supports, and why not",
        body: &[
            "\
Prepares the environment (see ENVIRONMENT in 'uring-conform --help') and
asks the kernel about every opcode, IORING_FEAT bit, setup, enter,
register and SQE flag, some per-op flags, unmerged proposals and the
environment. Prints a summary (present/total per class), then one table
per class: each feature present or absent with why; a feature the kernel
takes but that does not behave as documented is broken, listed first.
",
            "
OPTIONS:
    --json              the probe as one JSON object instead: kernel,
                        availability, features, broken, undetermined,
                        params, notes (docs/report-schema.md)
",
        ],
        exit: "0 probed   2 usage or harness error\n3 io_uring unavailable (why on stderr)",
    },
    CommandHelp {
        name: "list",
        usage: "[--json] [SELECTION]",
        about: "the trials, what each needs, and whether it runs here",
        body: &[
            "\
Probes like 'probe', then prints each selected trial (area/name[variant]):
its summary, the features it requires, and `runs` or `SKIP (the reason)`;
then the counts.
",
            "
OPTIONS:
    --json              a JSON array instead: id, area, variant, summary,
                        requires, refs, serial, timeout_ms, skip
",
            "\n",
            SELECTION,
        ],
        exit: "0 listed\n2 usage or harness error (a selection word that matches no trial)",
    },
    CommandHelp {
        name: "run",
        usage: "[--json FILE] [--junit FILE] [--ktap] [--strict]
                        [--jobs N] [--kmsg] [--label L]
                        [--timeout-scale X] [--quiet] [--mutate]
                        [--phases] [--executor fork|exec]
                        [--no-expectations] [SELECTION]",
        about: "run the conformance trials on this kernel",
        body: &[
            "\
Checks the selection, the output paths and TMPDIR, prepares the
environment, probes, then runs each selected trial in its own process.
Prints a progress line and each failure as it happens (stderr), then the
failures with expected vs got, the skip reasons, a table by area and the
totals (stdout).
",
            "\n",
            SELECTION,
            "
RUN OPTIONS:
    --json FILE         write the run report (schema uring-conform/run/1)
    --junit FILE        write JUnit XML (one testsuite per area)
    --ktap              print KTAP version 1 on stdout (the summary goes
                        to stderr)
    --strict            also fail when the kernel is at or past a feature's
                        documented first version but the probe lacks it
                        (catches broken probes; proposals and env excluded)
    --jobs N            parallel trial processes (default: 4 per CPU)
    --kmsg              fail a trial when the kernel logs WARNING/BUG/Oops/
                        lockdep while it runs (needs root; use --jobs 1 to
                        pin a report to one trial)
    --label L           machine label for the report header
    --timeout-scale X   multiply every trial timeout (slow emulated VMs)
    --quiet             no progress line
    --no-expectations   apply no recorded kernel deviation: a trial that
                        fails on a known deviation is a `fail`, and a
                        fixed one a `pass` (for patched kernels)
    --mutate            self-check: run each trial once per comparison it
                        makes, with that comparison's expectation perturbed
                        (a res, a flag bit, a user_data, one CQE more or
                        fewer; a check inverted). A trial that noticed every
                        perturbation is reported `fail`; one that still
                        passed is `pass`, listed at the end. Exits 0 only
                        when no running trial passed.
    --phases            record in the report where each trial's process
                        spent its time: start, prepare, case (ring setup,
                        quiet check); ci/bench-executor.sh prints them
    --executor fork|exec
                        how each trial's process starts: forked from a
                        prepared server per worker (fork, the default) or
                        this binary exec'd (exec); the same isolation
",
        ],
        exit: "\
0 no failures   1 failures
2 usage or harness error (a selection word that matches nothing, an
  output that cannot be written, a TMPDIR that is not writable, too few
  open files to start trials: each named, before the run)
3 io_uring unavailable (sysctl, a seccomp filter on setup, register or
  enter, RLIMIT_MEMLOCK too small: the report still says why)
128+N interrupted by signal N (SIGINT, SIGTERM, SIGHUP): trials
  stopped, the environment undone, the partial report written and
  marked interrupted",
    },
    CommandHelp {
        name: "diff",
        usage: "OLD.json NEW.json",
        about: "what changed between two run reports",
        body: &["\
Compares two run reports trial by trial and prints, each with a count:
the trials newly failing, recorded deviations fixed, new recorded
deviations, newly passing, newly skipped, then trials added and removed.
Warns when the reports come from different suite commits.
"],
        exit: "0 nothing newly fails   1 a trial newly fails\n2 usage error, or a report that cannot be read",
    },
    CommandHelp {
        name: "matrix",
        usage: "[--out DIR] RUN.json...\n    uring-conform matrix --compare A B RUN.json...",
        about: "render the support matrix from run reports",
        body: &[
            "\
Renders the support matrix from run reports (one report is a page for
one machine) into DIR: matrix.html (one self-contained page: capabilities,
areas, features and documentation claims by kernel, with drill-down and a
two-kernel comparison), matrix.md (the compact summary), matrix.csv (tidy
rows) and matrix.json (the dataset for programs, schema
docs/matrix.schema.json), and copies the reports into DIR/runs/, where the
page links each kernel. Names each file on stderr.

With --compare A B, prints instead what kernel B has that A lacks
(capabilities, then features), the reverse, and the capabilities that
deviate or are broken on either, with why; writes nothing. A and B are
column headings (6.1, 6.12.118 + sqe-group v8) or releases.
",
            "
OPTIONS:
    --out DIR           where the files go (default reports/)
    --compare A B       compare two kernels of the reports on stdout
",
        ],
        exit: "0 written (or compared)\n2 usage error, a report that cannot be read, a kernel --compare\n  cannot find, a file that cannot be written",
    },
    CommandHelp {
        name: "features",
        usage: "[--rules]",
        about: "the feature vocabulary, and how each is detected",
        body: &[
            "\
Prints every feature the probe knows: its ID, the kernel version that
documents it first, and its reference.
",
            "
OPTIONS:
    --rules             how the probe detects each feature, as Markdown
                        (docs/detection-rules.md)
",
        ],
        exit: "0 printed   2 usage error",
    },
    CommandHelp {
        name: "findings",
        usage: "[--json | --check-repros DIR]",
        about: "kernel deviations: upstream status, reports to send",
        body: &[
            "\
Lists each finding: its name, what the kernel does, the kernels it was
seen on (the expectations' ranges), the upstream status, the report
(docs/findings/NAME.md) and the reproducer (expectations/repro/*.c: libc
and raw syscalls, one cc line, prints GOOD or BAD, exit 0 or 1).
",
            "
OPTIONS:
    --json              one JSON array: name, title, doc, kernels,
                        upstream, trials (the entries' trial globs),
                        repro (command lines)
    --check-repros DIR  run each reproducer built into DIR (an executable
                        named by its source's stem) on this kernel and say
                        whether its GOOD/BAD agrees with the suite's
                        expectation here (ci/repro-vm.sh does this in a VM)
",
        ],
        exit: "0 listed (or every reproducer agreed)\n1 a reproducer disagreed or did not run   2 usage error",
    },
    CommandHelp {
        name: "claims",
        usage: "[--json] [--list STATUS,...] [--page P] [--uapi]",
        about: "the documented contract and what checks it",
        body: &[
            "\
Every checkable claim of liburing's man pages (io_uring_setup(2),
io_uring_enter(2), io_uring_register(2), io_uring_prep_*(3), at the
liburing commit the inventory records) is an entry of
expectations/claims.toml with one status:

    covered    cases check exactly this claim (they name it in their refs
               as claim:<id>)
    erratum    the page is stale and the kernel's behaviour is intended
               (an entry of expectations/doc-errata.toml)
    deviation  the kernel deviates (an entry of
               expectations/known-failures.toml)
    needs      checking it needs an environment the suite cannot make
               (named exactly)
    open       not checked yet (the reason says what is missing)

Prints the claims per page and per status, then lists the claims of the
statuses asked for (default: open).
",
            "
OPTIONS:
    --json              the inventory, the counts and the uapi list as JSON
    --list S[,S...]     list the claims with these statuses (all: every one)
    --page P            only pages whose name contains P (enter, prep_accept)
    --uapi              also list every name of the uapi header with its
                        probe feature and the cases that use it, or its
                        status and reason
",
        ],
        exit: "0 printed\n2 usage error, or the inventory, the cases and the uapi list\n  disagree (tests/claims.rs fails then too)",
    },
    CommandHelp {
        name: "failed-run",
        usage: "--kernel RELEASE --label L --reason TEXT",
        about: "CI helper: a report for a run that never finished",
        body: &["\
Prints a run report in which every trial is `error` with TEXT, for a VM
that hung or panicked (never a silent gap in the matrix).
"],
        exit: "0 printed   2 usage error (each of the three options is required)",
    },
];

/// What every command shares, after the synopsis in the global help.
const GLOBAL: &str = "
Run 'uring-conform COMMAND --help' (or 'uring-conform help COMMAND') for
a command's options, output and exit status.

EXIT STATUS:
    0 success   1 failures (run), a trial newly failing (diff)
    2 usage or harness error   3 io_uring unavailable (probe, run)
    128+N run interrupted by signal N

ENVIRONMENT (probe, list, run):
    Before probing, a run prepares a directory that takes O_DIRECT
    ($TMPDIR, or as root a loop-mounted ext4) and, as root, a null_blk
    device with a poll queue (modprobe; removed afterwards), and prints
    what it could not. TMPDIR must be writable (it is checked first).
    URING_CONFORM_ENV_SETUP=off prepares nothing, =loop forces the ext4
    image. URING_CONFORM_DISPOSABLE=1 marks a throwaway machine (cases
    that could oops an unfixed kernel run).

Each trial runs in its own process; skips come only from the probe and
name what the kernel or the environment lacks. `uring-conform features`
lists the vocabulary; `--rules` prints how the probe detects each feature
(docs/detection-rules.md). A feature the kernel takes but that does not
behave as documented is broken, not absent: `probe` lists it first, its
trials run, and the trial probe/<id> fails with the evidence.
";

/// Whether `name` is a command (that has a help of its own).
pub fn is_command(name: &str) -> bool {
    COMMANDS.iter().any(|c| c.name == name)
}

/// The help for `command` (one of [`COMMANDS`]), or the global help.
pub fn help(command: Option<&str>) -> String {
    let synopsis = |c: &CommandHelp| format!("    uring-conform {} {}\n", c.name, c.usage);
    match command.and_then(|name| COMMANDS.iter().find(|c| c.name == name)) {
        Some(c) => {
            let exit: String = c.exit.lines().map(|l| format!("    {l}\n")).collect();
            format!("uring-conform {}: {}\n\nUSAGE:\n{}\n{}\nEXIT STATUS:\n{exit}", c.name, c.about, synopsis(c), c.body.concat())
        }
        None => {
            let mut s = String::from("uring-conform: feature probe and conformance suite for Linux io_uring\n\nUSAGE:\n");
            for c in COMMANDS {
                s += &synopsis(c);
            }
            s += "\nCOMMANDS:\n";
            for c in COMMANDS {
                s += &format!("    {:<20}{}\n", c.name, c.about);
            }
            s + GLOBAL
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each command's help is its own: its name and usage line, an exit
    /// status section, and no other command's synopsis; the global help
    /// lists every command.
    #[test]
    fn each_command_has_its_own_help() {
        let global = help(None);
        for c in COMMANDS {
            let h = help(Some(c.name));
            assert!(h.starts_with(&format!("uring-conform {}: ", c.name)), "{h}");
            assert!(h.contains(&format!("    uring-conform {} ", c.name)) && h.contains("\nEXIT STATUS:\n"), "{h}");
            for other in COMMANDS.iter().filter(|o| o.name != c.name) {
                assert!(!h.contains(&format!("uring-conform {} ", other.name)), "{}'s help shows {}'s synopsis", c.name, other.name);
            }
            assert!(global.contains(&format!("    uring-conform {} {}\n", c.name, c.usage)), "{}", c.name);
            assert!(h.lines().all(|l| l.len() <= 80), "{}: a line over 80 columns", c.name);
        }
    }
}
