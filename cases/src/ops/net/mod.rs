//! Sockets: SOCKET, BIND, LISTEN, CONNECT, ACCEPT, SEND/RECV,
//! SENDMSG/RECVMSG, SHUTDOWN, SEND_ZC/SENDMSG_ZC with their notification
//! CQE, URING_CMD on sockets (SIOCINQ, getsockopt, setsockopt) and the
//! prep-time errors of RECV_ZC. Results and errors are the socket
//! syscalls' (socket(2), bind(2), listen(2), connect(2), accept(2),
//! send(2), recv(2), shutdown(2)); io_uring/net.c, cmd_net.c, zcrx.c.

use crate::prelude::*;
use fixtures::{Listener, SocketPair};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, OwnedFd};

mod pollfirst;
mod sockcmd;
mod zerocopy;

fn sockaddr_v4(port: u16) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as u16,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr { s_addr: u32::from_be_bytes([127, 0, 0, 1]).to_be() },
        sin_zero: [0; 8],
    }
}

const SIN_LEN: u32 = std::mem::size_of::<libc::sockaddr_in>() as u32;

/// A socket(2) made outside the ring.
fn socket(ty: i32) -> Result<OwnedFd, oracle::CaseError> {
    use rustix::net::{AddressFamily, SocketFlags, SocketType};
    Ok(rustix::net::socket_with(AddressFamily::INET, SocketType::from_raw(ty as u32), SocketFlags::CLOEXEC, None).map_err(std::io::Error::from)?)
}

/// The local port of an IPv4 socket (0 when it has none or is not IPv4).
fn local_port(fd: impl std::os::fd::AsFd) -> u16 {
    rustix::net::getsockname(fd).ok().and_then(|a| std::net::SocketAddrV4::try_from(a).ok()).map_or(0, |a| a.port())
}

/// A connected TCP pair on loopback: (client, server side).
fn tcp_pair() -> Result<(TcpStream, TcpStream), oracle::CaseError> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    let c = TcpStream::connect(l.local_addr()?)?;
    let (s, _) = l.accept()?;
    Ok((c, s))
}

fn read_some(fd: impl std::os::fd::AsFd, n: usize) -> Result<Vec<u8>, oracle::CaseError> {
    let mut buf = vec![0u8; n];
    let (got, _) = rustix::net::recv(fd, &mut buf, rustix::net::RecvFlags::DONTWAIT).map_err(std::io::Error::from)?;
    buf.truncate(got);
    Ok(buf)
}

// ------------------------------------------------------------ socket

case! {
    id: "ops/socket/creates-tcp-socket",
    summary: "SOCKET returns a new fd for a socket of the domain and type asked",
    requires: [OpSocket],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_socket(3)", "socket(2)", "claim:enter.op.socket", "claim:prep.socket"],
    run: |cx| {
        let mut r = cx.ring()?;
        let next = fixtures::closed_fd();
        r.submit_all(&[Sqe::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0).user_data(1)])?;
        let fd = expect_fd(&mut r, 1, next)?;
        check_eq!(rustix::net::sockopt::socket_type(&fd), Ok(rustix::net::SocketType::STREAM), "SO_TYPE");
        check_eq!(rustix::net::sockopt::socket_domain(&fd), Ok(rustix::net::AddressFamily::INET), "SO_DOMAIN");
        Ok(())
    },
}

case! {
    id: "ops/socket/error-bad-family-eafnosupport",
    summary: "SOCKET with an address family out of range completes with -EAFNOSUPPORT",
    requires: [OpSocket],
    variants: variants::DEFAULT,
    refs: ["socket(2) ERRORS: EAFNOSUPPORT", "net/socket.c __sock_create: family >= NPROTO -> -EAFNOSUPPORT", "claim:prep.socket"],
    run: |cx| {
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::socket(4000, libc::SOCK_STREAM, 0).user_data(1)], &[cqe(1, -libc::EAFNOSUPPORT)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ bind / listen

case! {
    id: "ops/bind/binds-address",
    summary: "BIND to 127.0.0.1 port 0 completes with 0 and the socket gets a port",
    requires: [OpBind],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_bind(3)", "bind(2)", "claim:enter.op.bind", "claim:prep.bind"],
    run: |cx| {
        let s = socket(libc::SOCK_STREAM)?;
        let sa = sockaddr_v4(0);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::bind(s.as_raw_fd(), &sa).user_data(1)], &[cqe(1, 0)])?;
        check!(local_port(&s) != 0, "no port assigned after BIND");
        Ok(())
    },
}

