//! Ops that create a file straight into a chosen slot of the ring's table
//! (file_index = slot + 1): ACCEPT, OPENAT2, SOCKET and PIPE complete with
//! 0 and the slot then works; a direct ACCEPT refuses SOCK_CLOEXEC.
//! io_uring_enter(2) IORING_OP_ACCEPT/OPENAT2/SOCKET/PIPE; io_uring/net.c,
//! openclose.c; io_uring/filetable.c __io_fixed_fd_install.

use super::*;

case! {
    id: "files/accept-direct-slot",
    summary: "ACCEPT into a chosen slot completes with 0; data the peer sends is received through that slot",
    requires: [OpAccept, OpRecv, RegFiles, OpflagOpenatDirect, SqeFixedFile],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2) IORING_OP_ACCEPT: file_index installs into slot file_index - 1, res 0", "io_uring_prep_accept_direct(3)", "claim:enter.op.accept.direct-slot", "claim:prep.accept.direct-slot"],
    run: |cx| {
        let l = Listener::new()?;
        let buf;
        let mut r = cx.ring()?;
        r.register_files(&[-1, -1])?;
        let mut peer = l.connect()?;
        r.run_expect(&[Sqe::accept(l.fd(), 0).direct(1).user_data(1)], &[cqe(1, 0)])?;
        std::io::Write::write_all(&mut peer, b"hello")?;
        buf = IoBuf::new(5);
        r.run_expect(&[Sqe::recv(1, &buf, libc::MSG_WAITALL as u32).fixed_file().user_data(2)], &[cqe(2, 5)])?;
        check_eq!(&buf.to_vec(), b"hello", "bytes received through slot 1");
        Ok(())
    },
}

case! {
    id: "files/accept-direct-cloexec-einval",
    summary: "a direct ACCEPT with SOCK_CLOEXEC completes with -EINVAL (a slot has no close-on-exec)",
    requires: [OpAccept, RegFiles, OpflagOpenatDirect],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_accept(3) NOTES: SOCK_CLOEXEC with a direct descriptor is -EINVAL", "io_uring/net.c io_accept_prep: file_slot && SOCK_CLOEXEC -> -EINVAL", "claim:prep.accept.direct-cloexec"],
    run: |cx| {
        let l = Listener::new()?;
        let mut r = cx.ring()?;
        r.register_files(&[-1])?;
        let _peer = l.connect()?;
        r.run_expect(&[Sqe::accept(l.fd(), libc::SOCK_CLOEXEC as u32).direct(0).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "files/openat2-direct-slot",
    summary: "OPENAT2 into a chosen slot completes with 0 and the slot reads the file",
    requires: [OpOpenat2, OpRead, RegFiles, OpflagOpenatDirect, SqeFixedFile],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2) IORING_OP_OPENAT2: file_index installs into that slot, res 0", "io_uring/openclose.c io_openat2: io_fixed_fd_install", "claim:enter.op.openat2.direct-slot"],
    run: |cx| {
        let a = TempFile::with_content(&pattern(32, 1))?;
        let path = path_of(&a)?;
        let how = open_how { flags: libc::O_RDONLY as u64, ..Default::default() };
        let mut r = cx.ring()?;
        r.register_files(&[-1, -1])?;
        r.run_expect(&[Sqe::openat2(libc::AT_FDCWD, &path, &how).direct(1).user_data(1)], &[cqe(1, 0)])?;
        check_eq!(read_slot(&mut r, 1, 32)?, pattern(32, 1), "bytes read through slot 1");
        Ok(())
    },
}

case! {
    id: "files/socket-direct-slot",
    summary: "SOCKET into a chosen slot completes with 0 and the slot holds a socket of that kind",
    requires: [OpSocket, OpSend, RegFiles, OpflagOpenatDirect, SqeFixedFile],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2) IORING_OP_SOCKET: file_index installs into that slot, res 0", "io_uring_prep_socket_direct(3)", "claim:enter.op.socket.direct-slot"],
    run: |cx| {
        let data;
        let mut r = cx.ring()?;
        r.register_files(&[-1, -1])?;
        r.run_expect(&[Sqe::socket(libc::AF_INET, libc::SOCK_DGRAM, 0).direct(1).user_data(1)], &[cqe(1, 0)])?;
        // An unconnected UDP socket answers a send without address with -EDESTADDRREQ.
        data = [1u8; 4];
        r.run_expect(&[Sqe::send(1, &data, 0).fixed_file().user_data(2)], &[cqe(2, -libc::EDESTADDRREQ)])?;
        r.run_expect(&[Sqe::send(0, &data, 0).fixed_file().user_data(3)], &[cqe(3, -libc::EBADF)])?;
        Ok(())
    },
}

case! {
    id: "files/pipe-direct-slots",
    summary: "PIPE with file_index installs the read end in that slot and the write end in the next, completes with 0 and writes both slot numbers to fds; bytes written to one slot read back from the other",
    requires: [OpPipe, OpRead, OpWrite, RegFiles, SqeFixedFile],
    variants: variants::DEFAULT,
    refs: ["io_uring_enter(2) IORING_OP_PIPE: with file_index the two ends become direct descriptors", "io_uring_prep_pipe_direct(3)", "io_uring/openclose.c io_pipe_fixed: slot, then slot + 1", "claim:enter.op.pipe.direct"],
    run: |cx| {
        let fds = IoCell::new([-1i32; 2]);
        let buf;
        let mut r = cx.ring()?;
        r.register_files(&[-1, -1, -1, -1])?;
        r.run_expect(&[Sqe::pipe(&fds, 0).direct(1).user_data(1)], &[cqe(1, 0)])?;
        check_eq!(fds.get(), [1, 2], "the slots PIPE reported");
        r.run_expect(&[Sqe::write(2, b"slot", 0).fixed_file().user_data(2)], &[cqe(2, 4)])?;
        buf = IoBuf::new(4);
        r.run_expect(&[Sqe::read(1, &buf, 0).fixed_file().user_data(3)], &[cqe(3, 4)])?;
        check_eq!(&buf.to_vec(), b"slot", "bytes through the direct pipe");
        Ok(())
    },
}
