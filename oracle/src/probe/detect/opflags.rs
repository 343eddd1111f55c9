//! Per-op flags: each found by the answer the documented behaviour gives
//! (a poll that stays armed, a CQE skipped, a key that matches), never by
//! "not -EINVAL" alone.

use super::*;

pub(in crate::probe) fn opflag(of: OpFlag) -> Detected {
    let found = opflag_on_its_path(of);
    match (of, found) {
        // A cancel key refused by IORING_OP_ASYNC_CANCEL but taken by
        // IORING_REGISTER_SYNC_CANCEL on the same kernel: both paths check
        // the key against one mask (io_uring/cancel.c CANCEL_FLAGS), so the
        // kernel knows the key and lost it on one path: broken, not absent.
        (OpFlag::Cancel(f), Err(Finding::Absent(why))) => match sync_cancel_answer(f) {
            Some(answer) => Err(broken(format!(
                "{why}; but IORING_REGISTER_SYNC_CANCEL takes the same key ({answer}): both check it against one mask (io_uring/cancel.c CANCEL_FLAGS)"
            ))),
            None => Err(Finding::Absent(why)),
        },
        (_, found) => found,
    }
}

/// What IORING_REGISTER_SYNC_CANCEL answers for cancel key `f` when
/// nothing matches, where it answers anything but EINVAL (the key is
/// known there). None where the register opcode itself is unknown, the key
/// is refused there too, or the call could not be made.
fn sync_cancel_answer(f: u32) -> Option<String> {
    let ring = plain_ring().ok()?;
    let fd = if f & IORING_ASYNC_CANCEL_FD_FIXED != 0 { 0 } else { ring.fd() };
    let opcode = if f & IORING_ASYNC_CANCEL_OP != 0 { IORING_OP_POLL_ADD } else { 0 };
    // A zero timeout: nothing is waited for (nothing is in flight).
    let reg = io_uring_sync_cancel_reg { addr: 0xdead, fd, flags: f, opcode, ..Default::default() };
    match ring.sync_cancel(&reg) {
        Ok(n) => Some(format!("{n}")),
        Err(e) if e.0 == libc::EINVAL || environmental(e) => None,
        Err(e) => Some(format!("{e}")),
    }
}

