//! uring-conform's harness: the io_uring ABI ([`sys`]), SQE encodings
//! ([`sqe`]), a ring ([`ring`]),
//! the probe and feature vocabulary ([`probe`], [`features`]), the case
//! model ([`case`], [`expect`]), the isolated runner ([`runner`]) and the
//! report ([`report`]).

pub mod case;
pub mod claims;
pub mod envlimits;
pub mod envsetup;
pub mod exec;
pub mod exec_helper;
pub mod expect;
pub mod expectations;
pub mod features;
pub mod findings;
pub mod formats;
pub mod glob;
pub mod interrupt;
pub mod kmsg;
pub mod mutation;
pub mod outcome;
pub mod pbuf;
pub mod probe;
pub mod report;
pub mod ring;
pub mod runner;
pub mod session;
pub mod sqe;
pub mod sys;
pub mod timing;

pub use case::{variants, Case, CaseError, CaseResult, Ctx, Variant};
pub use expect::{check_cqes, check_order, cqe, prompt, scaled, Want};
pub use features::Feature;
pub use inventory;
pub use outcome::{Bucket, Mutation, Outcome, TrialResult};
pub use pbuf::BufRing;
pub use probe::Probe;
pub use ring::{Cqe, Ring, RingBuilder};
pub use sqe::Sqe;
pub use timing::{check_elapsed, Stopwatch};
