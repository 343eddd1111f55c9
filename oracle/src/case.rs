//! The case model: a case is a function plus data (ID, summary,
//! requirements, ring variants, timeout, serial, references). Cases
//! register themselves with [`case!`](macro@crate::case); nobody keeps a list.
//! A trial is a case on one ring variant; its ID is `area/name[variant]`.

use crate::checked::CheckedRing;
use crate::features::Feature;
use crate::probe::Probe;
use crate::ring::RingBuilder;
use crate::sys::*;

/// Why a case did not pass. A kernel that misbehaves is a `Fail`; a
/// fixture or the harness breaking (no kernel verdict possible) is an
/// `Error`. Neither is ever turned into a skip inside a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseError {
    Fail(String),
    Error(String),
    /// A timed window the machine disturbed (the trial's threads waited
    /// on a run queue longer than the check's margin): no verdict; the
    /// runner runs the trial again ([`crate::timing`]).
    Disturbed(String),
    /// A timer that fired later than its check allows while the window
    /// looked undisturbed. A stall the trial cannot see (a VM's vCPU
    /// descheduled by its host) reads the same as a slow kernel, so the
    /// runner starts the trial again, alone, like a disturbed one; late on
    /// every start is a `fail` ([`crate::timing::check_elapsed`]).
    Late(String),
}

pub type CaseResult = Result<(), CaseError>;

impl std::fmt::Display for CaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaseError::Fail(m) => write!(f, "fail: {m}"),
            CaseError::Error(m) => write!(f, "error: {m}"),
            CaseError::Disturbed(m) => write!(f, "disturbed: {m}"),
            CaseError::Late(m) => write!(f, "late: {m}"),
        }
    }
}

impl std::error::Error for CaseError {}

impl CaseError {
    pub fn message(&self) -> &str {
        match self {
            CaseError::Fail(m) | CaseError::Error(m) | CaseError::Disturbed(m) | CaseError::Late(m) => m,
        }
    }
}

/// An errno from a syscall a case made on io_uring is the kernel's answer:
/// unexpected, it fails the case.
impl From<Errno> for CaseError {
    fn from(e: Errno) -> Self {
        CaseError::Fail(format!("unexpected {e} from the kernel"))
    }
}

impl From<uring::SetupError> for CaseError {
    fn from(e: uring::SetupError) -> Self {
        CaseError::Fail(format!("unexpected {e} from the kernel"))
    }
}

/// A full SQ is the case's own sizing mistake: no verdict on the kernel.
impl From<crate::ring::SqFull> for CaseError {
    fn from(e: crate::ring::SqFull) -> Self {
        CaseError::Error(format!("harness: {e}"))
    }
}

/// An I/O error comes from a fixture (files, pipes, sockets): the harness
/// could not set the case up.
impl From<std::io::Error> for CaseError {
    fn from(e: std::io::Error) -> Self {
        CaseError::Error(format!("fixture: {e}"))
    }
}

/// Returns a `Fail` with a formatted message.
#[macro_export]
macro_rules! fail {
    ($($t:tt)*) => { return Err($crate::case::CaseError::Fail(format!($($t)*))) };
}

/// Fails unless `cond` holds. Printed with file, line and the condition;
/// the message is optional. Goes through the mutation mode
/// ([`crate::mutation`]) like every comparison.
#[macro_export]
macro_rules! check {
    ($cond:expr $(,)?) => { $crate::check!($cond, "check failed") };
    ($cond:expr, $($t:tt)*) => {
        if !$crate::mutation::verdict($cond) {
            $crate::fail!("{} ({}:{}: `{}`)", format!($($t)*), file!(), line!(), stringify!($cond));
        }
    };
}

/// Fails unless `got == want`, printing both.
#[macro_export]
macro_rules! check_eq {
    ($got:expr, $want:expr $(,)?) => { $crate::check_eq!($got, $want, "values differ") };
    ($got:expr, $want:expr, $($t:tt)*) => {{
        let (g, w) = (&$got, &$want);
        if !$crate::mutation::verdict(g == w) {
            $crate::fail!("{}: expected {:?}, got {:?} ({}:{}: `{}`)", format!($($t)*), w, g, file!(), line!(), stringify!($got));
        }
    }};
}