fn opflag_on_its_path(of: OpFlag) -> Detected {
    match of {
        OpFlag::NopInjectResult => {
            let mut ring = plain_ring()?;
            let got = sqes(&mut ring, &[Sqe::nop_inject(0x1234).user_data(1)], 1)?;
            // Before 6.10 NOP ignored its flags field: res 0 is "ignored".
            judge(&got, "NOP with IORING_NOP_INJECT_RESULT 0x1234", "one CQE, res 0x1234", |g| one(g, 0x1234, 0), |g| einval_first(g) || one(g, 0, 0))
        }
        OpFlag::NopCqe32 => {
            let mut ring = ring(RingBuilder::new(4).flags(IORING_SETUP_CQE_MIXED), "IORING_SETUP_CQE_MIXED, which IORING_NOP_CQE32 needs")?;
            let s = Sqe::nop_cqe32(0, 0).user_data(1);
            let got = sqes(&mut ring, &[s], 1)?;
            // NOP checks its flags since 6.10, long before CQE_MIXED (6.18).
            judge(&got, "NOP with IORING_NOP_CQE32 on a CQE_MIXED ring", "one CQE, res 0, IORING_CQE_F_32", |g| one(g, 0, IORING_CQE_F_32), einval_first)
        }
        OpFlag::Cancel(f) if f & (IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_USERDATA) != 0 => cancel_key(f),
        OpFlag::Timeout(f) => {
            let zero = __kernel_timespec::default();
            let one_ms = __kernel_timespec { tv_sec: 0, tv_nsec: 1_000_000 };
            let mut ring = plain_ring()?;
            // A timeout already due (0 relative, or 0 absolute: the past);
            // a multishot one with one repeat ends after one expiry
            // (io_uring/timeout.c io_timeout_finish): one CQE, -ETIME, no
            // IORING_CQE_F_MORE. ETIME_SUCCESS changes only the link
            // handling, not the result.
            let mut s = if f & IORING_TIMEOUT_MULTISHOT != 0 { Sqe::timeout(&one_ms, 1, f) } else { Sqe::timeout(&zero, 0, f) };
            if f & IORING_TIMEOUT_IMMEDIATE_ARG != 0 {
                // addr holds the timeout itself, in nanoseconds: 0 is due
                // at once (io_uring/timeout.c __io_timeout_prep).
                // SAFETY: addr is a count of nanoseconds here, not an address.
                unsafe { s.raw_mut().addr = 0 };
            }
            let got = sqes(&mut ring, &[s.user_data(1)], 1)?;
            judge(&got, &format!("TIMEOUT with flags {f:#x}, due at once"), "one CQE, -ETIME", |g| one(g, -libc::ETIME, 0), einval_first)
        }
        OpFlag::TimeoutRemove(f) => {
            let zero = __kernel_timespec::default();
            let mut ring = plain_ring()?;
            let got = sqes(&mut ring, &[Sqe::timeout_update(0xdead, &zero, f & !IORING_TIMEOUT_UPDATE).user_data(1)], 1)?;
            judge(
                &got,
                &format!("TIMEOUT_REMOVE with flags {f:#x} for a timeout that does not exist"),
                "one CQE, -ENOENT",
                |g| one(g, -libc::ENOENT, 0),
                einval_first,
            )
        }
        OpFlag::Cancel(f) => {
            // Cancelling nothing (io_uring/cancel.c __io_async_cancel):
            // ALL and ANY count what they cancelled (0); by fd, nothing is
            // -ENOENT; FD_FIXED with no file table is -EBADF.
            let mut ring = plain_ring()?;
            let fd = if f & IORING_ASYNC_CANCEL_FD_FIXED != 0 { 0 } else { ring.fd() };
            let s = CancelKey { flags: f, user_data: 0xdead, fd, opcode: 0 }.sqe();
            let want = if f & IORING_ASYNC_CANCEL_FD_FIXED != 0 {
                -libc::EBADF
            } else if f & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY) != 0 {
                0
            } else {
                -libc::ENOENT
            };
            let got = sqes(&mut ring, &[s.user_data(1)], 1)?;
            judge(&got, &format!("ASYNC_CANCEL with flags {f:#x} when nothing matches"), &format!("one CQE, res {want}"), |g| one(g, want, 0), einval_first)
        }
        OpFlag::PollAddMulti => poll_multi(),
        OpFlag::OpenatDirect | OpFlag::FileIndexAlloc => direct_open(of),
        OpFlag::AcceptMulti => accept_multi(),
        OpFlag::RsrcSparse => {
            let ring = plain_ring()?;
            ring.register_files_tagged(&[], &[], 2).map_err(|e| refused("REGISTER_FILES2 with IORING_RSRC_REGISTER_SPARSE", e))
        }
        OpFlag::CloneBuffersRange => {
            // Buffer 1 of two, cloned alone: 0 where the range is known;
            // 6.12's clone read those words as padding (-EINVAL).
            let mem = fixtures::Bufs::new(2, 4096);
            let src = plain_ring()?;
            src.register_buffers(&[mem.iov(0, 4096), mem.iov(4096, 8192)]).map_err(|e| fixture("REGISTER_BUFFERS (needed first)", e))?;
            let dst = plain_ring()?;
            let arg = io_uring_clone_buffers { src_fd: src.fd() as u32, src_off: 1, nr: 1, ..Default::default() };
            // SAFETY: one io_uring_clone_buffers, read during the call.
            unsafe { dst.register_raw(IORING_REGISTER_CLONE_BUFFERS, &arg as *const _ as *const _, 1) }
                .map(|_| ())
                .map_err(|e| refused("REGISTER_CLONE_BUFFERS of buffer 1 of 2 (src_off 1, nr 1)", e))
        }
        OpFlag::NopIopoll => {
            let mut r = ring(RingBuilder::new(4).flags(IORING_SETUP_IOPOLL), "IORING_SETUP_IOPOLL")?;
            let got = sqes(&mut r, &[Sqe::nop().user_data(1)], 1)?;
            judge(&got, "NOP on an IOPOLL ring", "one CQE, res 0", |g| one(g, 0, 0), einval_first)
        }
        OpFlag::PbufRing(f) => {
            // Registering a small ring with the flag: EINVAL where unknown.
            let ring = plain_ring()?;
            crate::pbuf::BufRing::register(&ring, 1, 4, f).map(|_| ()).map_err(|e| refused(&format!("REGISTER_PBUF_RING with flags {f:#x}"), e))
        }
        OpFlag::UringCmdSock(cmd) => sock_cmd(cmd),
        OpFlag::UringCmdBlkDiscard => blk_discard(),
        OpFlag::SendmsgZcFixed => sendmsg_zc_fixed(),
        OpFlag::MsgRingFlags(f) => {
            // A message to another ring: -EINVAL where a flag is unknown
            // (io_uring/msg_ring.c io_msg_ring_prep checks every bit).
            let mut ring = plain_ring()?;
            let target = plain_ring()?;
            let got = sqes(&mut ring, &[Sqe::msg_ring_data(target.fd(), 0, 0x77).op_flags(f).user_data(1)], 1)?;
            judge(&got, &format!("MSG_RING data with flags {f:#x}"), "one CQE, res 0", |g| one(g, 0, 0), einval_first)
        }
        OpFlag::MsgRingSendFd => {
            // Passing empty slot 0 of a ring with no file table: -EBADF
            // where the command is known, -EINVAL where it is not.
            let mut ring = plain_ring()?;
            let target = plain_ring()?;
            let s = Sqe::msg_ring_send_fd(target.fd(), 0, 0, 0x77);
            let got = sqes(&mut ring, &[s.user_data(1)], 1)?;
            judge(&got, "MSG_RING IORING_MSG_SEND_FD of an empty slot", "one CQE, -EBADF", |g| one(g, -libc::EBADF, 0), einval_first)
        }
    }
}

