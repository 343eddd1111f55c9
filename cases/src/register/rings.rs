//! Registrations about the rings themselves: RESIZE_RINGS, NAPI, CLOCK, registered wait regions.

use super::*;

// ------------------------------------------------------------ resize

case! {
    id: "register/resize-rings-keeps-pending-cqes",
    summary: "RESIZE_RINGS of a DEFER_TASKRUN ring to 16/64 entries returns the new params; the new CQ ring holds the CQE pending before",
    requires: [RegResizeRings, SetupDeferTaskrun, SetupSingleIssuer, SetupCqsize],
    variants: variants::DEFAULT,
    refs: ["io_uring_resize_rings(3): pending CQEs and SQEs are copied to the new rings", "io_uring/register.c io_register_resize_rings", "claim:register.op.resize-rings"],
    run: |cx| {
        let mut r = cx.build(cx.builder(4).flags(IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER))?;
        r.submit_all(&[Sqe::nop().user_data(0x42)])?;
        // Run the deferred completion without reaping it.
        r.enter_flags(0, 1, IORING_ENTER_GETEVENTS)?;
        check_eq!(r.cq_ready(), 1, "CQEs pending before the resize");
        let mut p = io_uring_params { sq_entries: 16, cq_entries: 64, flags: IORING_SETUP_CQSIZE, ..Default::default() };
        check_eq!(register_out(&r, IORING_REGISTER_RESIZE_RINGS, &mut p, 1)?, 0, "RESIZE_RINGS");
        check_eq!((p.sq_entries, p.cq_entries), (16, 64), "entries in the returned params");
        let v = ring_view(r.fd(), &p)?;
        check_eq!(v.read_u32(p.sq_off.ring_entries as usize), 16, "sq ring_entries in the new rings");
        check_eq!(v.read_u32(p.cq_off.ring_entries as usize), 64, "cq ring_entries in the new rings");
        let (head, tail) = (v.read_u32(p.cq_off.head as usize), v.read_u32(p.cq_off.tail as usize));
        check_eq!(tail.wrapping_sub(head), 1, "CQEs in the new CQ ring");
        let slot = (head & v.read_u32(p.cq_off.ring_mask as usize)) as usize;
        check_eq!(v.read_u64(p.cq_off.cqes as usize + slot * 16), 0x42, "user_data of the carried CQE");
        Ok(())
    },
}

case! {
    id: "register/resize-rings-needs-defer-taskrun-einval",
    summary: "RESIZE_RINGS of a ring without DEFER_TASKRUN fails with EINVAL",
    requires: [RegResizeRings],
    variants: variants::DEFAULT,
    refs: ["io_uring/register.c io_register_resize_rings: limited to DEFER_TASKRUN -> -EINVAL", "claim:register.op.resize-rings"],
    run: |cx| {
        let r = cx.ring()?;
        let mut p = io_uring_params { sq_entries: 64, cq_entries: 128, flags: IORING_SETUP_CQSIZE, ..Default::default() };
        check_errno!(register_out(&r, IORING_REGISTER_RESIZE_RINGS, &mut p, 1), libc::EINVAL, "RESIZE_RINGS");
        Ok(())
    },
}

// ------------------------------------------------------------ napi, clock

case! {
    id: "register/napi-register-then-unregister-returns-settings",
    summary: "REGISTER_NAPI takes a busy-poll timeout; UNREGISTER_NAPI returns the settings in force",
    requires: [RegNapi, RegUnregisterNapi],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_napi(3), io_uring_unregister_napi(3)", "io_uring/napi.c io_unregister_napi: copies the current settings back", "claim:register.errors.EINVAL-napi-without-iopoll", "claim:register.op.napi"],
    run: |cx| {
        let r = cx.ring()?;
        let mut n = io_uring_napi { busy_poll_to: 100, prefer_busy_poll: 1, ..Default::default() };
        check_eq!(register_out(&r, IORING_REGISTER_NAPI, &mut n, 1)?, 0, "REGISTER_NAPI");
        let mut out = io_uring_napi::default();
        check_eq!(register_out(&r, IORING_UNREGISTER_NAPI, &mut out, 1)?, 0, "UNREGISTER_NAPI");
        check_eq!((out.busy_poll_to, out.prefer_busy_poll), (100, 1), "settings returned by UNREGISTER_NAPI");
        Ok(())
    },
}