case! {
    id: "ops/bind/error-already-bound-einval",
    summary: "BIND of a socket that is already bound completes with -EINVAL",
    requires: [OpBind],
    variants: variants::DEFAULT,
    refs: ["bind(2) ERRORS: EINVAL (the socket is already bound to an address)", "claim:prep.bind"],
    run: |cx| {
        let s = socket(libc::SOCK_STREAM)?;
        let sa = sockaddr_v4(0);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::bind(s.as_raw_fd(), &sa).user_data(1)], &[cqe(1, 0)])?;
        r.run_expect(&[Sqe::bind(s.as_raw_fd(), &sa).user_data(2)], &[cqe(2, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/listen/accepts-connections",
    summary: "LISTEN on a bound socket completes with 0 and a client can then connect",
    requires: [OpBind, OpListen],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_listen(3)", "listen(2)", "claim:enter.op.listen", "claim:prep.listen"],
    run: |cx| {
        let s = socket(libc::SOCK_STREAM)?;
        let sa = sockaddr_v4(0);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::bind(s.as_raw_fd(), &sa).link().user_data(1), Sqe::listen(s.as_raw_fd(), 8).user_data(2)], &[cqe(1, 0), cqe(2, 0)])?;
        let port = local_port(&s);
        check!(TcpStream::connect(("127.0.0.1", port)).is_ok(), "connect(2) to the listening socket failed");
        Ok(())
    },
}

case! {
    id: "ops/listen/error-udp-eopnotsupp",
    summary: "LISTEN on a UDP socket completes with -EOPNOTSUPP",
    requires: [OpListen],
    variants: variants::DEFAULT,
    refs: ["listen(2) ERRORS: EOPNOTSUPP (the socket is not of a type that supports listen)", "claim:prep.listen"],
    run: |cx| {
        let s = socket(libc::SOCK_DGRAM)?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::listen(s.as_raw_fd(), 8).user_data(1)], &[cqe(1, -libc::EOPNOTSUPP)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ connect / accept

case! {
    id: "ops/connect/connects",
    summary: "CONNECT to a listener completes with 0 and the listener accepts the peer",
    requires: [OpConnect],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_connect(3)", "connect(2)", "claim:enter.op.connect", "claim:prep.connect.errno"],
    run: |cx| {
        let l = Listener::new()?;
        let s = socket(libc::SOCK_STREAM)?;
        let sa = sockaddr_v4(l.listener.local_addr()?.port());
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::connect(s.as_raw_fd(), &sa).user_data(1)], &[cqe(1, 0)])?;
        let (_peer, addr) = l.listener.accept()?;
        check_eq!(addr.port(), local_port(&s), "peer port seen by the listener");
        Ok(())
    },
}

case! {
    id: "ops/connect/error-refused-econnrefused",
    summary: "CONNECT to a bound port nobody listens on completes with -ECONNREFUSED",
    requires: [OpConnect],
    variants: variants::DEFAULT,
    refs: ["connect(2) ERRORS: ECONNREFUSED (no one listening on the remote address)", "claim:prep.connect.errno"],
    run: |cx| {
        // Bound but not listening: the port is ours, so nobody else can
        // listen on it while the case runs.
        let hold = socket(libc::SOCK_STREAM)?;
        let any = std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 0);
        check!(rustix::net::bind(&hold, &any).is_ok(), "fixture bind(2)");
        let sa = sockaddr_v4(local_port(&hold));
        let s = socket(libc::SOCK_STREAM)?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::connect(s.as_raw_fd(), &sa).user_data(1)], &[cqe(1, -libc::ECONNREFUSED)])?;
        Ok(())
    },
}

