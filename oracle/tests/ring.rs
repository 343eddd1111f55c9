//! Harness self-tests: ring round trips under each setup flag the ring
//! supports, the probe's parsing, and agreement with an independent
//! client (the io-uring crate) on the running kernel.

use oracle::sys::*;
use oracle::{CheckedRing, Probe, RingBuilder, Sqe};
use rstest::rstest;
use std::time::Duration;

#[rstest]
#[case::default(0)]
#[case::sqe128(IORING_SETUP_SQE128)]
#[case::cqe32(IORING_SETUP_CQE32)]
#[case::no_sqarray(IORING_SETUP_NO_SQARRAY)]
#[case::no_mmap(IORING_SETUP_NO_MMAP)]
#[case::defer_taskrun(IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER)]
#[case::sqpoll(IORING_SETUP_SQPOLL)]
#[case::cqe_mixed(IORING_SETUP_CQE_MIXED)]
fn nop_round_trip(#[case] flags: u32) {
    let mut r = CheckedRing::from(RingBuilder::new(8).flags(flags).build().expect("setup"));
    // Wrap the rings several times to exercise the masks.
    for round in 0..5u64 {
        for i in 0..8u64 {
            assert!(r.push(&Sqe::nop().user_data(round * 100 + i)));
        }
        assert!(!r.push(&Sqe::nop()), "SQ of 8 accepted a ninth SQE");
        assert_eq!(r.submit().unwrap(), 8);
        // An SQPOLL thread posts a batch's CQEs before it moves the SQ head
        // past the batch: the next round's pushes need the head caught up.
        r.wait_consumed(8).unwrap();
        let got = r.wait_for(8, Duration::from_secs(5)).unwrap();
        let mut uds: Vec<u64> = got.iter().map(|c| c.user_data).collect();
        uds.sort();
        assert_eq!(uds, (0..8).map(|i| round * 100 + i).collect::<Vec<_>>());
        assert!(got.iter().all(|c| c.res == 0));
        if flags & IORING_SETUP_CQE32 != 0 {
            assert!(got.iter().all(|c| c.big == Some([0, 0])));
        } else {
            assert!(got.iter().all(|c| c.big.is_none()));
        }
    }
}

#[test]
fn registered_ring_fd_round_trip() {
    let mut r = RingBuilder::new(4).build().unwrap();
    r.register_ring_fd().unwrap();
    r.push(&Sqe::nop().user_data(5));
    r.submit().unwrap();
    let got = r.wait_for(1, Duration::from_secs(5)).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].user_data, 5);
}

#[test]
fn probe_json_round_trips() {
    let p = Probe::run_here();
    let json = serde_json::to_string(&p.to_report()).unwrap();
    let back = Probe::from_report(&serde_json::from_str(&json).expect("parse"));
    assert_eq!(back.to_report(), p.to_report());
}

#[test]
fn probe_buffer_parsing() {
    let mut buf = vec![0u8; 16 + 3 * 8];
    buf[1] = 3; // ops_len
    for i in 0..3 {
        buf[16 + i * 8] = i as u8;
    }
    buf[16 + 2] = 1; // op 0 supported
    buf[16 + 2 * 8 + 2] = 1; // op 2 supported
    assert_eq!(oracle::probe::parse_probe_buffer(&buf), vec![true, false, true]);
    // An entry whose op field does not match its index is not trusted.
    buf[16 + 2 * 8] = 9;
    assert_eq!(oracle::probe::parse_probe_buffer(&buf), vec![true, false, false]);
}

/// The io-uring crate is an independent client: our probe, params and a
/// round trip must agree with it on this kernel. It never decides a verdict.
#[test]
fn probe_agrees_with_io_uring_crate() {
    let p = Probe::run_here();
    assert!(p.available(), "io_uring unavailable: {}", p.availability_detail);
    let ring = io_uring::IoUring::new(4).expect("io-uring crate setup");
    let mut probe = io_uring::Probe::new();
    ring.submitter().register_probe(&mut probe).expect("register_probe");
    for f in oracle::features::FEATURES {
        if let oracle::features::Detect::Op(op) = f.detect {
            assert_eq!(p.has(f.feature), probe.is_supported(op), "{} disagrees", f.id);
        }
    }
    let params = p.params.expect("params");
    let theirs = ring.params();
    assert_eq!(params.sq_entries, theirs.sq_entries());
    assert_eq!(params.cq_entries, theirs.cq_entries());
    assert_eq!(p.has(oracle::Feature::FeatExtArg), theirs.is_feature_ext_arg());
    assert_eq!(p.has(oracle::Feature::FeatNodrop), theirs.is_feature_nodrop());
    assert_eq!(p.has(oracle::Feature::FeatCqeSkip), theirs.is_feature_skip_cqe_on_success());
    assert_eq!(p.has(oracle::Feature::FeatLinkedFile), theirs.is_feature_linked_file());
}