/// Fails unless a syscall result is exactly `Err(errno)`, printing what
/// came instead with file, line and the call; the message is optional.
#[macro_export]
macro_rules! check_errno {
    ($res:expr, $errno:expr $(,)?) => { $crate::check_errno!($res, $errno, "wrong result") };
    ($res:expr, $errno:expr, $($t:tt)*) => {{
        let r = $res;
        let ok = matches!(&r, Err(e) if *e == $crate::sys::Errno($errno));
        if !$crate::mutation::verdict(ok) {
            let (name, at, call) = ($crate::sys::errno_name($errno), format!("{}:{}", file!(), line!()), stringify!($res));
            match r {
                Err(e) => $crate::fail!("{}: expected {name}, got {e} ({at}: `{call}`)", format!($($t)*)),
                Ok(v) => $crate::fail!("{}: expected {name}, got success ({v:?}) ({at}: `{call}`)", format!($($t)*)),
            }
        }
    }};
}

/// Declares [`Variant`], its one list [`Variant::EVERY`] and each
/// variant's name together, so that no variant can be left out of either.
macro_rules! declare_variants {
    ($($v:ident => $name:literal,)*) => {
        /// A ring configuration a behaviour must hold under.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Variant {
            $($v,)*
        }

        impl Variant {
            /// Every variant, in declaration order: the one list.
            pub const EVERY: &'static [Variant] = &[$(Variant::$v,)*];

            /// The name trial IDs carry (`area/name[sqpoll]`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Variant::$v => $name,)*
                }
            }
        }
    };
}

declare_variants! {
    Default => "default",
    Sqe128 => "sqe128",
    Cqe32 => "cqe32",
    DeferTaskrun => "defer_taskrun",
    Sqpoll => "sqpoll",
    NoSqarray => "no_sqarray",
    CoopTaskrun => "coop_taskrun",
    NoMmap => "no_mmap",
    RegisteredRing => "registered_ring",
}

impl Variant {
    pub fn from_name(s: &str) -> Option<Variant> {
        Variant::EVERY.iter().copied().find(|v| v.name() == s)
    }

    /// Setup flags the variant adds to every ring a case builds.
    pub fn setup_flags(self) -> u32 {
        match self {
            Variant::Default | Variant::RegisteredRing => 0,
            Variant::Sqe128 => IORING_SETUP_SQE128,
            Variant::Cqe32 => IORING_SETUP_CQE32,
            Variant::DeferTaskrun => IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER,
            Variant::Sqpoll => IORING_SETUP_SQPOLL,
            Variant::NoSqarray => IORING_SETUP_NO_SQARRAY,
            Variant::CoopTaskrun => IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
            Variant::NoMmap => IORING_SETUP_NO_MMAP,
        }
    }

    /// Features the variant needs; a kernel without them skips the trial
    /// naming them.
    pub fn requires(self) -> &'static [Feature] {
        use Feature::*;
        match self {
            Variant::Default => &[],
            Variant::Sqe128 => &[SetupSqe128],
            Variant::Cqe32 => &[SetupCqe32],
            Variant::DeferTaskrun => &[SetupDeferTaskrun, SetupSingleIssuer],
            Variant::Sqpoll => &[SetupSqpoll],
            Variant::NoSqarray => &[SetupNoSqarray],
            Variant::CoopTaskrun => &[SetupCoopTaskrun, SetupTaskrunFlag],
            Variant::NoMmap => &[SetupNoMmap],
            Variant::RegisteredRing => &[EnterRegisteredRing, RegRingFds],
        }
    }
}

/// Variant sets cases pick from.
pub mod variants {
    use super::Variant::{self, *};
    /// Only the default ring: for cases whose subject is setup itself.
    pub const DEFAULT: &[Variant] = &[Default];
    /// Every ring configuration a request-level behaviour must hold under
    /// (the one list, [`Variant::EVERY`]).
    pub const ALL: &[Variant] = Variant::EVERY;
    /// The configurations that change how completions are delivered.
    pub const DELIVERY: &[Variant] = &[Default, DeferTaskrun, Sqpoll, CoopTaskrun];
    /// The configurations that change the rings' memory layout.
    pub const LAYOUT: &[Variant] = &[Default, Sqe128, Cqe32, NoSqarray, NoMmap, RegisteredRing];
}

/// A registered case.
pub struct Case {
    /// `area/name`, stable: never renumbered or reused.
    pub id: &'static str,
    /// One line: the behaviour checked.
    pub summary: &'static str,
    pub requires: &'static [Feature],
    pub variants: &'static [Variant],
    pub timeout_ms: u64,
    /// Touches process-wide or machine-wide state: runs alone.
    pub serial: bool,
    /// Man page sections and kernel commits the case checks.
    pub refs: &'static [&'static str],
    pub run: fn(&mut Ctx) -> CaseResult,
}

