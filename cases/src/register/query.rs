//! IORING_REGISTER_QUERY (io_uring/query.c, 6.18): what the kernel says
//! it knows, checked against what it declares elsewhere (IORING_REGISTER_PROBE,
//! io_uring_params.features, the probe's findings of every setup, enter
//! and SQE flag and register opcode) and against what it refuses.

use super::*;
use oracle::features::{Detect, FEATURES};
use oracle::probe::Finding;

/// A query entry for `op` whose answer goes to `data` (`size` bytes).
fn hdr<T>(op: u32, data: &mut T) -> io_uring_query_hdr {
    io_uring_query_hdr { query_op: op, query_data: data as *mut T as u64, size: std::mem::size_of::<T>() as u32, ..Default::default() }
}

/// IORING_REGISTER_QUERY without a ring (fd -1, nr_args 0) over the chain
/// starting at `first`; the kernel writes each header and its data.
fn query_blind(first: &mut io_uring_query_hdr) -> Result<i32, Errno> {
    // SAFETY: `first` and every entry and data buffer its chain points to
    // are live, writable and of the sizes the headers give.
    unsafe { io_uring_register(-1, IORING_REGISTER_QUERY, first as *mut io_uring_query_hdr as *mut libc::c_void, 0) }
}

/// IO_URING_QUERY_OPCODES, checked to have answered in full.
fn query_opcodes() -> Result<io_uring_query_opcode, CaseError> {
    let mut data = io_uring_query_opcode::default();
    let mut h = hdr(IO_URING_QUERY_OPCODES, &mut data);
    check_eq!(query_blind(&mut h), Ok(0), "IORING_REGISTER_QUERY(-1, OPCODES)");
    check_eq!(h.result, 0, "OPCODES entry result");
    check_eq!(h.size as usize, std::mem::size_of::<io_uring_query_opcode>(), "OPCODES entry size (bytes written)");
    Ok(data)
}

/// Whether what QUERY reports for `f` agrees with the probe's finding; an
/// undetermined finding (the environment's) is left out.
fn agrees(f: &oracle::features::FeatureInfo, finding: &Finding, reported: bool) -> Option<String> {
    let present = match finding {
        Finding::Present | Finding::Broken(_) => true,
        Finding::Absent(_) => false,
        Finding::Undetermined(_) => return None,
    };
    (present != reported).then(|| format!("{} is {} by the probe but {} by QUERY", f.id, finding.word(), if reported { "reported" } else { "not reported" }))
}

case! {
    id: "register/query-opcodes-agree-with-probe",
    summary: "QUERY OPCODES (fd -1) reports IORING_REGISTER_PROBE's last_op + 1 request opcodes, the ring's params.features, and exactly the setup, enter and SQE flags and register opcodes the probe finds the kernel taking",
    requires: [RegQuery, RegProbe],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_register(2): IORING_REGISTER_QUERY, IO_URING_QUERY_OPCODES (fd may be -1, nr_args 0)",
        "io_uring_register_query(3)",
        "io_uring/query.c io_query_ops: IORING_OP_LAST, IORING_REGISTER_LAST, IORING_FEAT_FLAGS, IORING_SETUP_FLAGS, IORING_ENTER_FLAGS, SQE_VALID_FLAGS",
        "docs/detection-rules.md (how the probe finds each flag)",
        "claim:register.op.query",
        "claim:register.op.query.since",
    ],
    run: |cx| {
        let q = query_opcodes()?;
        let r = cx.ring()?;
        let (h, _) = probe(&r)?;
        check_eq!(q.nr_request_opcodes, h.last_op as u32 + 1, "nr_request_opcodes against REGISTER_PROBE's last_op + 1");
        check_eq!(q.feature_flags, r.features() as u64, "feature_flags against params.features of a new ring");
        check!(q.nr_query_opcodes >= 1, "nr_query_opcodes {} (OPCODES itself answered)", q.nr_query_opcodes);
        let mut disagree = Vec::new();
        for f in FEATURES {
            let finding = cx.probe.finding(f.feature);
            let reported = match f.detect {
                Detect::Setup(flag) => q.ring_setup_flags & flag as u64 != 0,
                Detect::Enter(flag) => q.enter_flags & flag as u64 != 0,
                Detect::Sqe(flag) => q.sqe_flags & flag as u64 != 0,
                Detect::Register(op) => op < q.nr_register_opcodes,
                // Listed opcodes may be unsupported (a config option), so
                // only "present means counted" holds.
                Detect::Op(op) => {
                    if finding.runs() && op as u32 >= q.nr_request_opcodes {
                        disagree.push(format!("{} is listed by IORING_REGISTER_PROBE but past nr_request_opcodes {}", f.id, q.nr_request_opcodes));
                    }
                    continue;
                }
                _ => continue,
            };
            disagree.extend(agrees(f, finding, reported));
        }
        check!(disagree.is_empty(), "QUERY disagrees with the probe: {} (query: {q:?})", disagree.join("; "));
        Ok(())
    },
}

