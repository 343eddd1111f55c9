//! The fork server: trial processes forked from a prepared parent instead
//! of this binary exec'd once per trial.
//!
//! Why: in a TCG guest, starting a process (fork, exec, the loader, the
//! runtime, faulting the binary in) and preparing it (reading the probe,
//! finding the trial) was 69% of a trial's time on 7.3 (median 454 +
//! 288 ms, against a 159 ms case body; `ci/bench-executor.sh`). A process
//! forked from one that has done all of that already starts with its
//! pages mapped and its probe parsed.
//!
//! How: the runner starts one server per worker thread ([`Server::spawn`]:
//! this binary with [`SERVER_ENV`], the probe in its environment, a
//! SOCK_SEQPACKET socket as its stdin). The server reads the probe once,
//! stays single-threaded (so a fork of it is an ordinary process, free to
//! allocate, lock and start threads), and for each [`Request`] forks one
//! trial process, reaps it, and answers [`Reply::Started`] with its pid and
//! [`Reply::Exited`] with its wait status. The request carries the trial's
//! stdout and stderr (the runner's pipes, as SCM_RIGHTS), so the runner
//! reads a forked trial exactly as it reads an exec'd one.
//!
//! The isolation is the exec'd trial's, point by point: the trial process
//! makes its own process group (the runner kills the group at the timeout,
//! as before); it dies with the server (PR_SET_PDEATHSIG), which dies with
//! the runner's worker ([`super::die_with_parent`]), so a runner killed with
//! SIGKILL still leaves nothing running; its stdin is /dev/null, its
//! stdout and stderr are its own pipes, it holds no descriptor of the
//! server's (the socket is replaced, everything else the server holds is
//! close-on-exec and dropped before the fork's child runs); its
//! environment is the server's (the runner's) plus the request's
//! variables (the trial, the timing scale, the mutation target). Nothing a
//! trial does reaches the server or the next trial: each is a fresh fork of
//! a server that never runs a case.
//!
//! A server that dies (the OOM killer, a harness bug) costs the trial it
//! was running an `error` naming that, and the next trial starts a new one;
//! a trial stuck in the kernel after SIGKILL (the server's waitpid never
//! returns) costs its server, which is killed and replaced.

use serde::{Deserialize, Serialize};
use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer, SendAncillaryMessage, SendFlags};

/// Set (to 1) in the environment of a fork server.
pub const SERVER_ENV: &str = "URING_CONFORM_FORK_SERVER";

/// How long a server may take to fork and answer (it does nothing else
/// between a request and its answer); longer means it is gone or stuck.
const ANSWER_BOUND: Duration = Duration::from_secs(30);

/// What the runner asks of a server: start one trial process, with these
/// variables set (Some) or removed (None) in its environment. Its stdout
/// and stderr come with the request as two descriptors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub env: Vec<(String, Option<String>)>,
}

/// What a server answers, in order: `started` (or `refused`), then
/// `exited` once the trial process has been reaped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Reply {
    /// The trial process runs, with this pid (its process group too).
    Started(i32),
    /// It was reaped with this wait status (as waitpid gives it).
    Exited(i32),
    /// The request could not be carried out (a broken request, fork
    /// failed): no trial process exists.
    Refused(String),
}

// ---- the server's side ----------------------------------------------------

/// The server's loop, on this process's stdin (the socket). `trial` runs in
/// each forked process, after its environment is set, and returns its exit
/// code. Returns (the server's exit code) when the runner closes its end.
/// Call only from a single-threaded process: a fork copies only the
/// calling thread.
pub fn serve(trial: impl Fn() -> i32) -> i32 {
    // SAFETY: fd 0 is the socket the runner gave as stdin, open for this
    // whole process; it is only borrowed here.
    let sock = unsafe { BorrowedFd::borrow_raw(0) };
    let me = std::process::id() as i32;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(2))];
        let mut anc = RecvAncillaryBuffer::new(&mut space);
        let got = match rustix::net::recvmsg(sock, &mut [IoSliceMut::new(&mut buf)], &mut anc, RecvFlags::CMSG_CLOEXEC) {
            Ok(m) => m.bytes,
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return 1,
        };
        if got == 0 {
            return 0;
        }
        let mut fds: Vec<OwnedFd> = Vec::new();
        for m in anc.drain() {
            if let RecvAncillaryMessage::ScmRights(it) = m {
                fds.extend(it);
            }
        }
        let req: Request = match serde_json::from_slice(&buf[..got]) {
            Ok(r) => r,
            Err(e) => {
                send(sock, &Reply::Refused(format!("a broken request: {e}")));
                continue;
            }
        };
        let [out, err] = match <[OwnedFd; 2]>::try_from(fds) {
            Ok(p) => p,
            Err(v) => {
                send(sock, &Reply::Refused(format!("a request with {} descriptors, not 2 (stdout, stderr)", v.len())));
                continue;
            }
        };
        // SAFETY: this process is single-threaded (the caller's contract),
        // so the child is a whole copy of it.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            become_trial(me, &req, out, err, &trial);
        }
        drop((out, err));
        if pid < 0 {
            send(sock, &Reply::Refused(format!("fork: {}", std::io::Error::last_os_error())));
            continue;
        }
        send(sock, &Reply::Started(pid));
        let mut status = 0;
        // SAFETY: waiting for our own child; `status` is a valid out pointer.
        while unsafe { libc::waitpid(pid, &mut status, 0) } < 0 {
            if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                // Cannot happen for our own unreaped child; say "killed".
                status = libc::SIGKILL;
                break;
            }
        }
        send(sock, &Reply::Exited(status));
    }
}