case! {
    id: "register/napi-reserved-einval",
    summary: "REGISTER_NAPI with a reserved field set fails with EINVAL",
    requires: [RegNapi],
    variants: variants::DEFAULT,
    refs: ["io_uring/napi.c io_register_napi: pad/resv must be zero -> -EINVAL", "claim:register.op.napi"],
    run: |cx| {
        let r = cx.ring()?;
        // The last u32 (resv in every layout since 6.9; op_param sits before it from 6.13).
        let mut n = io_uring_napi { busy_poll_to: 100, resv: 1 << 32, ..Default::default() };
        check_errno!(register_out(&r, IORING_REGISTER_NAPI, &mut n, 1), libc::EINVAL, "REGISTER_NAPI");
        Ok(())
    },
}

case! {
    id: "register/clock-boottime-accepted",
    summary: "REGISTER_CLOCK with CLOCK_BOOTTIME succeeds, and a wait timeout then still fires",
    requires: [RegClock, FeatExtArg],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_clock(3): CLOCK_MONOTONIC or CLOCK_BOOTTIME for wait timeouts", "claim:register.op.clock"],
    run: |cx| {
        let r = cx.ring()?;
        let c = io_uring_clock_register { clockid: libc::CLOCK_BOOTTIME as u32, ..Default::default() };
        check_eq!(register_in(&r, IORING_REGISTER_CLOCK, &c, 0)?, 0, "REGISTER_CLOCK");
        let ts = ms(100);
        let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
        let t0 = Stopwatch::start();
        check_errno!(r.enter_wait(1, 0, &arg), libc::ETIME, "waiting 100 ms for a CQE that never comes");
        check_elapsed(&t0, Duration::from_millis(100), "the wait")?;
        Ok(())
    },
}

case! {
    id: "register/clock-realtime-einval",
    summary: "REGISTER_CLOCK with CLOCK_REALTIME (neither MONOTONIC nor BOOTTIME) fails with EINVAL",
    requires: [RegClock],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_clock(3): only CLOCK_MONOTONIC and CLOCK_BOOTTIME", "io_uring/register.c io_register_clock", "claim:register.op.clock"],
    run: |cx| {
        let r = cx.ring()?;
        let c = io_uring_clock_register { clockid: libc::CLOCK_REALTIME as u32, ..Default::default() };
        check_errno!(register_in(&r, IORING_REGISTER_CLOCK, &c, 0), libc::EINVAL, "REGISTER_CLOCK");
        Ok(())
    },
}

// ------------------------------------------------------------ registered wait regions

const IORING_MEM_REGION_TYPE_USER: u32 = 1;
const IORING_MEM_REGION_REG_WAIT_ARG: u64 = 1;
/// io_uring_reg_wait.flags: the ts field holds a timeout.
const IORING_REG_WAIT_TS: u32 = 1;

fn register_wait_region(r: &CheckedRing, page: &Mapping) -> Result<i32, Errno> {
    let rd = io_uring_region_desc { user_addr: page.as_ptr() as u64, size: 4096, flags: IORING_MEM_REGION_TYPE_USER, ..Default::default() };
    let mr = io_uring_mem_region_reg { region_uptr: &rd as *const _ as u64, flags: IORING_MEM_REGION_REG_WAIT_ARG, ..Default::default() };
    register_in(r, IORING_REGISTER_MEM_REGION, &mr, 1)
}