case! {
    id: "register/query-refuses-what-it-does-not-report",
    summary: "what QUERY OPCODES leaves out is refused: the lowest setup flag and enter flag outside its masks with EINVAL, register opcode nr_register_opcodes with EINVAL, request opcode nr_request_opcodes and an IOSQE bit outside sqe_flags with a -EINVAL CQE",
    requires: [RegQuery, OpNop],
    variants: variants::DEFAULT,
    refs: [
        "io_uring/io_uring.c io_uring_sanitise_params (flags & ~IORING_SETUP_FLAGS), io_uring_enter (flags & ~IORING_ENTER_FLAGS), io_init_req (SQE_VALID_FLAGS, opcode >= IORING_OP_LAST)",
        "io_uring/register.c __io_uring_register: opcode >= IORING_REGISTER_LAST -> -EINVAL",
        "claim:register.op.query",
    ],
    run: |cx| {
        let q = query_opcodes()?;
        let lowest_clear = |mask: u64, bits: u32| (0..bits).find(|b| mask & (1u64 << b) == 0);
        let setup_bit = lowest_clear(q.ring_setup_flags, 32);
        check!(setup_bit.is_some(), "ring_setup_flags {:#x} reports every setup bit", q.ring_setup_flags);
        let flag = 1u32 << setup_bit.unwrap_or(31);
        let mut p = io_uring_params { flags: flag, ..Default::default() };
        // SAFETY: no IORING_SETUP_NO_MMAP: no user memory is handed to the kernel.
        let got = unsafe { io_uring_setup(4, &mut p) };
        if let Ok(fd) = got {
            // Stays libc: io_uring_setup hands out a raw fd.
            // SAFETY: the fd the kernel just returned.
            unsafe { libc::close(fd) };
        }
        check_errno!(got, libc::EINVAL, "io_uring_setup with setup flag {flag:#x}, outside ring_setup_flags {:#x}", q.ring_setup_flags);

        let mut r = cx.ring()?;
        let enter_bit = lowest_clear(q.enter_flags, 32);
        check!(enter_bit.is_some(), "enter_flags {:#x} reports every enter bit", q.enter_flags);
        let eflag = 1u32 << enter_bit.unwrap_or(31);
        check_errno!(r.enter_flags(0, 0, eflag), libc::EINVAL, "io_uring_enter with flag {eflag:#x}, outside enter_flags {:#x}", q.enter_flags);
        check_errno!(register_none(&r, q.nr_register_opcodes, 0), libc::EINVAL, "io_uring_register opcode {} (nr_register_opcodes)", q.nr_register_opcodes);

        let op = q.nr_request_opcodes;
        check!(op < 256, "nr_request_opcodes {op} leaves no opcode to try");
        // One at a time: without SUBMIT_ALL a failing SQE ends the batch.
        r.run_expect(&[Sqe::op(op as u8).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        if let Some(bit) = lowest_clear(q.sqe_flags, 8) {
            let mut s = Sqe::nop().user_data(2);
            // SAFETY: a non-address field (flags here), set to what the case asks the kernel about.
            unsafe { s.raw_mut().flags = 1 << bit };
            r.run_expect(&[s], &[cqe(2, -libc::EINVAL)])?;
        }
        Ok(())
    },
}

case! {
    id: "register/query-chain-unknown-op-and-reserved",
    summary: "a QUERY chain of three entries is answered entry by entry with the call returning 0: OPCODES gives result 0, query op nr_query_opcodes gives -EOPNOTSUPP with size 0, and an entry with a reserved word set gives -EINVAL with size 0",
    requires: [RegQuery],
    variants: variants::DEFAULT,
    refs: [
        "io_uring_register(2): IORING_REGISTER_QUERY: entries chained by next_entry; result 0 or a negative error per entry; __resv must be zero",
        "io_uring/query.c io_handle_query_entry: query_op >= __IO_URING_QUERY_MAX -> -EOPNOTSUPP; __resv, result or size 0 -> -EINVAL; size written back",
        "claim:register.op.query",
    ],
    run: |_| {
        let nr = query_opcodes()?.nr_query_opcodes;
        let (mut d1, mut d2, mut d3) = (io_uring_query_opcode::default(), io_uring_query_opcode::default(), io_uring_query_opcode::default());
        let mut h3 = hdr(IO_URING_QUERY_OPCODES, &mut d3);
        // Deliberately malformed: a reserved word set.
        h3.resv[1] = 1;
        let mut h2 = hdr(nr, &mut d2);
        h2.next_entry = &mut h3 as *mut _ as u64;
        let mut h1 = hdr(IO_URING_QUERY_OPCODES, &mut d1);
        h1.next_entry = &mut h2 as *mut _ as u64;
        check_eq!(query_blind(&mut h1), Ok(0), "IORING_REGISTER_QUERY of the chain");
        check_eq!((h1.result, h1.size as usize), (0, std::mem::size_of::<io_uring_query_opcode>()), "entry 1 (OPCODES): result, size");
        check_eq!((h2.result, h2.size), (-libc::EOPNOTSUPP, 0), "entry 2 (query op {nr}, one past the last): result, size");
        check_eq!((h3.result, h3.size), (-libc::EINVAL, 0), "entry 3 (reserved word set): result, size");
        check!(d1.nr_request_opcodes > 0, "entry 1's data was not written: {d1:?}");
        Ok(())
    },
}