/// In the forked child: becomes the trial process (see the module's
/// isolation list), runs `trial`, exits with its code. Never returns.
fn become_trial(server: i32, req: &Request, out: OwnedFd, err: OwnedFd, trial: &impl Fn() -> i32) -> ! {
    // SAFETY: plain syscalls on this process and on descriptors it owns;
    // the process is single-threaded (a fork of a single-threaded server).
    unsafe {
        if libc::setpgid(0, 0) != 0 || libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0) != 0 {
            libc::_exit(121);
        }
        // The server died before the death signal was armed.
        if libc::getppid() != server {
            libc::_exit(122);
        }
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
        // dup2 onto 0 closes this process's copy of the server's socket.
        if null < 0 || libc::dup2(null, 0) < 0 || libc::dup2(out.as_raw_fd(), 1) < 0 || libc::dup2(err.as_raw_fd(), 2) < 0 {
            libc::_exit(123);
        }
        libc::close(null);
    }
    drop((out, err));
    // A trial that re-executes this binary (a helper) must not start
    // another server.
    std::env::remove_var(SERVER_ENV);
    for (k, v) in &req.env {
        match v {
            Some(v) => std::env::set_var(k, v),
            None => std::env::remove_var(k),
        }
    }
    let code = trial();
    // As main's return would: flushes stdout, runs no destructor of the
    // server's state (there is none to run).
    std::process::exit(code)
}

fn send(sock: BorrowedFd<'_>, reply: &Reply) -> bool {
    let bytes = serde_json::to_vec(reply).expect("a reply serialises");
    send_bytes(sock, &bytes, &[])
}

fn send_bytes(sock: BorrowedFd<'_>, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> bool {
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(2))];
    let mut anc = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() && !anc.push(SendAncillaryMessage::ScmRights(fds)) {
        return false;
    }
    loop {
        match rustix::net::sendmsg(sock, &[IoSlice::new(bytes)], &mut anc, SendFlags::NOSIGNAL) {
            Ok(_) => return true,
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return false,
        }
    }
}

// ---- the runner's side ----------------------------------------------------

/// What a server is for: the binary, its arguments and the probe it
/// holds. A server serves only requests made with the same.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerKey {
    pub exe: std::path::PathBuf,
    pub args: Vec<String>,
    pub probe_json: String,
}

/// A running fork server, from the runner's side.
pub struct Server {
    pub key: ServerKey,
    child: Child,
    sock: OwnedFd,
    /// The pid of the trial process started and not yet reaped.
    running: Option<i32>,
}

/// How waiting for a trial process ended.
#[derive(Debug)]
pub enum Waited {
    Exited(ExitStatus),
    /// The bound passed (or the run was interrupted) first.
    NotYet,
    /// The server is gone or said something out of turn: what happened.
    Lost(String),
}

impl Server {
    /// Starts a server: `key.exe` with `key.args`, in its own process
    /// group, dying with this thread ([`super::command`]); `probe_env` names
    /// the variable the probe goes in.
    pub fn spawn(key: ServerKey, probe_env: &str) -> std::io::Result<Server> {
        use rustix::net::{AddressFamily, SocketFlags, SocketType};
        let (ours, theirs) = rustix::net::socketpair(AddressFamily::UNIX, SocketType::SEQPACKET, SocketFlags::CLOEXEC, None)?;
        // The server's stderr is the runner's: a server that panics says so
        // where the run's own messages go.
        let mut cmd = super::command(&key.exe, &key.args, Stdio::inherit());
        cmd.stdin(Stdio::from(theirs)).stdout(Stdio::null()).env(SERVER_ENV, "1").env(probe_env, &key.probe_json);
        let child = cmd.spawn()?;
        Ok(Server { key, child, sock: ours, running: None })
    }