/// A multishot poll on a pipe that is readable at once: its first CQE
/// carries POLLIN and IORING_CQE_F_MORE (it stays armed). Before 5.13
/// poll_add refuses a non-zero len (the flags field) with -EINVAL.
fn poll_multi() -> Detected {
    let pipe = fixtures::Pipe::new().map_err(|e| fixture("pipe2", e))?;
    pipe.put(b"x").map_err(|e| fixture("write to the pipe", e))?;
    let mut ring = plain_ring()?;
    let got = sqes(&mut ring, &[Sqe::poll_multi(pipe.rx(), libc::POLLIN as u32).user_data(1)], 1);
    // The ring goes first (dropping it cancels the armed poll), then the pipe.
    drop(ring);
    judge_poll_multi(&got?)
}

pub(super) fn judge_poll_multi(got: &[Cqe]) -> Detected {
    judge(
        got,
        "POLL_ADD with IORING_POLL_ADD_MULTI on a readable pipe",
        "one CQE, POLLIN, IORING_CQE_F_MORE",
        |g| one(g, libc::POLLIN as i32, IORING_CQE_F_MORE),
        einval_first,
    )
}

pub(super) fn judge_cqe_skip(got: &[Cqe]) -> Detected {
    judge(
        got,
        "NOP|CQE_SKIP_SUCCESS then NOP",
        "only the second NOP's CQE (user_data 2, res 0)",
        |g| matches!(g, [c] if c.user_data == 2 && c.res == 0 && c.flags == 0),
        einval_first,
    )
}

