//! A leaked ring (`std::mem::forget`) never runs the drop that waits for
//! the kernel, yet its `'buf` borrow ends: freeing memory it lent must
//! abort the process (uring::lent), and freeing it after a normal drop
//! must not.
//!
//! Each scenario runs in a child process (this test binary re-executed
//! with URING_LEAK_ROLE naming the scenario, running only `leak_child`),
//! since the abort ends the process and a leaked ring's entries stay in
//! the process-wide registry.

use std::os::fd::AsRawFd;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output};
use uring::{BufRing, IoBuf, IoCell, Mapping, Ring, Sqe};

const ROLE: &str = "URING_LEAK_ROLE";
/// A child's exit code when the kernel lacks what its scenario needs.
const UNSUPPORTED: i32 = 77;

/// Runs scenario `role` in a child; returns its output.
fn run_child(role: &str) -> Output {
    Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "leak_child", "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .output()
        .expect("re-exec the test binary")
}

/// Scenario `role` must die of SIGABRT, its stderr naming the leaked ring,
/// `what` was freed or borrowed, and how (`doing`).
fn assert_aborts(role: &str, what: &str, doing: &str) {
    let out = run_child(role);
    let err = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(UNSUPPORTED) {
        eprintln!("{role}: skipped, the kernel lacks what it needs:\n{err}");
        return;
    }
    assert_eq!(out.status.signal(), Some(libc::SIGABRT), "{role}: want SIGABRT, got {:?}; stderr:\n{err}", out.status);
    assert!(
        err.contains(&format!("uring: {what} ("))
            && err.contains(&format!("is being {doing} while ring #"))
            && err.contains("was leaked")
            && err.contains("still has"),
        "{role}: stderr does not name the reason:\n{err}"
    );
    assert!(!err.contains("reached the end"), "{role}: the child went on after freeing lent memory:\n{err}");
}

/// Scenario `role` must exit 0.
fn assert_exits_cleanly(role: &str) {
    let out = run_child(role);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{role}: want exit 0, got {:?}; stderr:\n{err}", out.status);
    assert!(err.contains("reached the end"), "{role}: the scenario did not run to its end:\n{err}");
}

#[test]
fn freeing_an_io_buf_a_leaked_ring_reads_into_aborts() {
    assert_aborts("read", "an IoBuf", "freed");
}

#[test]
fn freeing_the_allocation_of_a_lent_sub_range_aborts() {
    assert_aborts("read-subrange", "an IoBuf", "freed");
}

#[test]
fn freeing_io_cells_a_leaked_accept_writes_aborts_even_after_a_move() {
    assert_aborts("accept-cells-moved", "an IoCell", "freed");
}

#[test]
fn freeing_a_buffer_pushed_on_a_leaked_buf_ring_aborts() {
    assert_aborts("bufring", "an IoBuf", "freed");
}

#[test]
fn freeing_a_registered_buffer_of_a_leaked_ring_aborts() {
    assert_aborts("registered", "an IoBuf", "freed");
}

#[test]
fn unmapping_a_mapping_a_leaked_ring_reads_into_aborts() {
    assert_aborts("mapping", "a Mapping", "freed");
}

#[test]
fn borrowing_a_mapping_a_leaked_ring_reads_into_exclusively_aborts() {
    assert_aborts("mapping-bytes", "a Mapping", "borrowed exclusively");
}

#[test]
fn freeing_after_the_ring_was_dropped_is_fine() {
    assert_exits_cleanly("control-dropped");
}

#[test]
fn leaking_the_memory_with_the_ring_is_fine() {
    assert_exits_cleanly("control-leaked-together");
}

/// A READ of a pipe nobody writes: in flight until cancelled.
fn pending_read<'b>(ring: &mut Ring<'b>, rx: i32, buf: &'b IoBuf) {
    assert!(ring.push(&Sqe::read(rx, buf, u64::MAX).user_data(1)));
    assert_eq!(ring.submit(), Ok(1));
    assert_eq!(ring.maybe_in_flight(), 1);
}