impl Case {
    pub fn area(&self) -> &'static str {
        self.id.split('/').next().unwrap_or(self.id)
    }
    pub fn trial_id(&self, v: Variant) -> String {
        format!("{}[{}]", self.id, v.name())
    }
}

inventory::collect!(Case);

/// Every registered case, sorted by ID.
pub fn all_cases() -> Vec<&'static Case> {
    let mut v: Vec<&'static Case> = inventory::iter::<Case>.into_iter().collect();
    v.sort_by_key(|c| c.id);
    v
}

/// Declares a case. Requirements are [`Feature`] variants, so an unknown
/// feature does not compile.
///
/// ```ignore
/// case! {
///     id: "links/error-cancels-rest",
///     summary: "a failed member completes the rest of the chain with -ECANCELED",
///     requires: [OpNop, SqeIoLink],
///     variants: variants::ALL,
///     refs: ["io_uring_enter(2): IOSQE_IO_LINK"],
///     run: |cx| { ... },
/// }
/// ```
#[macro_export]
macro_rules! case {
    (
        id: $id:literal,
        summary: $summary:literal,
        requires: [$($req:ident),* $(,)?],
        variants: $variants:expr,
        refs: [$($r:literal),* $(,)?],
        $(timeout_ms: $timeout:expr,)?
        $(serial: $serial:expr,)?
        run: $run:expr $(,)?
    ) => {
        $crate::inventory::submit! {
            $crate::case::Case {
                id: $id,
                summary: $summary,
                requires: &[$($crate::features::Feature::$req),*],
                variants: $variants,
                timeout_ms: { let _t = 10_000u64; $(let _t = $timeout;)? _t },
                serial: { let _s = false; $(let _s = $serial;)? _s },
                refs: &[$($r),*],
                run: $run,
            }
        }
    };
}

/// What a running case gets: its variant and the run's probe.
pub struct Ctx<'a> {
    pub variant: Variant,
    pub probe: &'a Probe,
}

impl Ctx<'_> {
    pub fn has(&self, f: Feature) -> bool {
        self.probe.has(f)
    }

    /// A builder with the variant's setup flags (SQPOLL idle 1 s, so the
    /// poller stays awake through a case).
    pub fn builder(&self, entries: u32) -> RingBuilder {
        let mut b = RingBuilder::new(entries).flags(self.variant.setup_flags());
        if self.variant == Variant::Sqpoll {
            b.params.sq_thread_idle = 1000;
        }
        b
    }

    /// Builds a ring from a builder and applies the variant's post-setup
    /// step (registering the ring fd). The probe said the variant's
    /// features exist, so a setup error here fails the case.
    pub fn build<'buf>(&self, b: RingBuilder) -> Result<CheckedRing<'buf>, CaseError> {
        let flags = b.params.flags;
        let t0 = crate::phases::now_ns();
        let built = b.build();
        crate::phases::add_ring_setup(t0);
        let mut ring = built.map_err(|e| {
            // ENOMEM under a locked-memory limit is the environment's
            // (envlimits), not a kernel verdict.
            if let Some(limit) = e.errno().and_then(crate::envlimits::memlock_limit_applies) {
                return CaseError::Error(format!(
                    "environment: io_uring_setup for variant {} (flags {flags:#x}): ENOMEM under {limit} (not a kernel verdict)",
                    self.variant.name()
                ));
            }
            CaseError::Fail(format!("io_uring_setup for variant {} (flags {flags:#x}): {e}", self.variant.name()))
        })?;
        if self.variant == Variant::RegisteredRing {
            ring.register_ring_fd().map_err(|e| CaseError::Fail(format!("IORING_REGISTER_RING_FDS: {e}")))?;
        }
        Ok(ring.into())
    }

    /// The variant's ring with 32 SQEs.
    pub fn ring<'buf>(&self) -> Result<CheckedRing<'buf>, CaseError> {
        self.build(self.builder(32))
    }

    /// The variant's ring with `entries` SQEs.
    pub fn ring_sized<'buf>(&self, entries: u32) -> Result<CheckedRing<'buf>, CaseError> {
        self.build(self.builder(entries))
    }
}
