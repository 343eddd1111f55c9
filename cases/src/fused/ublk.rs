//! A minimal zero-copy ublk server, the fixture the fused-command cases
//! need: Debian packages no ublk server, and the series' only user of
//! fused commands is ublk (V6 10/17-17/17: UBLK_F_SUPPORT_ZERO_COPY,
//! UBLK_IO_FUSED_SUBMIT_IO).
//!
//! One device, one queue of depth 1, backed by memory in this process. The
//! protocol (include/uapi/linux/ublk_cmd.h of the series' 6.1 port, and
//! drivers/block/ublk_drv.c):
//! 1. on /dev/ublk-control (uring_cmd on an SQE128 ring): ADD_DEV with
//!    UBLK_F_SUPPORT_ZERO_COPY, then SET_PARAMS;
//! 2. on /dev/ublkcN from the queue thread (the "daemon"): FETCH_REQ for
//!    the tag, with no buffer address (zero copy: the data stays in the
//!    request's pages);
//! 3. START_DEV from another thread (it waits until the queue is ready,
//!    and adding the disk reads its first sectors, which the queue thread
//!    must serve);
//! 4. each request: the FETCH CQE, the descriptor in the mmapped command
//!    buffer, the data moved by a fused pair (primary
//!    UBLK_IO_FUSED_SUBMIT_IO for the tag, secondary READ/WRITE whose
//!    `addr` is an offset into the request's buffer), then
//!    COMMIT_AND_FETCH_REQ with the byte count;
//! 5. STOP_DEV (the pending FETCH ends with UBLK_IO_RES_ABORT), unmap and
//!    close the char device, DEL_DEV (which waits for the char device to
//!    be released).
//!
//! Until [`Ublk::take_requests`] the queue thread serves every request
//! itself; after it, each request is handed to the case, which moves the
//! data with the fused pair under test and calls [`Request::complete`].

use oracle::ring::RingBuilder;
use oracle::sqe::Sqe;
use oracle::sys::*;
use oracle::CaseError;
use oracle::Ring;
use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::sync::mpsc;
use std::time::Duration;

use abi::*;
pub use oracle::sys::fused_v6 as abi;

/// The device's size and block size.
pub const DEV_BYTES: usize = 1 << 20;
const BLOCK_SHIFT: u8 = 12;
const MAX_IO: u32 = 64 << 10;
/// How long a step of the protocol may take (generous; TCG is slow;
/// scaled at each use).
const STEP: Duration = Duration::from_secs(20);

#[repr(C)]
#[derive(Default, Clone, Copy)]
struct CtrlDevInfo {
    nr_hw_queues: u16,
    queue_depth: u16,
    state: u16,
    pad0: u16,
    max_io_buf_bytes: u32,
    dev_id: u32,
    ublksrv_pid: i32,
    pad1: u32,
    flags: u64,
    ublksrv_flags: u64,
    reserved: [u64; 3],
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
struct ParamsBasic {
    len: u32,
    types: u32,
    attrs: u32,
    logical_bs_shift: u8,
    physical_bs_shift: u8,
    io_opt_shift: u8,
    io_min_shift: u8,
    max_sectors: u32,
    chunk_sectors: u32,
    dev_sectors: u64,
    virt_boundary_mask: u64,
}

/// `struct ublksrv_io_desc`, as the driver writes it per tag.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct IoDesc {
    op_flags: u32,
    nr_sectors: u32,
    start_sector: u64,
    addr: u64,
}

/// One request the driver queued, handed to the case.
pub struct Request {
    pub tag: u16,
    pub write: bool,
    pub offset: u64,
    pub bytes: u32,
    done: mpsc::Sender<i32>,
}

impl Request {
    /// Commits the request with `result` (bytes done, or -errno).
    pub fn complete(self, result: i32) {
        let _ = self.done.send(result);
    }
}

/// A started ublk device and its queue thread.
pub struct Ublk {
    ctrl: Ring<'static>,
    ctrl_file: File,
    pub dev_id: u32,
    cdev: Option<File>,
    /// The backing store, shared with the queue thread (a memfd).
    pub backing: File,
    hand_over: mpsc::Sender<mpsc::Sender<Request>>,
    queue: Option<std::thread::JoinHandle<Result<(), String>>>,
}

