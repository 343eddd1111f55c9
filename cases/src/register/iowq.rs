//! io-wq tuning: IORING_REGISTER_IOWQ_MAX_WORKERS and IOWQ_AFF.

use super::*;

// ------------------------------------------------------------ io-wq

case! {
    id: "register/iowq-max-workers-set-and-get",
    summary: "IOWQ_MAX_WORKERS returns the previous limits and [0, 0] reads the current ones back",
    requires: [RegIowqMaxWorkers, SqeAsync],
    variants: &[Variant::Default, Variant::Sqpoll],
    refs: ["io_uring_register_iowq_max_workers(3): returns the old values; 0 leaves a value unchanged", "claim:register.op.iowq-max-workers"],
    run: |cx| {
        let mut r = cx.ring()?;
        // An async NOP makes sure this task's io-wq exists.
        r.run_expect(&[Sqe::nop().async_().user_data(1)], &[cqe(1, 0)])?;
        let mut v = [0u32; 2];
        register_out(&r, IORING_REGISTER_IOWQ_MAX_WORKERS, v.as_mut_slice(), 2)?;
        let before = v;
        check!(before[0] > 0 && before[1] > 0, "current limits {before:?}");
        let mut set = [2u32, 3];
        register_out(&r, IORING_REGISTER_IOWQ_MAX_WORKERS, set.as_mut_slice(), 2)?;
        check_eq!(set, before, "values returned by the set (the old limits)");
        let mut get = [0u32; 2];
        register_out(&r, IORING_REGISTER_IOWQ_MAX_WORKERS, get.as_mut_slice(), 2)?;
        check_eq!(get, [2, 3], "limits read back");
        Ok(())
    },
}

case! {
    id: "register/iowq-max-workers-bad-count-einval",
    summary: "IOWQ_MAX_WORKERS with nr_args other than 2 fails with EINVAL",
    requires: [RegIowqMaxWorkers],
    variants: variants::DEFAULT,
    refs: ["io_uring/register.c: IORING_REGISTER_IOWQ_MAX_WORKERS needs nr_args == 2", "claim:register.op.iowq-max-workers"],
    run: |cx| {
        let r = cx.ring()?;
        let mut v = [0u32; 3];
        check_errno!(register_out(&r, IORING_REGISTER_IOWQ_MAX_WORKERS, v.as_mut_slice(), 3), libc::EINVAL, "nr_args 3");
        Ok(())
    },
}

case! {
    id: "register/iowq-aff-pins-workers",
    summary: "IOWQ_AFF to CPU 0 pins the ring's io-wq workers to CPU 0",
    requires: [RegIowqAff, SqeAsync, EnvMultiCpu],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_iowq_aff(3)", "claim:register.op.iowq-aff"],
    run: |cx| {
        let mut r = cx.ring()?;
        let mask: u64 = 1;
        register_in(&r, IORING_REGISTER_IOWQ_AFF, &mask, 8)?;
        r.run_expect(&[Sqe::nop().async_().user_data(1)], &[cqe(1, 0)])?;
        let workers = fixtures::threads_named("iou-wrk")?;
        check!(!workers.is_empty(), "no iou-wrk thread after an async NOP");
        // One comparison over all workers: io-wq starts one or more, and a
        // per-worker check would make the number of comparisons vary from
        // run to run (the mutation mode counts them).
        let mut unpinned = Vec::new();
        for (tid, _) in workers {
            let cpus = fixtures::thread_status(tid, "Cpus_allowed_list")?;
            if cpus.trim() != "0" {
                unpinned.push(format!("{tid}: {}", cpus.trim()));
            }
        }
        check_eq!(unpinned, Vec::<String>::new(), "iou-wrk threads whose Cpus_allowed_list is not 0");
        Ok(())
    },
}

case! {
    id: "register/iowq-aff-empty-einval",
    summary: "IOWQ_AFF with a zero-length mask fails with EINVAL",
    requires: [RegIowqAff],
    variants: variants::DEFAULT,
    refs: ["io_uring/register.c: IORING_REGISTER_IOWQ_AFF with !arg or !nr_args -> -EINVAL", "claim:register.op.iowq-aff"],
    run: |cx| {
        let r = cx.ring()?;
        let mask: u64 = 1;
        check_errno!(register_in(&r, IORING_REGISTER_IOWQ_AFF, &mask, 0), libc::EINVAL, "IOWQ_AFF with length 0");
        Ok(())
    },
}