/// Socket commands of URING_CMD (io_uring/cmd_net.c): on a fresh TCP
/// socket, SIOCINQ answers 0 bytes queued and GETSOCKOPT(SO_TYPE) the
/// option length 4; a kernel without socket commands, or without this
/// one, answers -EOPNOTSUPP (-EINVAL without URING_CMD).
fn sock_cmd(cmd: u32) -> Detected {
    // SAFETY: plain syscall; the fd is owned (and closed) by `sock`.
    let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(fixture("socket", std::io::Error::last_os_error()));
    }
    // SAFETY: `raw` is a new descriptor nobody else owns.
    let sock = unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(raw) };
    let fd = std::os::fd::AsRawFd::as_raw_fd(&sock);
    let val = uring::IoCell::new(0i32);
    let addr = uring::IoCell::<libc::sockaddr_storage>::zeroed();
    let len = uring::IoCell::new(std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t);
    let mut ring = plain_ring()?;
    let (level, name, want) = if cmd == SOCKET_URING_OP_GETSOCKOPT { (libc::SOL_SOCKET, libc::SO_TYPE, 4) } else { (0, 0, 0) };
    let s = if cmd == SOCKET_URING_OP_GETSOCKNAME {
        // The unbound socket's own address (0.0.0.0:0): res 0.
        // SAFETY: addr and len are IoCells that outlive the ring.
        unsafe { Sqe::cmd_getsockname(IORING_OP_URING_CMD, fd, addr.as_ptr() as *mut libc::sockaddr, len.as_ptr(), false) }
    } else {
        // SAFETY: fd is our socket; val is an IoCell that outlives the ring.
        unsafe { Sqe::sock_cmd(IORING_OP_URING_CMD, fd, cmd, level, name, val.as_ptr()) }
    }
    .user_data(1);
    let got = sqes(&mut ring, &[s], 1)?;
    judge(
        &got,
        &format!("URING_CMD socket command {cmd}"),
        &format!("one CQE, res {want}"),
        |g| one(g, want, 0),
        |g| einval_first(g) || one(g, -libc::EOPNOTSUPP, 0),
    )
}

/// BLOCK_URING_CMD_DISCARD on the run's discard-capable null_blk, opened
/// read-only: block/ioctl.c blkdev_cmd_discard answers -EBADF (the device
/// takes discard, the file is not open for writing) where the command is
/// known; before 6.12 a block device has no ->uring_cmd (-EOPNOTSUPP).
/// Without such a device there is nothing to ask: undetermined.
fn blk_discard() -> Detected {
    let dev = std::env::var_os(crate::envsetup::NULLB_DISCARD_ENV)
        .ok_or_else(|| fixture("a block device that takes discard", "none in this environment (env.nullblk_discard)"))?;
    let f = std::fs::File::open(&dev).map_err(|e| fixture("open the discard-capable null_blk read-only", e))?;
    let mut ring = plain_ring()?;
    let s = Sqe::blk_discard(std::os::fd::AsRawFd::as_raw_fd(&f), 0, 4096).user_data(1);
    let got = sqes(&mut ring, &[s], 1)?;
    judge(
        &got,
        "URING_CMD BLOCK_URING_CMD_DISCARD of one block on a read-only block device fd",
        "one CQE, -EBADF",
        |g| one(g, -libc::EBADF, 0),
        // Before 5.19 there is no URING_CMD at all: -EINVAL.
        |g| one(g, -libc::EOPNOTSUPP, 0) || einval_first(g),
    )
}