fn fixture(what: &str, e: impl std::fmt::Display) -> CaseError {
    CaseError::Error(format!("fixture (ublk server): {what}: {e}"))
}

/// One control command on the SQE128 control ring; returns its res.
/// `addr` is 0 or leaked memory (the ring is `'static`).
fn ctrl_cmd(ring: &mut Ring<'static>, fd: i32, cmd_op: u32, dev_id: u32, addr: u64, len: u16, data0: u64) -> Result<i32, CaseError> {
    // SAFETY: fd is /dev/ublk-control; addr is 0 or memory leaked for the
    // rest of the process (a command that does not complete within STEP
    // may still write it).
    let s = unsafe { Sqe::ublk_ctrl_cmd(fd, cmd_op, dev_id, addr, len, data0) };
    ring.push_all(&[s.user_data(cmd_op as u64)]).map_err(|e| fixture("control SQ", format!("{e:?}")))?;
    ring.submit().map_err(|e| fixture("control submit", e))?;
    let got = ring.wait_for(1, oracle::scaled(STEP)).map_err(|e| fixture("control wait", e))?;
    got.first().map(|c| c.res).ok_or_else(|| fixture("control command", format!("no CQE for command {cmd_op:#x} within {STEP:?}")))
}

impl Ublk {
    /// Adds, configures and starts a zero-copy device backed by
    /// `content` (padded to [`DEV_BYTES`]).
    pub fn start(content: &[u8]) -> Result<Ublk, CaseError> {
        let ctrl_file = OpenOptions::new().read(true).write(true).open("/dev/ublk-control").map_err(|e| fixture("open /dev/ublk-control", e))?;
        let mut ctrl = RingBuilder::new(4).flags(IORING_SETUP_SQE128).build().map_err(|e| fixture("control ring", e))?;
        let cfd = ctrl_file.as_raw_fd();
        let info: &'static uring::IoCell<CtrlDevInfo> = Box::leak(Box::new(uring::IoCell::new(CtrlDevInfo {
            nr_hw_queues: 1,
            queue_depth: 1,
            max_io_buf_bytes: MAX_IO,
            dev_id: u32::MAX,
            flags: UBLK_F_SUPPORT_ZERO_COPY,
            ..Default::default()
        })));
        let res = ctrl_cmd(&mut ctrl, cfd, UBLK_CMD_ADD_DEV, u32::MAX, info.as_ptr() as u64, std::mem::size_of::<CtrlDevInfo>() as u16, 0)?;
        if res != 0 {
            return Err(fixture("ADD_DEV with UBLK_F_SUPPORT_ZERO_COPY", res_name(res)));
        }
        let dev_id = info.get().dev_id;
        let params = ParamsBasic {
            len: std::mem::size_of::<ParamsBasic>() as u32,
            types: UBLK_PARAM_TYPE_BASIC,
            logical_bs_shift: BLOCK_SHIFT,
            physical_bs_shift: BLOCK_SHIFT,
            io_min_shift: BLOCK_SHIFT,
            io_opt_shift: BLOCK_SHIFT,
            max_sectors: MAX_IO >> 9,
            dev_sectors: (DEV_BYTES >> 9) as u64,
            ..Default::default()
        };
        let mut u = Ublk { ctrl, ctrl_file, dev_id, cdev: None, backing: memfd(content)?, hand_over: mpsc::channel().0, queue: None };
        let len = params.len as u16;
        let params: &'static uring::IoCell<ParamsBasic> = Box::leak(Box::new(uring::IoCell::new(params)));
        let res = ctrl_cmd(&mut u.ctrl, cfd, UBLK_CMD_SET_PARAMS, dev_id, params.as_ptr() as u64, len, 0)?;
        if res != 0 {
            return Err(fixture("SET_PARAMS", res_name(res)));
        }
        let cpath = format!("/dev/ublkc{dev_id}");
        let cdev = open_when_there(&cpath)?;
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
        let (hand_tx, hand_rx) = mpsc::channel::<mpsc::Sender<Request>>();
        let (qfd, bfd) = (cdev.try_clone().map_err(|e| fixture("dup char device", e))?, u.backing.try_clone().map_err(|e| fixture("dup backing", e))?);
        u.queue = Some(std::thread::spawn(move || queue_thread(qfd, bfd, ready_tx, hand_rx)));
        u.cdev = Some(cdev);
        u.hand_over = hand_tx;
        match ready_rx.recv_timeout(oracle::scaled(STEP)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(fixture("queue thread", e)),
            Err(_) => return Err(fixture("queue thread", "not ready")),
        }
        let pid = rustix::process::getpid().as_raw_nonzero().get() as u64;
        let res = ctrl_cmd(&mut u.ctrl, cfd, UBLK_CMD_START_DEV, dev_id, 0, 0, pid)?;
        if res != 0 {
            return Err(fixture("START_DEV", res_name(res)));
        }
        Ok(u)
    }

    /// The char device /dev/ublkcN (the fd fused primaries go to).
    pub fn cdev_fd(&self) -> i32 {
        self.cdev.as_ref().map(|f| f.as_raw_fd()).unwrap_or(-1)
    }

    /// The block device /dev/ublkbN.
    pub fn bdev_path(&self) -> String {
        format!("/dev/ublkb{}", self.dev_id)
    }

    /// From now on, requests go to the returned receiver instead of being
    /// served by the queue thread.
    pub fn take_requests(&self) -> mpsc::Receiver<Request> {
        let (tx, rx) = mpsc::channel();
        let _ = self.hand_over.send(tx);
        rx
    }
}