case! {
    id: "ops/accept/returns-peer",
    summary: "ACCEPT returns a new fd connected to the client, and fills the peer address",
    requires: [OpAccept],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_accept(3)", "accept4(2)", "claim:enter.op.accept", "claim:prep.accept.fd"],
    run: |cx| {
        let l = Listener::new()?;
        let client = l.connect()?;
        let peer = IoCell::new(sockaddr_v4(0));
        let plen = IoCell::new(SIN_LEN);
        let s = Sqe::accept(l.fd(), libc::SOCK_CLOEXEC as u32).accept_addr(&peer, &plen);
        let mut r = cx.ring()?;
        let next = fixtures::closed_fd();
        r.submit_all(&[s.user_data(1)])?;
        let fd = expect_fd(&mut r, 1, next)?;
        check_eq!(u16::from_be(peer.get().sin_port), client.local_addr()?.port(), "peer port");
        check_eq!(plen.get(), SIN_LEN, "peer address length");
        std::io::Write::write_all(&mut &client, b"hi")?;
        let mut buf = [0u8; 2];
        check_eq!(rustix::net::recv(&fd, &mut buf, rustix::net::RecvFlags::WAITALL).map(|(n, _)| n), Ok(2), "recv(2) on the accepted fd");
        check_eq!(&buf, b"hi", "bytes from the client");
        Ok(())
    },
}

case! {
    id: "ops/accept/error-not-listening-einval",
    summary: "ACCEPT on a socket that is not listening completes with -EINVAL",
    requires: [OpAccept],
    variants: variants::DEFAULT,
    refs: ["accept(2) ERRORS: EINVAL (socket is not listening for connections)", "claim:prep.accept.errno"],
    run: |cx| {
        let s = socket(libc::SOCK_STREAM)?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::accept(s.as_raw_fd(), libc::SOCK_CLOEXEC as u32).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ send / recv

case! {
    id: "ops/send/sends",
    summary: "SEND on a connected socket returns the bytes sent, which the peer reads",
    requires: [OpSend],
    variants: variants::ALL,
    refs: ["io_uring_prep_send(3)", "send(2)", "claim:enter.op.send", "claim:prep.send"],
    run: |cx| {
        let sp = SocketPair::stream()?;
        let data = pattern(100, 8);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::send(sp.a(), &data, 0).user_data(1)], &[cqe(1, 100)])?;
        check_eq!(read_some(&sp.b, 200)?, data, "bytes at the peer");
        Ok(())
    },
}

case! {
    id: "ops/send/error-not-socket-enotsock",
    summary: "SEND on a regular file completes with -ENOTSOCK",
    requires: [OpSend],
    variants: variants::DEFAULT,
    refs: ["send(2) ERRORS: ENOTSOCK", "claim:prep.send"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::send(f.fd(), b"x", 0).user_data(1)], &[cqe(1, -libc::ENOTSOCK)])?;
        Ok(())
    },
}

case! {
    id: "ops/recv/receives",
    summary: "RECV returns the bytes the peer sent",
    requires: [OpRecv],
    variants: variants::ALL,
    refs: ["io_uring_prep_recv(3)", "recv(2)", "claim:enter.op.recv", "claim:prep.recv"],
    run: |cx| {
        let sp = SocketPair::stream()?;
        send_all(&sp.b, b"hello")?;
        let buf = IoBuf::new(16);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::recv(sp.a(), &buf, 0).user_data(1)], &[cqe(1, 5)])?;
        check_eq!(&buf.read(..5), b"hello", "bytes received");
        Ok(())
    },
}