case! {
    id: "register/reg-wait-timeout-from-region",
    summary: "a wait with IORING_ENTER_EXT_ARG_REG takes its timeout from the registered region: -ETIME after 10 ms",
    requires: [RegMemRegion, EnterExtArgReg, SetupRDisabled, RegEnableRings],
    variants: variants::DEFAULT,
    refs: ["io_uring_register_region(3): IORING_MEM_REGION_REG_WAIT_ARG", "io_uring_enter(2): IORING_ENTER_EXT_ARG_REG (arg is an offset into the region)", "claim:enter.ext-arg-reg", "claim:register.op.mem-region"],
    run: |cx| {
        let page = Mapping::anon_pages(1)?;
        let r = cx.build(cx.builder(8).flags(IORING_SETUP_R_DISABLED))?;
        check_eq!(register_wait_region(&r, &page)?, 0, "REGISTER_MEM_REGION");
        r.enable()?;
        // Slot 1 of the region: offset 64.
        let w = io_uring_reg_wait { ts: ms(100), flags: IORING_REG_WAIT_TS, ..Default::default() };
        page.write_value(64, w);
        let t0 = Stopwatch::start();
        // SAFETY: an offset into the registered wait region, not a pointer: the kernel bounds-checks it.
        let res = unsafe { r.enter(0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | IORING_ENTER_EXT_ARG_REG, 64 as *const libc::c_void, std::mem::size_of::<io_uring_reg_wait>()) };
        check_errno!(res, libc::ETIME, "wait with the region's 100 ms timeout");
        check_elapsed(&t0, Duration::from_millis(100), "the wait")?;
        Ok(())
    },
}

case! {
    id: "register/reg-wait-region-on-enabled-ring-einval",
    summary: "registering a wait-argument region on a ring that is already enabled fails with EINVAL",
    requires: [RegMemRegion, EnterExtArgReg],
    variants: variants::DEFAULT,
    refs: ["io_uring/register.c io_register_mem_region: REG_WAIT_ARG needs an R_DISABLED ring -> -EINVAL", "claim:register.op.mem-region"],
    run: |cx| {
        let page = Mapping::anon_pages(1)?;
        let r = cx.ring()?;
        check_errno!(register_wait_region(&r, &page), libc::EINVAL, "REGISTER_MEM_REGION on an enabled ring");
        Ok(())
    },
}

case! {
    id: "register/reg-wait-bad-offset-efault",
    summary: "an EXT_ARG_REG wait whose offset is past the region fails with EFAULT",
    requires: [RegMemRegion, EnterExtArgReg, SetupRDisabled, RegEnableRings],
    variants: variants::DEFAULT,
    refs: ["io_uring/io_uring.c io_get_ext_arg_reg: offset outside the region -> -EFAULT", "claim:enter.ext-arg-reg"],
    run: |cx| {
        let page = Mapping::anon_pages(1)?;
        let r = cx.build(cx.builder(8).flags(IORING_SETUP_R_DISABLED))?;
        register_wait_region(&r, &page)?;
        r.enable()?;
        // SAFETY: an offset into the registered wait region, not a pointer: the kernel bounds-checks it.
        let res = unsafe { r.enter(0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | IORING_ENTER_EXT_ARG_REG, 8192 as *const libc::c_void, std::mem::size_of::<io_uring_reg_wait>()) };
        check_errno!(res, libc::EFAULT, "wait with offset 8192");
        Ok(())
    },
}

case! {
    id: "register/personality-allows-what-its-user-may",
    summary: "the nobody personality reads a file it may read: a world-readable file opens with it",
    requires: [RegPersonality, OpOpenat, EnvRoot],
    variants: variants::DEFAULT,
    refs: ["io_uring_register(2): IORING_REGISTER_PERSONALITY", "claim:register.op.personality"],
    run: |cx| {
        let d = TempDir::new()?;
        world_searchable(&d)?;
        let path = d.join("public");
        std::fs::write(&path, b"public")?;
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644))?;
        let p = cpath(&path)?;
        let mut r = cx.ring()?;
        let id = as_nobody(|| register_none(&r, IORING_REGISTER_PERSONALITY, 0))??;
        let next = fixtures::closed_fd();
        r.submit_all(&[Sqe::openat(libc::AT_FDCWD, &p, libc::O_RDONLY | libc::O_CLOEXEC, 0).personality(id as u16).user_data(1)])?;
        let fd = expect_fd(&mut r, 1, next)?;
        check_eq!(read_all(&fd)?, b"public".to_vec(), "content");
        Ok(())
    },
}