impl Drop for Ublk {
    fn drop(&mut self) {
        let cfd = self.ctrl_file.as_raw_fd();
        let _ = ctrl_cmd(&mut self.ctrl, cfd, UBLK_CMD_STOP_DEV, self.dev_id, 0, 0, 0);
        if let Some(q) = self.queue.take() {
            let _ = q.join();
        }
        // DEL_DEV waits until the char device is released.
        self.cdev.take();
        let _ = ctrl_cmd(&mut self.ctrl, cfd, UBLK_CMD_DEL_DEV, self.dev_id, 0, 0, 0);
    }
}

fn memfd(content: &[u8]) -> Result<File, CaseError> {
    let f = File::from(rustix::fs::memfd_create(c"uring-conform-ublk", rustix::fs::MemfdFlags::CLOEXEC).map_err(|e| fixture("memfd_create", e))?);
    f.set_len(DEV_BYTES as u64).map_err(|e| fixture("size the backing memfd", e))?;
    std::os::unix::fs::FileExt::write_all_at(&f, &content[..content.len().min(DEV_BYTES)], 0).map_err(|e| fixture("fill the backing memfd", e))?;
    Ok(f)
}

/// devtmpfs creates the node asynchronously after ADD_DEV.
fn open_when_there(path: &str) -> Result<File, CaseError> {
    let mut last = None;
    let there = fixtures::wait_until(oracle::scaled(STEP), || match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => {
            last = Some(Ok(f));
            true
        }
        Err(e) => {
            last = Some(Err(e));
            false
        }
    });
    match last {
        Some(Ok(f)) if there => Ok(f),
        Some(Err(e)) => Err(fixture(&format!("open {path}"), e)),
        _ => Err(fixture(&format!("open {path}"), "not there")),
    }
}

const FETCH_UD: u64 = 0xfe7c;