case! {
    id: "ops/recv/error-not-socket-enotsock",
    summary: "RECV on a regular file completes with -ENOTSOCK",
    requires: [OpRecv],
    variants: variants::DEFAULT,
    refs: ["recv(2) ERRORS: ENOTSOCK", "claim:prep.recv"],
    run: |cx| {
        let f = TempFile::with_content(b"abc")?;
        let buf = IoBuf::new(4);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::recv(f.fd(), &buf, 0).user_data(1)], &[cqe(1, -libc::ENOTSOCK)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ sendmsg / recvmsg

fn msghdr(iov: &mut [libc::iovec]) -> libc::msghdr {
    // Stays unsafe: libc's C structs have no Default.
    // SAFETY: msghdr is plain data.
    let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
    m.msg_iov = iov.as_mut_ptr();
    m.msg_iovlen = iov.len();
    m
}

case! {
    id: "ops/sendmsg/gathers-datagram",
    summary: "SENDMSG sends its iovecs as one datagram and returns the total",
    requires: [OpSendmsg],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_sendmsg(3)", "sendmsg(2)", "claim:enter.op.sendmsg", "claim:prep.sendmsg"],
    run: |cx| {
        let sp = SocketPair::new(libc::SOCK_DGRAM)?;
        let (a, b) = (b"dat".to_vec(), b"agram".to_vec());
        let mut v = [iov_ro(&a), iov_ro(&b)];
        let m = msghdr(&mut v);
        let mut r = cx.ring()?;
        // SAFETY: m and what it points to (name, iovecs, their buffers, control) are declared before the ring, so they outlive it; what the kernel writes is an IoBuf or IoCell.
        r.run_expect(&[unsafe { Sqe::sendmsg_op(IORING_OP_SENDMSG, sp.a(), &m) }.user_data(1)], &[cqe(1, 8)])?;
        check_eq!(read_some(&sp.b, 64)?, b"datagram".to_vec(), "the datagram");
        Ok(())
    },
}

case! {
    id: "ops/sendmsg/error-not-socket-enotsock",
    summary: "SENDMSG on a regular file completes with -ENOTSOCK",
    requires: [OpSendmsg],
    variants: variants::DEFAULT,
    refs: ["sendmsg(2) ERRORS: ENOTSOCK", "claim:prep.sendmsg"],
    run: |cx| {
        let f = TempFile::empty()?;
        let a = IoBuf::from_bytes(b"x");
        let mut v = [iov(&a)];
        let m = msghdr(&mut v);
        let mut r = cx.ring()?;
        // SAFETY: m and what it points to (name, iovecs, their buffers, control) are declared before the ring, so they outlive it; what the kernel writes is an IoBuf or IoCell.
        r.run_expect(&[unsafe { Sqe::sendmsg_op(IORING_OP_SENDMSG, f.fd(), &m) }.user_data(1)], &[cqe(1, -libc::ENOTSOCK)])?;
        Ok(())
    },
}

case! {
    id: "ops/recvmsg/scatters-datagram",
    summary: "RECVMSG scatters a datagram over its iovecs and returns its length",
    requires: [OpRecvmsg],
    variants: variants::DELIVERY,
    refs: ["io_uring_prep_recvmsg(3)", "recvmsg(2)", "claim:enter.op.recvmsg", "claim:prep.recvmsg"],
    run: |cx| {
        let sp = SocketPair::new(libc::SOCK_DGRAM)?;
        send_all(&sp.b, b"scattered")?;
        let (a, b) = (IoBuf::new(4), IoBuf::new(16));
        let mut v = [iov(&a), iov(&b)];
        let m = IoCell::new(msghdr(&mut v));
        let mut r = cx.ring()?;
        // SAFETY: m and what it points to (name, iovecs, their buffers, control) are declared before the ring, so they outlive it; what the kernel writes is an IoBuf or IoCell.
        r.run_expect(&[unsafe { Sqe::recvmsg(sp.a(), &m) }.user_data(1)], &[cqe(1, 9)])?;
        check_eq!([a.to_vec(), b.read(..5)].concat(), b"scattered".to_vec(), "bytes in the iovecs");
        check_eq!(m.get().msg_flags, 0, "msg_flags");
        Ok(())
    },
}

case! {
    id: "ops/recvmsg/truncated-sets-msg-trunc",
    summary: "RECVMSG of a datagram longer than the buffer returns what fits and sets MSG_TRUNC in msg_flags",
    requires: [OpRecvmsg],
    variants: variants::DEFAULT,
    refs: ["recvmsg(2): MSG_TRUNC in msg_flags (the datagram was larger than the buffer)"],
    run: |cx| {
        let sp = SocketPair::new(libc::SOCK_DGRAM)?;
        send_all(&sp.b, b"0123456789")?;
        let a = IoBuf::new(4);
        let mut v = [iov(&a)];
        let m = IoCell::new(msghdr(&mut v));
        let mut r = cx.ring()?;
        // SAFETY: m and what it points to (name, iovecs, their buffers, control) are declared before the ring, so they outlive it; what the kernel writes is an IoBuf or IoCell.
        r.run_expect(&[unsafe { Sqe::recvmsg(sp.a(), &m) }.user_data(1)], &[cqe(1, 4)])?;
        check_eq!(&a.to_vec(), b"0123", "bytes");
        let m = m.get();
        check!(m.msg_flags & libc::MSG_TRUNC != 0, "msg_flags {:#x} lacks MSG_TRUNC", m.msg_flags);
        Ok(())
    },
}

case! {
    id: "ops/recvmsg/error-not-socket-enotsock",
    summary: "RECVMSG on a regular file completes with -ENOTSOCK",
    requires: [OpRecvmsg],
    variants: variants::DEFAULT,
    refs: ["recvmsg(2) ERRORS: ENOTSOCK", "claim:prep.recvmsg"],
    run: |cx| {
        let f = TempFile::with_content(b"abc")?;
        let a = IoBuf::new(4);
        let mut v = [iov(&a)];
        let m = IoCell::new(msghdr(&mut v));
        let mut r = cx.ring()?;
        // SAFETY: m and what it points to (name, iovecs, their buffers, control) are declared before the ring, so they outlive it; what the kernel writes is an IoBuf or IoCell.
        r.run_expect(&[unsafe { Sqe::recvmsg(f.fd(), &m) }.user_data(1)], &[cqe(1, -libc::ENOTSOCK)])?;
        Ok(())
    },
}

// ------------------------------------------------------------ shutdown

case! {
    id: "ops/shutdown/write-side-eof",
    summary: "SHUTDOWN with SHUT_WR completes with 0 and the peer reads end of file",
    requires: [OpShutdown],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_shutdown(3)", "shutdown(2)", "claim:enter.op.shutdown", "claim:prep.shutdown"],
    run: |cx| {
        let sp = SocketPair::stream()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::shutdown(sp.a(), libc::SHUT_WR).user_data(1)], &[cqe(1, 0)])?;
        let mut b = [0u8; 1];
        check_eq!(rustix::net::recv(&sp.b, &mut b, rustix::net::RecvFlags::DONTWAIT).map(|(n, _)| n), Ok(0), "recv(2) at the peer (0 = end of file)");
        Ok(())
    },
}

