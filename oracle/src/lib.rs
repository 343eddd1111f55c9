//! Layer 2 of uring-conform: what a verdict is made of. The closed feature
//! vocabulary ([`features`]) and the probe that reads it from a kernel
//! ([`probe`]); the case model ([`mod@case`]); the checked ring
//! ([`checked`]: a ring plus "nothing else arrived") and the comparisons
//! ([`expect`]); the mutation counter ([`mutation`]); timed checks
//! ([`timing`]); the expectations, errata and findings on record
//! ([`expectations`], [`findings`], [`claims`]); and the one report model
//! ([`model`], [`outcome`]).
//!
//! It depends only on the layer below (`uring`) and on `fixtures`; it knows
//! nothing about processes: running a case in a child and collecting its
//! verdict is the layer above (`exec`).

pub mod case;
pub mod checked;
pub mod claims;
pub mod envlimits;
pub mod envsetup;
pub mod exec_helper;
pub mod expect;
pub mod expectations;
pub mod features;
pub mod findings;
pub mod glob;
pub mod legacy;
pub mod model;
pub mod mutation;
pub mod outcome;
pub mod phases;
pub mod probe;
pub mod timing;

/// The layer below, for cases and the layers above: one path to each
/// ABI item.
pub use uring::{pbuf, ring, sqe, sys};

pub use case::{variants, Case, CaseError, CaseResult, Ctx, Variant};
pub use checked::CheckedRing;
pub use expect::{check_cqes, check_order, cqe, prompt, scaled, Want};
pub use features::Feature;
pub use inventory;
pub use outcome::{Bucket, Mutation, Outcome, SkipCause, SkipKind, Tally, TrialResult};
pub use probe::Probe;
pub use timing::{check_elapsed, Stopwatch};
pub use uring::{BufRing, Cqe, Mapping, Ring, RingBuilder, Sqe};