/// The child's side: the scenario URING_LEAK_ROLE names (nothing when it
/// is not set, as in the parent's own run).
#[test]
fn leak_child() {
    let Ok(role) = std::env::var(ROLE) else { return };
    let (rx, _tx) = rustix::pipe::pipe().unwrap();
    let rx = rx.as_raw_fd();
    match role.as_str() {
        "read" => {
            let buf = IoBuf::new(16);
            let mut ring = Ring::new(4).unwrap();
            pending_read(&mut ring, rx, &buf);
            std::mem::forget(ring);
            drop(buf);
        }
        "read-subrange" => {
            let buf = IoBuf::new(64);
            let mut ring = Ring::new(4).unwrap();
            pending_read(&mut ring, rx, buf.range(16..32));
            std::mem::forget(ring);
            drop(buf);
        }
        "accept-cells-moved" => {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = IoCell::<libc::sockaddr_in>::zeroed();
            let len = IoCell::new(std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t);
            let mut ring = Ring::new(4).unwrap();
            ring.push(&Sqe::accept(l.as_raw_fd(), 0).accept_addr(&addr, &len).user_data(1));
            assert_eq!(ring.submit(), Ok(1));
            std::mem::forget(ring);
            // Moving the cells moves their handles, not the memory the
            // kernel was given.
            let moved = vec![addr];
            drop(moved);
            drop(len);
        }
        "bufring" => {
            let buf = IoBuf::new(32);
            let ring = Ring::new(4).unwrap();
            let mut br = match BufRing::register(&ring, 7, 4, 0) {
                Ok(br) => br,
                Err(e) => {
                    eprintln!("IORING_REGISTER_PBUF_RING: {e}");
                    std::process::exit(UNSUPPORTED);
                }
            };
            br.push(&buf, 0);
            br.publish();
            std::mem::forget(br);
            std::mem::forget(ring);
            drop(buf);
        }
        "registered" => {
            let buf = IoBuf::new(4096);
            let ring = Ring::new(4).unwrap();
            if let Err(e) = ring.register_buffers(&[&buf]) {
                eprintln!("IORING_REGISTER_BUFFERS: {e}");
                std::process::exit(UNSUPPORTED);
            }
            std::mem::forget(ring);
            drop(buf);
        }
        "mapping" => {
            let map = Mapping::anon(4096).unwrap();
            let mut ring = Ring::new(4).unwrap();
            pending_read(&mut ring, rx, map.as_io_buf());
            std::mem::forget(ring);
            drop(map);
        }
        "mapping-bytes" => {
            let mut map = Mapping::anon(4096).unwrap();
            let mut ring = Ring::new(4).unwrap();
            pending_read(&mut ring, rx, map.as_io_buf());
            std::mem::forget(ring);
            map.bytes()[0] = 1;
        }
        "control-dropped" => {
            let buf = IoBuf::new(16);
            let cell = IoCell::new([0i32; 2]);
            {
                let mut ring = Ring::new(4).unwrap();
                pending_read(&mut ring, rx, &buf);
                ring.push(&Sqe::pipe(&cell, 0).user_data(2));
                assert_eq!(ring.submit(), Ok(1));
                // Dropped here: cancels the read and waits for it.
            }
            drop(buf);
            drop(cell);
        }
        "control-leaked-together" => {
            let buf = IoBuf::new(16).leak();
            let mut ring = Ring::new(4).unwrap();
            pending_read(&mut ring, rx, buf);
            std::mem::forget(ring);
            // Unrelated memory is freed as usual.
            drop(IoBuf::new(16));
            drop(IoCell::new(0u64));
        }
        other => panic!("unknown {ROLE} {other}"),
    }
    eprintln!("leak_child {role}: reached the end");
}