case! {
    id: "ops/shutdown/error-bad-how-einval",
    summary: "SHUTDOWN with an undefined how completes with -EINVAL",
    requires: [OpShutdown],
    variants: variants::DEFAULT,
    refs: ["shutdown(2) ERRORS: EINVAL (an invalid value was specified in how)", "claim:prep.shutdown"],
    run: |cx| {
        let sp = SocketPair::stream()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::shutdown(sp.a(), 7).user_data(1)], &[cqe(1, -libc::EINVAL)])?;
        Ok(())
    },
}

case! {
    id: "ops/shutdown/error-not-socket-enotsock",
    summary: "SHUTDOWN of a regular file completes with -ENOTSOCK",
    requires: [OpShutdown],
    variants: variants::DEFAULT,
    refs: ["shutdown(2) ERRORS: ENOTSOCK"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::shutdown(f.fd(), libc::SHUT_WR).user_data(1)], &[cqe(1, -libc::ENOTSOCK)])?;
        Ok(())
    },
}

case! {
    id: "ops/connect/error-no-route-enetunreach",
    summary: "CONNECT to an address with no route (in a fresh network namespace: loopback only, and down) fails with -ENETUNREACH; no packet leaves the namespace",
    requires: [OpConnect, EnvRoot],
    variants: variants::DEFAULT,
    refs: ["connect(2) ERRORS: ENETUNREACH (network is unreachable)", "network_namespaces(7): a new namespace has only a loopback device"],
    run: |cx| {
        let _ = cx;
        let got = cqes_from_child(oracle::scaled(Duration::from_secs(10)), || {
            // Stays unsafe: rustix marks unshare unsafe (for CLONE_FILES).
            // SAFETY: only the network namespace is unshared (in a forked,
            // single-threaded child).
            unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::NEWNET) }.map_err(|e| format!("unshare(CLONE_NEWNET): {e}"))?;
            let s = socket(libc::SOCK_STREAM).map_err(|e| format!("socket: {e}"))?;
            // 192.0.2.1 (TEST-NET-1, RFC 5737): never routed anywhere.
            let mut sa = sockaddr_v4(80);
            sa.sin_addr.s_addr = u32::from_be_bytes([192, 0, 2, 1]).to_be();
            let mut r = CheckedRing::new(4).map_err(|e| format!("ring: {e}"))?;
            r.submit_all(&[Sqe::connect(s.as_raw_fd(), &sa).user_data(1)]).map_err(|e| e.to_string())?;
            r.wait_for(1, oracle::prompt()).map_err(|e| e.to_string())
        })?;
        oracle::check_cqes(&got, &[cqe(1, -libc::ENETUNREACH)])
    },
}