case! {
    id: "register/resize-rings-below-pending-eoverflow",
    summary: "RESIZE_RINGS to a CQ smaller than the CQEs pending fails with EOVERFLOW and leaves the ring as it was, its CQEs intact",
    requires: [RegResizeRings, SetupDeferTaskrun, SetupSingleIssuer, SetupCqsize, OpNop],
    variants: variants::DEFAULT,
    refs: ["io_uring_resize_rings(3): -EOVERFLOW if the new CQ ring cannot hold the pending CQEs", "io_uring/register.c io_register_resize_rings: tail - head > new entries -> -EOVERFLOW", "claim:register.op.resize-rings"],
    run: |cx| {
        let mut r = cx.build(cx.builder(8).flags(IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER))?;
        let nops: Vec<Sqe> = (1..=6).map(|u| Sqe::nop().user_data(u)).collect();
        r.submit_all(&nops)?;
        // Run the deferred completions without reaping them.
        r.enter_flags(0, 6, IORING_ENTER_GETEVENTS)?;
        check_eq!(r.cq_ready(), 6, "CQEs pending before the resize");
        let mut p = io_uring_params { sq_entries: 2, cq_entries: 4, flags: IORING_SETUP_CQSIZE, ..Default::default() };
        check_errno!(register_out(&r, IORING_REGISTER_RESIZE_RINGS, &mut p, 1), libc::EOVERFLOW, "RESIZE_RINGS to a 4-entry CQ with 6 CQEs pending");
        let want: Vec<Want> = (1..=6).map(|u| cqe(u, 0)).collect();
        r.expect(&want)?;
        Ok(())
    },
}

case! {
    id: "register/resize-rings-in-flight-completes-into-new-rings",
    summary: "a poll in flight across RESIZE_RINGS posts its CQE into the new CQ ring once it completes",
    requires: [RegResizeRings, SetupDeferTaskrun, SetupSingleIssuer, SetupCqsize, OpPollAdd],
    variants: variants::DEFAULT,
    refs: ["io_uring_resize_rings(3)", "io_uring/register.c io_register_resize_rings: requests in flight keep running; completions go to the rings in place when they post"],
    run: |cx| {
        let pipe = Pipe::new()?;
        let mut r = cx.build(cx.builder(4).flags(IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER))?;
        r.submit_all(&[Sqe::poll_add(pipe.rx(), POLLIN as u32).user_data(0x51)])?;
        let mut p = io_uring_params { sq_entries: 16, cq_entries: 64, flags: IORING_SETUP_CQSIZE, ..Default::default() };
        let resized = register_out(&r, IORING_REGISTER_RESIZE_RINGS, &mut p, 1);
        pipe.put(b"x")?;
        // The harness's own mapping is of the old rings: wait through
        // io_uring_enter, then read the new rings through a fresh view.
        let entered = r.enter_flags(0, 1, IORING_ENTER_GETEVENTS);
        if resized == Ok(0) && entered.is_ok() {
            // SAFETY: the poll, the one request, completed (a CQE is there:
            // the wait for one returned) into the new CQ ring, which the
            // ring's own view cannot see. Said before any check, so a
            // failed one does not leave the drop waiting for it.
            unsafe { r.assume_nothing_in_flight() };
        }
        check_eq!(resized?, 0, "RESIZE_RINGS");
        entered?;
        let v = ring_view(r.fd(), &p)?;
        let (head, tail) = (v.read_u32(p.cq_off.head as usize), v.read_u32(p.cq_off.tail as usize));
        check_eq!(tail.wrapping_sub(head), 1, "CQEs in the new CQ ring");
        let at = p.cq_off.cqes as usize + (head & v.read_u32(p.cq_off.ring_mask as usize)) as usize * 16;
        check_eq!((v.read_u64(at), v.read_u32(at + 8) as i32, v.read_u32(at + 12)), (0x51, POLLIN, 0), "the poll's CQE {{user_data, res, flags}}");
        Ok(())
    },
}