/// SENDMSG_ZC with IORING_RECVSEND_FIXED_BUF (6.15, vectored registered
/// buffers): four bytes of a registered buffer sent on a loopback TCP
/// connection give the byte count with IORING_CQE_F_MORE, then the
/// notification; before, io_send_zc_prep refuses the flag for SENDMSG_ZC
/// with -EINVAL once a buffer is registered (after it allocated the
/// notification, so 6.12 posts -EINVAL with IORING_CQE_F_MORE and then the
/// notification: the first CQE decides).
fn sendmsg_zc_fixed() -> Detected {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| fixture("listen on loopback", e))?;
    let addr = l.local_addr().map_err(|e| fixture("local_addr", e))?;
    let c = std::net::TcpStream::connect(addr).map_err(|e| fixture("connect on loopback", e))?;
    let (_s, _) = l.accept().map_err(|e| fixture("accept on loopback", e))?;
    let mem = fixtures::Bufs::new(1, 4096);
    let ring_iov = mem.iov(0, 4096);
    let mut iov = [mem.raw_iov(0, 4)];
    // SAFETY: all-zero bytes are a valid msghdr.
    let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
    m.msg_iov = iov.as_mut_ptr();
    m.msg_iovlen = 1;
    let mut ring = plain_ring()?;
    ring.register_buffers(&[ring_iov]).map_err(|e| refused("REGISTER_BUFFERS (needed first)", e))?;
    // SAFETY: m's one iovec lies in mem, which outlives the ring.
    let s = unsafe { Sqe::sendmsg_op(IORING_OP_SENDMSG_ZC, std::os::fd::AsRawFd::as_raw_fd(&c), &m) }.fixed_buf(0).user_data(1);
    let got = sqes(&mut ring, &[s], 2)?;
    judge(
        &got,
        "SENDMSG_ZC with IORING_RECVSEND_FIXED_BUF of 4 bytes of registered buffer 0",
        "res 4 with IORING_CQE_F_MORE, then res 0 with IORING_CQE_F_NOTIF",
        |g| matches!(g, [a, b] if a.user_data == 1 && a.res == 4 && a.flags == IORING_CQE_F_MORE && b.user_data == 1 && b.res == 0 && b.flags == IORING_CQE_F_NOTIF),
        einval_first,
    )
}

/// Direct descriptors: an OPENAT of "/" naming slot 0 on a ring with no
/// file table answers -ENXIO where file_index is understood (older kernels
/// ignore the field and open a normal fd: "ignored"); IORING_FILE_INDEX_ALLOC
/// on a one-slot sparse table answers slot 0 (kernels with direct opens
/// but without ALLOC read it as slot 0xfffffffe: -EINVAL).
fn direct_open(of: OpFlag) -> Detected {
    let mut ring = plain_ring()?;
    // No O_CLOEXEC: a direct open rejects it (io_openat_prep), and an
    // old kernel's normal fd is closed below.
    let open = Sqe::openat(libc::AT_FDCWD, c"/", libc::O_RDONLY | libc::O_DIRECTORY, 0).user_data(1);
    let (sqe, want, what) = match of {
        OpFlag::OpenatDirect => (open.direct(0), -libc::ENXIO, "OPENAT into slot 0 with no file table"),
        _ => {
            ring.register_files(&[-1]).map_err(|e| refused("REGISTER_FILES [-1] (needed first)", e))?;
            (open.direct(IORING_FILE_INDEX_ALLOC), 0, "OPENAT with IORING_FILE_INDEX_ALLOC on one free slot")
        }
    };
    let got = sqes(&mut ring, &[sqe], 1)?;
    let normal_fd = |g: &[Cqe]| matches!(g, [c] if c.user_data == 1 && c.res > 0);
    if normal_fd(&got) {
        // SAFETY: the kernel opened a normal fd for us: close it.
        unsafe { libc::close(got[0].res) };
    }
    judge(&got, what, &format!("one CQE, res {want}"), |g| one(g, want, 0), |g| einval_first(g) || normal_fd(g))
}

