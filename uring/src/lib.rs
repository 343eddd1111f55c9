//! Layer 1 of uring-conform: the io_uring ABI ([`sys`]), SQE encodings
//! ([`sqe`]), the ring ([`ring`]), its memory ([`mmap`]) and buffer rings
//! ([`pbuf`]), and the registry of memory lent to the kernel ([`lent`]),
//! which turns a leaked ring's hazard into an abort. Nothing here knows about tests, expectations or verdicts:
//! the layer above (`oracle`) adds the checks, the one above that (`exec`)
//! runs trials. This crate depends on no other crate of the suite.

pub mod buf;
pub mod lent;
pub mod mmap;
pub mod pbuf;
pub mod poll;
pub mod ring;
pub mod sqe;
pub mod sys;

pub use buf::{IoBuf, IoBufBox, IoCell};
pub use mmap::Mapping;
pub use pbuf::BufRing;
pub use poll::poll_in;
pub use ring::{Cqe, Ring, RingBuilder, SetupError};
pub use sqe::Sqe;