#[test]
fn io_uring_crate_sees_our_nop_semantics() {
    use io_uring::{opcode, squeue};
    let mut ring = io_uring::IoUring::new(4).unwrap();
    let e = opcode::Nop::new().build().user_data(7).flags(squeue::Flags::IO_LINK);
    let e2 = opcode::Nop::new().build().user_data(8);
    // SAFETY: NOPs reference no memory.
    unsafe {
        ring.submission().push(&e).unwrap();
        ring.submission().push(&e2).unwrap();
    }
    ring.submit_and_wait(2).unwrap();
    let got: Vec<(u64, i32)> = ring.completion().map(|c| (c.user_data(), c.result())).collect();
    assert_eq!(got, vec![(7, 0), (8, 0)], "the same chain our links/chain-completes-in-order checks");
}

/// A full SQ is the harness's limit: all-or-nothing, and an `Error`, never
/// a kernel `Fail`.
#[test]
fn push_all_is_all_or_nothing_and_not_a_kernel_failure() {
    let mut r = RingBuilder::new(4).build().unwrap();
    let five = [Sqe::nop(); 5];
    let e = r.push_all(&five).unwrap_err();
    assert_eq!(e, oracle::ring::SqFull { wanted: 5, free: 4 });
    assert_eq!(r.sq_pending(), 0, "nothing was pushed");
    assert!(matches!(oracle::CaseError::from(e), oracle::CaseError::Error(_)));
}

/// "Nothing else arrived" is checked once the ring is quiet, not at one
/// instant: a NOP forced into io-wq (IOSQE_ASYNC) completes after the
/// submitting enter returns, and the matcher must still see it as an
/// extra (here through the grace wait: the ring counts it in flight).
#[rstest]
#[case::default(0)]
#[case::defer_taskrun(IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER)]
#[case::sqpoll(IORING_SETUP_SQPOLL)]
fn a_late_extra_cqe_is_caught_by_the_quiet_check(#[case] flags: u32) {
    let mut r = CheckedRing::from(RingBuilder::new(8).flags(flags).build().expect("setup"));
    r.submit_all(&[Sqe::nop().user_data(1), Sqe::nop().async_().user_data(2)]).unwrap();
    // Expect only the inline NOP: the async one must show up as an extra.
    let err = r.expect(&[oracle::cqe(1, 0)]).expect_err("the async NOP's CQE went unnoticed");
    assert!(err.message().contains("user_data: 2"), "{}", err.message());
    // And a correct expectation passes, with nothing left over.
    r.run_expect(&[Sqe::nop().async_().user_data(3)], &[oracle::cqe(3, 0)]).unwrap();
    r.expect_none().unwrap();
}

/// The barrier is not used where it would wait for a request armed on
/// purpose: a pending poll keeps the ring busy, and the check is a bounded
/// grace wait instead (it returns, and the poll stays armed).
#[test]
fn an_armed_request_makes_the_quiet_check_a_grace_wait() {
    let mut fds = [0i32; 2];
    // SAFETY: a pipe for the test.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let mut r = CheckedRing::from(RingBuilder::new(8).build().expect("setup"));
    r.submit_all(&[Sqe::poll_add(fds[0], libc::POLLIN as u32).user_data(1)]).unwrap();
    assert_eq!(r.maybe_in_flight(), 1);
    let t0 = std::time::Instant::now();
    r.expect_none().unwrap();
    assert!(t0.elapsed() < Duration::from_secs(1), "the quiet check waited for the armed poll");
    // SAFETY: writing one byte to our pipe.
    assert_eq!(unsafe { libc::write(fds[1], b"x".as_ptr() as *const _, 1) }, 1);
    r.expect(&[oracle::cqe(1, libc::POLLIN as i32)]).unwrap();
    assert_eq!(r.maybe_in_flight(), 0);
    // SAFETY: closing our pipe.
    unsafe {
        libc::close(fds[0]);
        libc::close(fds[1])
    };
}

/// docs/detection-rules.md is what `uring-conform features --rules`
/// prints (URING_CONFORM_UPDATE_DOCS=1 rewrites it).
#[test]
fn detection_rules_doc_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/detection-rules.md");
    let want = oracle::probe::rules_markdown();
    if std::env::var_os("URING_CONFORM_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(have == want, "docs/detection-rules.md is stale: run URING_CONFORM_UPDATE_DOCS=1 cargo test -p uring-conform-oracle --test ring detection_rules");
}