/// The queue's daemon: FETCH, then per request either serve it here
/// (a fused pair on this thread's own ring) or hand it to the case, then
/// COMMIT_AND_FETCH, until the device stops.
fn queue_thread(cdev: File, backing: File, ready: mpsc::Sender<Result<(), String>>, hand_over: mpsc::Receiver<mpsc::Sender<Request>>) -> Result<(), String> {
    let fd = cdev.as_raw_fd();
    let mut ring: Ring<'static> = match RingBuilder::new(8).series_flags(IORING_SETUP_FUSED_REQ).build() {
        Ok(r) => r,
        Err(e) => {
            let _ = ready.send(Err(format!("queue ring with IORING_SETUP_FUSED_REQ: {e}")));
            return Err(e.to_string());
        }
    };
    // The descriptors: one struct ublksrv_io_desc per tag at offset 0.
    let iod = match fixtures::Mapping::shared_read_only(&cdev, 0, 4096) {
        Ok(m) => m,
        Err(e) => {
            let _ = ready.send(Err(format!("mmap the command buffer: {e}")));
            return Err(e.to_string());
        }
    };
    let step = |ring: &mut Ring<'static>, s: Sqe<'static>| -> Result<(), String> {
        ring.push_all(&[s.user_data(FETCH_UD)]).map_err(|e| format!("{e:?}"))?;
        ring.submit().map_err(|e| e.to_string()).map(|_| ())
    };
    // SAFETY: fd is the ublk char device, whose command reads addr3 as tag and result.
    step(&mut ring, unsafe { Sqe::ublk_io_cmd(IORING_OP_URING_CMD, fd, UBLK_IO_FETCH_REQ, 0, -1) })?;
    let _ = ready.send(Ok(()));
    let mut case: Option<mpsc::Sender<Request>> = None;
    loop {
        // The FETCH (or COMMIT_AND_FETCH) completes when a request comes,
        // or with UBLK_IO_RES_ABORT when the device stops; no bound here:
        // STOP_DEV ends it.
        let got = ring.wait_for(1, oracle::scaled(Duration::from_secs(3600))).map_err(|e| e.to_string())?;
        let Some(c) = got.first() else { continue };
        if c.res != 0 {
            drop(iod);
            return Ok(()); // -ENODEV: stopped
        }
        if let Ok(tx) = hand_over.try_recv() {
            case = Some(tx);
        }
        // SAFETY: IoDesc is integers only; tag 0's descriptor lies at the
        // start of the mapping.
        let d: IoDesc = unsafe { iod.read_value(0) };
        let op = d.op_flags & 0xff;
        let (offset, bytes) = (d.start_sector << 9, d.nr_sectors << 9);
        let result = match (&case, op) {
            (Some(tx), UBLK_IO_OP_READ | UBLK_IO_OP_WRITE) => {
                let (done_tx, done_rx) = mpsc::channel();
                let r = Request { tag: 0, write: op == UBLK_IO_OP_WRITE, offset, bytes, done: done_tx };
                if tx.send(r).is_err() {
                    -libc::EIO
                } else {
                    done_rx.recv_timeout(oracle::scaled(STEP)).unwrap_or(-libc::EIO)
                }
            }
            (None, UBLK_IO_OP_READ | UBLK_IO_OP_WRITE) => {
                let sec_op = if op == UBLK_IO_OP_READ { IORING_OP_READ } else { IORING_OP_WRITE };
                // SAFETY: fd is the ublk char device, whose command reads
                // addr3 as tag and result; the secondary's buf_off 0 is an
                // offset into the lent buffer (read as an address, on a
                // kernel without the series, it is NULL: EFAULT).
                let pair = unsafe { [Sqe::fused_primary(fd, 0, 1), Sqe::fused_secondary(sec_op, backing.as_raw_fd(), 0, bytes, offset)] };
                ring.push_all(&[pair[0].user_data(1), pair[1].user_data(2)]).map_err(|e| format!("{e:?}"))?;
                ring.submit().map_err(|e| e.to_string())?;
                let got = ring.wait_for(2, oracle::scaled(STEP)).map_err(|e| e.to_string())?;
                match got.iter().find(|c| c.user_data == 2) {
                    Some(c) => c.res,
                    None => -libc::EIO,
                }
            }
            _ => 0, // flush and the like: nothing to move
        };
        // SAFETY: fd is the ublk char device, whose command reads addr3 as tag and result.
        step(&mut ring, unsafe { Sqe::ublk_io_cmd(IORING_OP_URING_CMD, fd, UBLK_IO_COMMIT_AND_FETCH_REQ, 0, result) })?;
    }
}
