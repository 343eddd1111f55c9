//! Waiting for a descriptor: the ring's own fd (a CQE posted), a pipe, a
//! child's pidfd. poll(2) through rustix.

use std::io;
use std::os::fd::AsFd;
use std::time::Duration;

/// Waits up to `limit` for `fd` to be readable or hung up (poll(2) with
/// POLLIN); returns what poll reported, empty when the time ran out (or a
/// signal came first).
pub fn poll_in(fd: impl AsFd, limit: Duration) -> io::Result<rustix::event::PollFlags> {
    let mut p = [rustix::event::PollFd::new(&fd, rustix::event::PollFlags::IN)];
    let ts = rustix::time::Timespec { tv_sec: limit.as_secs() as i64, tv_nsec: limit.subsec_nanos() as i64 };
    match rustix::event::poll(&mut p, Some(&ts)) {
        Ok(_) | Err(rustix::io::Errno::INTR) => Ok(p[0].revents()),
        Err(e) => Err(e.into()),
    }
}