/// Multishot accept: a connection is already queued, so a kernel that knows
/// the flag posts the new fd with IORING_CQE_F_MORE; one that does not
/// answers -EINVAL (accept refuses a non-zero ioprio before 5.19).
fn accept_multi() -> Detected {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| fixture("listen on loopback", e))?;
    let addr = l.local_addr().map_err(|e| fixture("local_addr", e))?;
    let _c = std::net::TcpStream::connect(addr).map_err(|e| fixture("connect on loopback", e))?;
    let mut ring = plain_ring()?;
    let s = Sqe::accept_multi(std::os::fd::AsRawFd::as_raw_fd(&l), libc::SOCK_CLOEXEC as u32).user_data(1);
    let got = sqes(&mut ring, &[s], 1)?;
    for c in &got {
        if c.res >= 0 {
            // SAFETY: the accepted fd is ours to close.
            unsafe { libc::close(c.res) };
        }
    }
    judge(
        &got,
        "ACCEPT with IORING_ACCEPT_MULTISHOT, a connection queued",
        "one CQE, a new fd, IORING_CQE_F_MORE",
        |g| matches!(g, [c] if c.user_data == 1 && c.res >= 0 && c.flags == IORING_CQE_F_MORE),
        einval_first,
    )
}

/// Cancel keys added in 6.6 are told by what they match: some kernels
/// take unknown cancel flags without -EINVAL and match by user_data
/// instead (seen on Debian's 6.1: "ignored").
/// - OP|ALL for POLL_ADD with user_data 0 cancels a poll whose user_data
///   is 7 only if OP is a key (count 1); ignoring OP it matches nothing (0).
/// - OP|USERDATA for POLL_ADD with user_data 8 finds nothing (-ENOENT)
///   only if USERDATA is a key too; ignoring USERDATA, by opcode alone, it
///   cancels the poll (0). USERDATA came with OP (6.6), so it is judged
///   only where OP is present.
fn cancel_key(f: u32) -> Detected {
    if f & IORING_ASYNC_CANCEL_USERDATA != 0 {
        match cancel_key(IORING_ASYNC_CANCEL_OP) {
            Ok(()) => {}
            Err(Finding::Broken(why)) => return Err(broken(format!("IORING_ASYNC_CANCEL_USERDATA needs IORING_ASYNC_CANCEL_OP, which is broken: {why}"))),
            Err(other) => return Err(other.map(|why| format!("IORING_ASYNC_CANCEL_USERDATA came with IORING_ASYNC_CANCEL_OP: {why}"))),
        }
    }
    let pipe = fixtures::Pipe::new().map_err(|e| fixture("pipe2", e))?;
    let mut ring = plain_ring()?;
    sqes(&mut ring, &[Sqe::poll_add(pipe.rx(), libc::POLLIN as u32).user_data(7)], 0)?;
    let (sqe, want, ignored, what) = if f & IORING_ASYNC_CANCEL_OP != 0 {
        (Sqe::cancel_op(IORING_OP_POLL_ADD, 0, IORING_ASYNC_CANCEL_ALL), 1, 0, "ASYNC_CANCEL OP|ALL for POLL_ADD (user_data 0), one poll armed (user_data 7)")
    } else {
        (
            Sqe::cancel_op(IORING_OP_POLL_ADD, 8, IORING_ASYNC_CANCEL_USERDATA),
            -libc::ENOENT,
            0,
            "ASYNC_CANCEL OP|USERDATA for POLL_ADD with user_data 8, one poll armed (user_data 7)",
        )
    };
    let got = sqes(&mut ring, &[sqe.user_data(1)], 1)?;
    let res = |g: &[Cqe]| g.iter().find(|c| c.user_data == 1).map(|c| c.res);
    let r = judge(&got, what, &format!("res {want}"), |g| res(g) == Some(want), |g| matches!(res(g), Some(r) if r == -libc::EINVAL || r == ignored));
    // The ring goes first (it holds a poll on the pipe).
    drop(ring);
    r
}