    /// Starts one trial process with `env`, its stdout and stderr the
    /// write ends `out` and `err` (the server takes its own copies: the
    /// caller closes its own once started, so that the pipes end when the
    /// trial process, and what it started, closes them); its pid.
    pub fn start(&mut self, env: Vec<(String, Option<String>)>, out: BorrowedFd<'_>, err: BorrowedFd<'_>) -> Result<i32, String> {
        if let Some(pid) = self.running {
            return Err(format!("the fork server still runs trial process {pid}"));
        }
        let bytes = serde_json::to_vec(&Request { env }).expect("a request serialises");
        if !send_bytes(self.sock.as_fd(), &bytes, &[out, err]) {
            return Err(format!("the fork server (pid {}) does not take requests: {}", self.child.id(), std::io::Error::last_os_error()));
        }
        match self.recv(ANSWER_BOUND, super::StopWaiting::AtDeadline) {
            Ok(Some(Reply::Started(pid))) => {
                self.running = Some(pid);
                Ok(pid)
            }
            Ok(Some(Reply::Refused(why))) => Err(format!("the fork server could not start the trial: {why}")),
            Ok(Some(other)) => Err(format!("the fork server answered {other:?} to a start")),
            Ok(None) => Err(format!("the fork server did not answer within {} s", ANSWER_BOUND.as_secs())),
            Err(why) => Err(why),
        }
    }

    /// Waits up to `timeout` for the running trial process to be reaped.
    pub fn wait(&mut self, timeout: Duration, stop: super::StopWaiting) -> Waited {
        if self.running.is_none() {
            return Waited::Lost("no trial process is running".into());
        }
        match self.recv(timeout, stop) {
            Ok(Some(Reply::Exited(status))) => {
                self.running = None;
                Waited::Exited(std::os::unix::process::ExitStatusExt::from_raw(status))
            }
            Ok(Some(other)) => Waited::Lost(format!("the fork server answered {other:?} while a trial ran")),
            Ok(None) => Waited::NotYet,
            Err(why) => Waited::Lost(why),
        }
    }

    /// The next reply within `timeout`; None when there is none yet.
    fn recv(&mut self, timeout: Duration, stop: super::StopWaiting) -> Result<Option<Reply>, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let now = Instant::now();
            if now >= deadline || (stop == super::StopWaiting::OnInterrupt && crate::interrupt::received().is_some()) {
                return Ok(None);
            }
            let left = (deadline - now).clamp(Duration::from_millis(1), Duration::from_secs(1));
            match fixtures::poll_in(&self.sock, left) {
                Ok(r) if r.is_empty() => continue,
                Ok(_) => {}
                Err(e) => return Err(format!("polling the fork server's socket: {e}")),
            }
            let mut buf = [0u8; 4096];
            let got = match rustix::net::recv(&self.sock, &mut buf, rustix::net::RecvFlags::DONTWAIT) {
                Ok((n, _)) => n,
                Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => continue,
                Err(e) => return Err(format!("reading the fork server's socket: {e}")),
            };
            if got == 0 {
                return Err(format!("the fork server (pid {}) is gone{}", self.child.id(), self.exit_note()));
            }
            return serde_json::from_slice(&buf[..got]).map(Some).map_err(|e| format!("the fork server sent a broken reply ({e})"));
        }
    }

    /// How the server ended, if it has.
    fn exit_note(&mut self) -> String {
        let pid = self.child.id() as i32;
        match super::wait_bounded(&mut self.child, pid, Duration::from_millis(200), super::StopWaiting::AtDeadline) {
            Some(s) => format!(" ({s})"),
            None => String::new(),
        }
    }

    /// Whether this server serves `exe` with `args` and `probe_json` and
    /// can take a request (compared in place: the probe is large, and
    /// this runs for every trial).
    pub fn serves(&self, exe: &Path, args: &[String], probe_json: &str) -> bool {
        // A server that died is noticed by its socket at the next request
        // (the trial is then the executor's error, never run).
        self.key.exe == exe && self.key.args == args && self.key.probe_json == probe_json && self.running.is_none()
    }
}

impl Drop for Server {
    /// Ends the server: its socket closed (it exits on its own when idle),
    /// then SIGKILL to its group (a server blocked on a trial stuck in the
    /// kernel), then reaped.
    fn drop(&mut self) {
        let pid = self.child.id() as i32;
        super::kill_group(pid);
        let _ = super::wait_bounded(&mut self.child, pid, super::UNKILLABLE_GRACE, super::StopWaiting::AtDeadline);
    }
}
