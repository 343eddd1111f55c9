//! The probe: asks the running kernel what io_uring supports, feature by
//! feature, with a few syscalls each. Only the probe decides skips.
//!
//! Each detector is built so that the one answer meaning "unknown" is the
//! one the kernel gives for an unknown flag or opcode (EINVAL, or a CQE
//! with -EINVAL); any other answer means the kernel knows the feature.

use crate::features::{Detect, Env, Feature, OpFlag, Proposal, FEATURES};
use crate::ring::{Ring, RingBuilder, Sqe};
use crate::sys::*;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;

mod collisions;
mod isolated;
pub use isolated::{child_main as probe_child_main, PROBE_CHILD_ENV};

/// Whether io_uring can be used at all, and if not, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Availability {
    Ok,
    /// sysctl kernel.io_uring_disabled (1: only io_uring_group, 2: nobody).
    Disabled,
    /// A seccomp filter (or LSM) answered io_uring_setup with ENOSYS/EPERM.
    Blocked,
    /// ENOMEM from io_uring_setup: RLIMIT_MEMLOCK too small (kernels
    /// before 5.12 charge ring memory to it).
    NoMemory,
    /// ENOSYS without a seccomp filter: kernel built without io_uring.
    NotBuilt,
    /// Any other errno.
    Error,
}

impl Availability {
    pub fn word(&self) -> &'static str {
        match self {
            Availability::Ok => "ok",
            Availability::Disabled => "disabled",
            Availability::Blocked => "blocked",
            Availability::NoMemory => "no_memory",
            Availability::NotBuilt => "not_built",
            Availability::Error => "error",
        }
    }
    pub fn from_word(w: &str) -> Availability {
        match w {
            "ok" => Availability::Ok,
            "disabled" => Availability::Disabled,
            "blocked" => Availability::Blocked,
            "no_memory" => Availability::NoMemory,
            "not_built" => Availability::NotBuilt,
            _ => Availability::Error,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KernelInfo {
    pub release: String,
    pub version: String,
    pub machine: String,
}

impl KernelInfo {
    pub fn current() -> KernelInfo {
        // SAFETY: uname fills a zeroed struct.
        let mut u: libc::utsname = unsafe { std::mem::zeroed() };
        unsafe { libc::uname(&mut u) };
        let s = |f: &[libc::c_char]| {
            // SAFETY: uname NUL-terminates each field.
            unsafe { std::ffi::CStr::from_ptr(f.as_ptr()) }.to_string_lossy().into_owned()
        };
        KernelInfo { release: s(&u.release), version: s(&u.version), machine: s(&u.machine) }
    }
    pub fn to_json(&self) -> Value {
        json!({"release": self.release, "version": self.version, "machine": self.machine})
    }
}

/// The probe's result.
#[derive(Clone, Debug)]
pub struct Probe {
    pub kernel: KernelInfo,
    pub availability: Availability,
    /// Why io_uring is unavailable (empty when it is available).
    pub availability_detail: String,
    present: Vec<bool>,
    /// Per feature, what the kernel answered when it was found absent.
    pub notes: BTreeMap<&'static str, String>,
    /// The params a default ring got (sq/cq entries, features).
    pub params: Option<io_uring_params>,
}

impl Probe {
    pub fn has(&self, f: Feature) -> bool {
        self.present[f as usize]
    }
    /// Features from `want` that this kernel lacks.
    pub fn missing(&self, want: &[Feature]) -> Vec<Feature> {
        want.iter().copied().filter(|f| !self.has(*f)).collect()
    }
    pub fn available(&self) -> bool {
        self.availability == Availability::Ok
    }

    /// A probe where every feature is absent for one stated reason.
    fn unavailable(kernel: KernelInfo, a: Availability, detail: String) -> Probe {
        let mut p = Probe { kernel, availability: a, availability_detail: detail, present: vec![false; FEATURES.len()], notes: BTreeMap::new(), params: None };
        for f in FEATURES {
            if let Detect::Env(e) = f.detect {
                p.present[f.feature as usize] = detect_env(e);
            }
        }
        p
    }

    /// The probe of a run that never happened (a VM that hung or
    /// panicked): kernel `release`, availability `error` with `why`.
    pub fn failed(release: &str, why: &str) -> Probe {
        let kernel = KernelInfo { release: release.to_string(), version: String::new(), machine: std::env::consts::ARCH.to_string() };
        let mut p = Probe::unavailable(kernel, Availability::Error, why.to_string());
        p.present = vec![false; FEATURES.len()];
        p
    }

    /// Probes the running kernel, each detection step in a child process
    /// ([`isolated`]): a step that crashes or hangs on a deviating kernel
    /// is recorded against its feature and the probe goes on. The binary
    /// must call [`crate::runner::child_main`] first thing in `main`.
    pub fn run() -> Probe {
        isolated::run()
    }

    /// [`Probe::run_in_process`] with every step, quietly.
    pub fn run_here() -> Probe {
        Probe::run_in_process(&[], &mut |_| {})
    }

    /// Probes the running kernel in this process (tests, and the probe's
    /// own child; the process limits are [`Probe::run`]'s, in the parent
    /// whose children inherit them). `skip` names features whose step is not run (left
    /// absent); `step` is told before and after each step.
    pub fn run_in_process(skip: &[String], step: &mut dyn FnMut(Step<'_>)) -> Probe {
        let kernel = KernelInfo::current();
        let base = match Ring::new(4) {
            Ok(r) => r,
            Err(e) => {
                let (a, detail) = classify_setup_error(e);
                return Probe::unavailable(kernel, a, detail);
            }
        };
        // io_uring_register and io_uring_enter blocked (a seccomp filter
        // or LSM answering EPERM, EACCES or ENOSYS) are a blocked
        // environment, not a kernel without opcodes or features.
        let ops = match probe_ops(&base) {
            Ok(ops) => ops,
            Err(e) if blocked(e) => return Probe::unavailable(kernel, Availability::Blocked, format!("io_uring_register: {e}: a seccomp filter or LSM policy blocks the system call (io_uring_setup works)")),
            Err(_) => vec![],
        };
        let mut base = base;
        if let Err(e) = base.enter(0, 0, 0, std::ptr::null(), 0) {
            if blocked(e) {
                return Probe::unavailable(kernel, Availability::Blocked, format!("io_uring_enter: {e}: a seccomp filter or LSM policy blocks the system call (io_uring_setup works)"));
            }
        }
        let mut p = Probe::unavailable(kernel, Availability::Ok, String::new());
        p.params = Some(base.params);
        for f in FEATURES {
            if skip.iter().any(|s| s == f.id) {
                continue;
            }
            step(Step::Start(f.id));
            let r: Result<(), String> = match f.detect {
                Detect::Op(op) => {
                    if !ops.get(op as usize).copied().unwrap_or(false) {
                        Err("not in IORING_REGISTER_PROBE".into())
                    } else {
                        collisions::opcode(op, &ops, &mut base)
                    }
                }
                Detect::Feat(bit) => {
                    if base.params.features & bit != 0 { Ok(()) } else { Err("bit clear in params.features".into()) }
                }
                Detect::Setup(flag) => detect_setup(flag, base.fd()),
                Detect::Enter(flag) => detect_enter(flag),
                Detect::Sqe(flag) => detect_sqe(&mut base, flag),
                Detect::Register(op) => detect_register(op),
                Detect::OpFlag(of) => detect_opflag(of),
                Detect::Proposal(pr) => detect_proposal(pr, &ops, base.params.features),
                Detect::Env(e) => if detect_env(e) { Ok(()) } else { Err("not in this environment".into()) },
            };
            step(Step::Done(f.id, &r));
            p.set(f.id, r);
        }
        collisions::resolve(&mut p);
        p
    }

    /// Records one detection's result.
    fn set(&mut self, id: &str, r: Result<(), String>) {
        let Some(f) = FEATURES.iter().find(|f| f.id == id) else { return };
        match r {
            Ok(()) => {
                self.present[f.feature as usize] = true;
                self.notes.remove(f.id);
            }
            Err(why) => {
                self.present[f.feature as usize] = false;
                self.notes.insert(f.id, why);
            }
        }
    }

    /// The probe JSON (docs/report-schema.md, "probe").
    pub fn to_json(&self) -> Value {
        let mut feats = Map::new();
        for f in FEATURES {
            feats.insert(f.id.to_string(), Value::Bool(self.present[f.feature as usize]));
        }
        let params = self.params.map(|p| {
            json!({
                "sq_entries": p.sq_entries, "cq_entries": p.cq_entries,
                "features": p.features, "flags": p.flags,
                "sq_off": {"head": p.sq_off.head, "tail": p.sq_off.tail, "ring_mask": p.sq_off.ring_mask, "ring_entries": p.sq_off.ring_entries, "flags": p.sq_off.flags, "dropped": p.sq_off.dropped, "array": p.sq_off.array},
                "cq_off": {"head": p.cq_off.head, "tail": p.cq_off.tail, "ring_mask": p.cq_off.ring_mask, "ring_entries": p.cq_off.ring_entries, "overflow": p.cq_off.overflow, "cqes": p.cq_off.cqes, "flags": p.cq_off.flags},
            })
        });
        json!({
            "kernel": self.kernel.to_json(),
            "availability": self.availability.word(),
            "availability_detail": self.availability_detail,
            "features": feats,
            "params": params.unwrap_or(Value::Null),
            "notes": self.notes,
        })
    }

    /// Reads back [`Probe::to_json`] (the child process gets the parent's
    /// probe this way instead of probing again).
    pub fn from_json(v: &Value) -> Option<Probe> {
        let k = v.get("kernel")?;
        let s = |o: &Value, key: &str| o.get(key).and_then(Value::as_str).unwrap_or("").to_string();
        let kernel = KernelInfo { release: s(k, "release"), version: s(k, "version"), machine: s(k, "machine") };
        let mut p = Probe::unavailable(kernel, Availability::from_word(v.get("availability")?.as_str()?), s(v, "availability_detail"));
        let feats = v.get("features")?.as_object()?;
        for f in FEATURES {
            p.present[f.feature as usize] = feats.get(f.id).and_then(Value::as_bool).unwrap_or(false);
        }
        if let Some(pp) = v.get("params").filter(|x| !x.is_null()) {
            let g = |o: &Value, key: &str| o.get(key).and_then(Value::as_u64).unwrap_or(0) as u32;
            let mut params = io_uring_params { sq_entries: g(pp, "sq_entries"), cq_entries: g(pp, "cq_entries"), features: g(pp, "features"), flags: g(pp, "flags"), ..Default::default() };
            if let Some(o) = pp.get("sq_off") {
                params.sq_off = io_sqring_offsets { head: g(o, "head"), tail: g(o, "tail"), ring_mask: g(o, "ring_mask"), ring_entries: g(o, "ring_entries"), flags: g(o, "flags"), dropped: g(o, "dropped"), array: g(o, "array"), ..Default::default() };
            }
            if let Some(o) = pp.get("cq_off") {
                params.cq_off = io_cqring_offsets { head: g(o, "head"), tail: g(o, "tail"), ring_mask: g(o, "ring_mask"), ring_entries: g(o, "ring_entries"), overflow: g(o, "overflow"), cqes: g(o, "cqes"), flags: g(o, "flags"), ..Default::default() };
            }
            p.params = Some(params);
        }
        if let Some(n) = v.get("notes").and_then(Value::as_object) {
            for f in FEATURES {
                if let Some(t) = n.get(f.id).and_then(Value::as_str) {
                    p.notes.insert(f.id, t.to_string());
                }
            }
        }
        Some(p)
    }

    /// A readable table for `uring-conform probe`: a short summary first
    /// (kernel, availability, present/total per class, the absent
    /// features named), then every feature with its note.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        out += &format!("kernel: {} {} ({})\n", self.kernel.release, self.kernel.machine, self.kernel.version);
        out += &format!("io_uring: {}", self.availability.word());
        if !self.availability_detail.is_empty() {
            out += &format!(" ({})", self.availability_detail);
        }
        out += "\n";
        let mut classes: Vec<&str> = FEATURES.iter().map(|f| f.feature.class()).collect();
        classes.dedup();
        let width = FEATURES.iter().map(|f| f.id.len()).max().unwrap_or(0);
        out += "\nsummary (present/total per class; absent ones named):\n";
        for c in &classes {
            let of: Vec<_> = FEATURES.iter().filter(|f| f.feature.class() == *c).collect();
            let absent: Vec<&str> = of.iter().filter(|f| !self.has(f.feature)).map(|f| f.id).collect();
            let shown = if absent.len() > 8 { format!("{} and {} more", absent[..8].join(", "), absent.len() - 8) } else { absent.join(", ") };
            out += &format!("  {c:<9} {:>3}/{:<3} {}\n", of.len() - absent.len(), of.len(), if absent.is_empty() { String::new() } else { format!("absent: {shown}") });
        }
        let mut class = "";
        for f in FEATURES {
            let c = f.feature.class();
            if c != class {
                let (n, t) = FEATURES.iter().filter(|g| g.feature.class() == c).fold((0, 0), |(n, t), g| (n + self.has(g.feature) as usize, t + 1));
                out += &format!("\n{c} ({n}/{t} present)\n");
                class = c;
            }
            let mark = if self.has(f.feature) { "yes" } else { "no " };
            let since = if f.since.is_empty() { String::new() } else { format!("since {}", f.since) };
            let note = self.notes.get(f.id).map(|n| format!("  [{n}]")).unwrap_or_default();
            out += &format!("  {mark}  {:<width$} {:<11}{}\n", f.id, since, note);
        }
        out
    }
}

/// What [`Probe::run_in_process`] reports as it goes.
pub enum Step<'a> {
    Start(&'static str),
    Done(&'static str, &'a Result<(), String>),
}

/// Turns io_uring_setup's errno into an availability with the reason.
pub fn classify_setup_error(e: Errno) -> (Availability, String) {
    let sysctl = std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled").ok().and_then(|s| s.trim().parse::<u32>().ok());
    let seccomp = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Seccomp:")).map(|l| l[8..].trim().to_string()))
        .unwrap_or_default();
    let filtered = seccomp == "2";
    match e.0 {
        libc::EPERM if sysctl.unwrap_or(0) > 0 => (
            Availability::Disabled,
            format!("io_uring_setup: EPERM; sysctl kernel.io_uring_disabled = {} ({})", sysctl.unwrap_or(0), if sysctl == Some(2) { "disabled for everyone" } else { "only members of kernel.io_uring_group may create rings" }),
        ),
        libc::EPERM => (Availability::Blocked, format!("io_uring_setup: EPERM with kernel.io_uring_disabled = {}; a seccomp filter or LSM policy refuses it (Seccomp: {seccomp})", sysctl.unwrap_or(0))),
        libc::ENOSYS if filtered => (Availability::Blocked, "io_uring_setup: ENOSYS under a seccomp filter (Seccomp: 2): the filter blocks the system call".into()),
        libc::ENOSYS => (Availability::NotBuilt, "io_uring_setup: ENOSYS without a seccomp filter: kernel built without CONFIG_IO_URING".into()),
        libc::ENOMEM => {
            let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            // SAFETY: valid out-pointer.
            unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut rl) };
            (Availability::NoMemory, format!("io_uring_setup: ENOMEM; RLIMIT_MEMLOCK is {} bytes (io_uring charges ring memory to it on kernels before 5.12, and registered buffers on all: raise it with ulimit -l)", rl.rlim_cur))
        }
        _ => (Availability::Error, format!("io_uring_setup: {e}")),
    }
}

/// An errno that means the system call was refused by policy (seccomp,
/// LSM), not answered by io_uring.
fn blocked(e: Errno) -> bool {
    matches!(e.0, libc::EPERM | libc::EACCES | libc::ENOSYS)
}

/// IORING_REGISTER_PROBE: which opcodes the kernel supports.
fn probe_ops(ring: &Ring) -> Result<Vec<bool>, Errno> {
    const N: usize = 256;
    let mut buf = vec![0u8; std::mem::size_of::<io_uring_probe>() + N * std::mem::size_of::<io_uring_probe_op>()];
    // SAFETY: buf holds the header plus N ops.
    unsafe { ring.register_raw(IORING_REGISTER_PROBE, buf.as_mut_ptr() as *const _, N as u32) }?;
    Ok(parse_probe_buffer(&buf))
}

/// Decodes a filled `struct io_uring_probe` buffer into per-opcode support.
pub fn parse_probe_buffer(buf: &[u8]) -> Vec<bool> {
    let hdr = std::mem::size_of::<io_uring_probe>();
    if buf.len() < hdr {
        return vec![];
    }
    let ops_len = buf[1] as usize;
    (0..ops_len)
        .map(|i| {
            let o = hdr + i * 8;
            if o + 8 > buf.len() {
                return false;
            }
            let flags = u16::from_ne_bytes([buf[o + 2], buf[o + 3]]);
            buf[o] as usize == i && flags & IO_URING_OP_SUPPORTED != 0
        })
        .collect()
}

fn first_allowed_cpu() -> u32 {
    // SAFETY: cpu_set_t is plain data.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    (0..libc::CPU_SETSIZE as usize).find(|&c| unsafe { libc::CPU_ISSET(c, &set) }).unwrap_or(0) as u32
}

/// Number of CPUs this process may run on.
pub fn allowed_cpus() -> usize {
    // SAFETY: cpu_set_t is plain data.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    (0..libc::CPU_SETSIZE as usize).filter(|&c| unsafe { libc::CPU_ISSET(c, &set) }).count()
}

/// The setup flags a flag needs beside itself (io_uring_setup(2)).
pub fn setup_prerequisites(flag: u32) -> u32 {
    match flag {
        IORING_SETUP_SQ_AFF => IORING_SETUP_SQPOLL,
        IORING_SETUP_TASKRUN_FLAG => IORING_SETUP_COOP_TASKRUN,
        IORING_SETUP_DEFER_TASKRUN => IORING_SETUP_SINGLE_ISSUER,
        IORING_SETUP_REGISTERED_FD_ONLY => IORING_SETUP_NO_MMAP,
        IORING_SETUP_HYBRID_IOPOLL => IORING_SETUP_IOPOLL,
        IORING_SETUP_SQ_REWIND => IORING_SETUP_NO_SQARRAY,
        _ => 0,
    }
}

fn detect_setup(flag: u32, base_fd: i32) -> Result<(), String> {
    let mut b = RingBuilder::new(4).flags(flag | setup_prerequisites(flag));
    match flag {
        IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF => {
            b.params.sq_thread_idle = 10;
            b.params.sq_thread_cpu = first_allowed_cpu();
        }
        IORING_SETUP_CQSIZE => b.params.cq_entries = 16,
        IORING_SETUP_CLAMP => b.entries = 1 << 20,
        IORING_SETUP_ATTACH_WQ => b.params.wq_fd = base_fd as u32,
        _ => {}
    }
    b.build().map(|_| ()).map_err(|e| collisions::setup_error(flag, e))
}

fn detect_enter(flag: u32) -> Result<(), String> {
    let mut ring = Ring::new(4).map_err(|e| format!("setup: {e}"))?;
    let r = match flag {
        IORING_ENTER_EXT_ARG => {
            let arg = io_uring_getevents_arg::default();
            ring.enter(0, 0, IORING_ENTER_GETEVENTS | flag, &arg as *const _ as *const _, std::mem::size_of_val(&arg))
        }
        IORING_ENTER_ABS_TIMER => {
            // An absolute time of zero has passed: ETIME at once.
            let ts = __kernel_timespec::default();
            let arg = io_uring_getevents_arg { ts: &ts as *const _ as u64, ..Default::default() };
            ring.enter(0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | flag, &arg as *const _ as *const _, std::mem::size_of_val(&arg))
        }
        IORING_ENTER_EXT_ARG_REG => {
            // Offset 0 into a wait region that was never registered: EFAULT
            // where the flag is known (io_uring/io_uring.c io_get_ext_arg).
            ring.enter(0, 0, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | flag, std::ptr::null(), std::mem::size_of::<io_uring_reg_wait>())
        }
        IORING_ENTER_REGISTERED_RING => match ring.register_ring_fd() {
            Ok(_) => ring.enter(0, 0, IORING_ENTER_GETEVENTS, std::ptr::null(), 0),
            Err(e) => Err(e),
        },
        _ => ring.enter(0, 0, flag, std::ptr::null(), 0),
    };
    match r {
        Ok(_) | Err(Errno(libc::ETIME)) => Ok(()),
        Err(Errno(libc::EFAULT)) if flag == IORING_ENTER_EXT_ARG_REG => Ok(()),
        Err(e) => Err(format!("io_uring_enter: {e}")),
    }
}

/// Submits `sqes` on `ring` and collects every CQE within a short bound.
pub(crate) fn run_sqes(ring: &mut Ring, sqes: &[Sqe], want: u32) -> Result<Vec<crate::ring::Cqe>, String> {
    ring.push_all(sqes).map_err(|e| format!("push: {e}"))?;
    // An SQE the kernel rejects at submission stops the batch: wait only
    // for what it consumed.
    let consumed = ring.submit().map_err(|e| format!("submit: {e}"))?;
    let mut got = ring.wait_for(want.min(consumed), Duration::from_secs(2)).map_err(|e| format!("wait: {e}"))?;
    got.extend(ring.drain_ready().map_err(|e| format!("wait: {e}"))?);
    Ok(got)
}

fn detect_sqe(ring: &mut Ring, flag: u8) -> Result<(), String> {
    let got = match flag {
        IOSQE_BUFFER_SELECT => {
            // A read selecting from a group that does not exist: ENOBUFS
            // where the flag is known.
            let f = std::fs::File::open("/dev/zero").map_err(|e| e.to_string())?;
            let mut s = Sqe::op(IORING_OP_READ).with(flag).user_data(1);
            s.raw.fd = std::os::fd::AsRawFd::as_raw_fd(&f);
            s.raw.len = 16;
            s.raw.buf_index = 0xfffe;
            let got = run_sqes(ring, &[s], 1)?;
            return match got.as_slice() {
                [c] if c.res == -libc::ENOBUFS => Ok(()),
                other => Err(format!("READ|BUFFER_SELECT with no group gave {}", fmt_cqes(other))),
            };
        }
        IOSQE_CQE_SKIP_SUCCESS => {
            let got = run_sqes(ring, &[Sqe::nop().with(flag).user_data(1), Sqe::nop().user_data(2)], 1)?;
            return match got.as_slice() {
                [c] if c.user_data == 2 && c.res == 0 => Ok(()),
                other => Err(format!("NOP|CQE_SKIP_SUCCESS then NOP gave {}", fmt_cqes(other))),
            };
        }
        IOSQE_IO_LINK | IOSQE_IO_HARDLINK => run_sqes(ring, &[Sqe::nop().with(flag).user_data(1), Sqe::nop().user_data(2)], 2)?,
        _ => run_sqes(ring, &[Sqe::nop().with(flag).user_data(1)], 1)?,
    };
    if !got.is_empty() && got.iter().all(|c| c.res == 0) {
        Ok(())
    } else {
        Err(format!("NOP with flag {flag:#x} gave {}", fmt_cqes(&got)))
    }
}

pub(crate) fn fmt_cqes(c: &[crate::ring::Cqe]) -> String {
    if c.is_empty() {
        return "no CQE".into();
    }
    c.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ")
}

/// An address no process has mapped: the kernel must answer EFAULT when it
/// copies from it. (The lowest page is never mapped: vm.mmap_min_addr.)
const BAD_PTR: *const libc::c_void = 8 as *const libc::c_void;

/// Crafted register calls: for each opcode, arguments that a kernel knowing
/// it answers with something other than EINVAL (mostly EFAULT from the bad
/// pointer, ENXIO for "nothing registered", EBADFD for "ring not
/// disabled"), while every kernel answers an unknown opcode with EINVAL
/// (io_uring/register.c: `opcode >= IORING_REGISTER_LAST` and the switch's
/// default).
fn detect_register(op: u32) -> Result<(), String> {
    let flags = match op {
        // zcrx needs DEFER_TASKRUN and 32-byte CQEs before it reads its
        // argument; resize needs DEFER_TASKRUN.
        IORING_REGISTER_ZCRX_IFQ => IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_CQE32,
        IORING_REGISTER_RESIZE_RINGS => IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER,
        _ => 0,
    };
    let mut ring = RingBuilder::new(4).flags(flags).build().map_err(|e| format!("setup: {e}"))?;
    let null = std::ptr::null();
    // SAFETY: every pointer passed is either valid for the call or BAD_PTR,
    // which the kernel must reject with EFAULT.
    let r = unsafe {
        match op {
            IORING_REGISTER_PROBE => {
                let mut buf = [0u8; 16 + 8 * 8];
                ring.register_raw(op, buf.as_mut_ptr() as *const _, 8)
            }
            IORING_UNREGISTER_BUFFERS | IORING_UNREGISTER_FILES | IORING_UNREGISTER_EVENTFD | IORING_REGISTER_PERSONALITY | IORING_REGISTER_ENABLE_RINGS => {
                ring.register_raw(op, null, 0)
            }
            IORING_UNREGISTER_PERSONALITY => {
                let id = ring.register_raw(IORING_REGISTER_PERSONALITY, null, 0).map_err(|e| format!("REGISTER_PERSONALITY: {e}"))?;
                ring.register_raw(op, null, id as u32)
            }
            IORING_REGISTER_RESTRICTIONS => ring.register_raw(op, BAD_PTR, 1),
            IORING_REGISTER_FILES2 | IORING_REGISTER_FILES_UPDATE2 | IORING_REGISTER_BUFFERS2 | IORING_REGISTER_BUFFERS_UPDATE => ring.register_raw(op, BAD_PTR, 32),
            IORING_REGISTER_IOWQ_AFF => ring.register_raw(op, BAD_PTR, 8),
            IORING_UNREGISTER_IOWQ_AFF => {
                // Needs the task's io-wq, which the first submission creates.
                run_sqes(&mut ring, &[Sqe::nop()], 1)?;
                ring.register_raw(op, null, 0)
            }
            IORING_REGISTER_IOWQ_MAX_WORKERS => {
                let mut counts = [0u32; 2];
                ring.register_raw(op, counts.as_mut_ptr() as *const _, 2)
            }
            IORING_REGISTER_FILE_ALLOC_RANGE | IORING_REGISTER_CLOCK => ring.register_raw(op, BAD_PTR, 0),
            // Blind registration: no ring, fd -1 (io_uring_register_blind).
            IORING_REGISTER_SEND_MSG_RING => io_uring_register(-1, op, BAD_PTR, 1),
            // io_query and io_zcrx_ctrl take nr_args 0 (io_uring/query.c,
            // zcrx.c: any other count is -EINVAL, which would read as
            // unknown; found by --strict on 6.19 in the kernel matrix).
            IORING_REGISTER_QUERY | IORING_REGISTER_ZCRX_CTRL => ring.register_raw(op, BAD_PTR, 0),
            _ => ring.register_raw(op, BAD_PTR, 1),
        }
    };
    match r {
        Err(Errno(libc::EINVAL)) => Err("io_uring_register: EINVAL (unknown opcode)".into()),
        Err(Errno(libc::EBADF)) if op == IORING_REGISTER_SEND_MSG_RING => Err("io_uring_register(-1): EBADF (no blind registration)".into()),
        _ => Ok(()),
    }
}

fn detect_opflag(of: OpFlag) -> Result<(), String> {
    match of {
        OpFlag::NopInjectResult => {
            let mut ring = Ring::new(4).map_err(|e| format!("setup: {e}"))?;
            let got = run_sqes(&mut ring, &[Sqe::nop_inject(0x1234).user_data(1)], 1)?;
            match got.as_slice() {
                [c] if c.res == 0x1234 => Ok(()),
                other => Err(format!("NOP with INJECT_RESULT 0x1234 gave {}", fmt_cqes(other))),
            }
        }
        OpFlag::NopCqe32 => {
            let mut ring = RingBuilder::new(4).flags(IORING_SETUP_CQE_MIXED).build().map_err(|e| format!("setup CQE_MIXED: {e}"))?;
            let mut s = Sqe::nop().user_data(1);
            s.raw.op_flags = IORING_NOP_CQE32;
            let got = run_sqes(&mut ring, &[s], 1)?;
            match got.as_slice() {
                [c] if c.res == 0 && c.flags & IORING_CQE_F_32 != 0 => Ok(()),
                other => Err(format!("NOP with IORING_NOP_CQE32 gave {}", fmt_cqes(other))),
            }
        }
        other => detect_request_flag(other),
    }
}

/// Per-op flags of timeouts, cancellation and poll: each is a request the
/// kernel answers with -EINVAL at prep time when it does not know the flag
/// (timeout.c, cancel.c, poll.c check every flag bit), and with the op's
/// normal result when it does.
fn detect_request_flag(of: OpFlag) -> Result<(), String> {
    let mut ring = Ring::new(4).map_err(|e| format!("setup: {e}"))?;
    let zero = __kernel_timespec::default();
    let one_ms = __kernel_timespec { tv_sec: 0, tv_nsec: 1_000_000 };
    if let OpFlag::Cancel(f) = of {
        if f & (IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_USERDATA) != 0 {
            return detect_cancel_key(f);
        }
    }
    // The ring MSG_RING probes send to (it lives until the probe is done).
    let target = match of {
        OpFlag::MsgRingFlags(_) | OpFlag::MsgRingSendFd => Some(Ring::new(4).map_err(|e| format!("setup: {e}"))?),
        _ => None,
    };
    let target_fd = target.as_ref().map_or(-1, |t| t.fd());
    let (sqe, what) = match of {
        // A timeout already due (0 relative, or 0 absolute: the past); a
        // multishot one with one repeat, so it ends after one expiry.
        OpFlag::Timeout(f) if f & IORING_TIMEOUT_MULTISHOT != 0 => (Sqe::timeout(&one_ms, 1, f), format!("TIMEOUT flags {f:#x}")),
        OpFlag::Timeout(f) => (Sqe::timeout(&zero, 0, f), format!("TIMEOUT flags {f:#x}")),
        // Updating a timeout that does not exist: -ENOENT where known.
        OpFlag::TimeoutRemove(f) => (Sqe::timeout_update(0xdead, &zero, f & !IORING_TIMEOUT_UPDATE), format!("TIMEOUT_REMOVE flags {f:#x}")),
        // Cancelling nothing: -ENOENT (or a count of 0) where known;
        // FD_FIXED with no file table: -EBADF.
        OpFlag::Cancel(f) => {
            let mut s = Sqe::cancel(0xdead, f);
            s.raw.fd = if f & IORING_ASYNC_CANCEL_FD_FIXED != 0 { 0 } else { ring.fd() };
            s.raw.len = if f & IORING_ASYNC_CANCEL_OP != 0 { IORING_OP_NOP as u32 } else { 0 };
            (s, format!("ASYNC_CANCEL flags {f:#x}"))
        }
        OpFlag::PollAddMulti => {
            let mut fds = [0i32; 2];
            // SAFETY: fds has room for two descriptors.
            if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
                return Err(format!("pipe2: {}", std::io::Error::last_os_error()));
            }
            // Readable at once: the first CQE carries IORING_CQE_F_MORE.
            // SAFETY: writing one byte from a valid buffer.
            unsafe { libc::write(fds[1], b"x".as_ptr() as *const _, 1) };
            let got = run_sqes(&mut ring, &[Sqe::poll_multi(fds[0], libc::POLLIN as u32).user_data(1)], 1);
            // Dropping the ring cancels the armed poll; then close the pipe.
            drop(ring);
            // SAFETY: closing the pipe we opened.
            unsafe {
                libc::close(fds[0]);
                libc::close(fds[1]);
            }
            return match got?.as_slice() {
                [c] if c.res == libc::POLLIN as i32 && c.flags & IORING_CQE_F_MORE != 0 => Ok(()),
                other => Err(format!("POLL_ADD with IORING_POLL_ADD_MULTI gave {}", fmt_cqes(other))),
            };
        }
        OpFlag::OpenatDirect | OpFlag::FileIndexAlloc => return detect_direct_open(of),
        OpFlag::AcceptMulti => return detect_accept_multi(),
        OpFlag::RsrcSparse => return ring.register_files_tagged(&[], &[], 2).map_err(|e| format!("REGISTER_FILES2 with IORING_RSRC_REGISTER_SPARSE: {e}")),
        OpFlag::NopIopoll => {
            let mut r = RingBuilder::new(4).flags(IORING_SETUP_IOPOLL).build().map_err(|e| format!("setup IOPOLL: {e}"))?;
            let got = run_sqes(&mut r, &[Sqe::nop().user_data(1)], 1)?;
            return match got.as_slice() {
                [c] if c.res == 0 => Ok(()),
                other => Err(format!("NOP on an IOPOLL ring gave {}", fmt_cqes(other))),
            };
        }
        OpFlag::PbufRing(f) => {
            // Registering a small ring with the flag: EINVAL where unknown.
            return crate::pbuf::BufRing::register(&ring, 1, 4, f).map(|_| ()).map_err(|e| format!("REGISTER_PBUF_RING with flags {f:#x}: {e}"));
        }
        OpFlag::UringCmdSock(cmd) => return detect_sock_cmd(cmd),
        OpFlag::MsgRingFlags(f) => {
            // A message to another ring: -EINVAL where a flag is unknown
            // (io_uring/msg_ring.c io_msg_ring_prep checks every bit).
            (Sqe::msg_ring_data(target_fd, 0, 0x77).op_flags(f), format!("MSG_RING data with flags {f:#x}"))
        }
        OpFlag::MsgRingSendFd => {
            // Passing empty slot 0 of a ring with no file table: -EBADF
            // where the command is known, -EINVAL where it is not.
            let mut s = Sqe::msg_ring_data(target_fd, 0, 0x77);
            s.raw.addr = IORING_MSG_SEND_FD;
            (s.file_index(1), "MSG_RING IORING_MSG_SEND_FD".to_string())
        }
        OpFlag::NopInjectResult | OpFlag::NopCqe32 => unreachable!("NOP flags are detected by detect_opflag"),
    };
    let got = run_sqes(&mut ring, &[sqe.user_data(1)], 1)?;
    match got.as_slice() {
        [c] if c.res == -libc::EINVAL => Err(format!("{what} gave -EINVAL (flag unknown)")),
        [_] => Ok(()),
        other => Err(format!("{what} gave {}", fmt_cqes(other))),
    }
}

/// Socket commands of URING_CMD (io_uring/cmd_net.c): on a fresh TCP
/// socket, SIOCINQ answers 0 bytes queued and GETSOCKOPT(SO_TYPE) the
/// option length 4; a kernel without socket commands, or without this
/// one, answers -EOPNOTSUPP.
fn detect_sock_cmd(cmd: u32) -> Result<(), String> {
    // SAFETY: plain syscall.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(format!("socket: {}", std::io::Error::last_os_error()));
    }
    let mut val = 0i32;
    let result = (|| {
        let mut ring = Ring::new(4).map_err(|e| format!("setup: {e}"))?;
        let (level, name, want) = if cmd == SOCKET_URING_OP_GETSOCKOPT { (libc::SOL_SOCKET, libc::SO_TYPE, 4) } else { (0, 0, 0) };
        let addr = (level as u32 as u64) | ((name as u32 as u64) << 32);
        let s = Sqe::prep(IORING_OP_URING_CMD, fd, addr, 0, cmd as u64).file_index(4).addr3(&mut val as *mut i32 as u64).user_data(1);
        let got = run_sqes(&mut ring, &[s], 1)?;
        match got.as_slice() {
            [c] if c.res == want => Ok(()),
            other => Err(format!("URING_CMD socket command {cmd} gave {}", fmt_cqes(other))),
        }
    })();
    // SAFETY: our socket.
    unsafe { libc::close(fd) };
    result
}

/// Direct descriptors: an OPENAT of "/" naming slot 0 on a ring with no
/// file table answers -ENXIO where file_index is understood (older kernels
/// ignore the field and open a normal fd); IORING_FILE_INDEX_ALLOC on a
/// one-slot sparse table answers slot 0.
fn detect_direct_open(of: OpFlag) -> Result<(), String> {
    let mut ring = Ring::new(4).map_err(|e| format!("setup: {e}"))?;
    let root = c"/";
    // No O_CLOEXEC: a direct open rejects it (io_openat_prep), and an
    // old kernel's normal fd is closed below.
    let open = Sqe::openat(libc::AT_FDCWD, root, libc::O_RDONLY | libc::O_DIRECTORY, 0).user_data(1);
    let (sqe, want, what) = match of {
        OpFlag::OpenatDirect => (open.direct(0), -libc::ENXIO, "OPENAT into slot 0 with no file table"),
        _ => {
            ring.register_files(&[-1]).map_err(|e| format!("REGISTER_FILES [-1]: {e}"))?;
            (open.direct(IORING_FILE_INDEX_ALLOC), 0, "OPENAT with IORING_FILE_INDEX_ALLOC on one free slot")
        }
    };
    let got = run_sqes(&mut ring, &[sqe], 1)?;
    match got.as_slice() {
        [c] if c.res == want => Ok(()),
        [c] => {
            if c.res > 0 && of == OpFlag::OpenatDirect {
                // SAFETY: the kernel opened a normal fd for us: close it.
                unsafe { libc::close(c.res) };
            }
            Err(format!("{what} gave {}", fmt_cqes(&got)))
        }
        other => Err(format!("{what} gave {}", fmt_cqes(other))),
    }
}

/// Multishot accept: a connection is already queued, so a kernel that knows
/// the flag posts the new fd with IORING_CQE_F_MORE; one that does not
/// answers -EINVAL.
fn detect_accept_multi() -> Result<(), String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("listen: {e}"))?;
    let _c = std::net::TcpStream::connect(l.local_addr().map_err(|e| e.to_string())?).map_err(|e| format!("connect: {e}"))?;
    let mut ring = Ring::new(4).map_err(|e| format!("setup: {e}"))?;
    let mut s = Sqe::accept(std::os::fd::AsRawFd::as_raw_fd(&l), libc::SOCK_CLOEXEC as u32).user_data(1);
    s.raw.ioprio = IORING_ACCEPT_MULTISHOT;
    let got = run_sqes(&mut ring, &[s], 1)?;
    for c in &got {
        if c.res >= 0 {
            // SAFETY: the accepted fd is ours to close.
            unsafe { libc::close(c.res) };
        }
    }
    match got.as_slice() {
        [c] if c.res >= 0 && c.flags & IORING_CQE_F_MORE != 0 => Ok(()),
        other => Err(format!("ACCEPT with IORING_ACCEPT_MULTISHOT gave {}", fmt_cqes(other))),
    }
}

/// Cancel keys added in 6.6 must be detected by what they match: some
/// kernels take unknown cancel flags without -EINVAL and match by
/// user_data instead (seen on Debian's 6.1).
/// - OP|ALL for POLL_ADD with user_data 0 cancels a poll whose user_data
///   is 7 only if OP is a key (count 1), not if user_data is (0).
/// - OP|USERDATA for POLL_ADD with user_data 8 finds nothing (-ENOENT)
///   only if USERDATA is a key too; by opcode alone it cancels the poll.
///   USERDATA came with OP (6.6), so it needs OP first.
fn detect_cancel_key(f: u32) -> Result<(), String> {
    if f & IORING_ASYNC_CANCEL_USERDATA != 0 {
        detect_cancel_key(IORING_ASYNC_CANCEL_OP).map_err(|e| format!("needs IORING_ASYNC_CANCEL_OP: {e}"))?;
    }
    let mut fds = [0i32; 2];
    // SAFETY: fds has room for two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(format!("pipe2: {}", std::io::Error::last_os_error()));
    }
    let result = (|| {
        let mut ring = Ring::new(4).map_err(|e| format!("setup: {e}"))?;
        run_sqes(&mut ring, &[Sqe::poll_add(fds[0], libc::POLLIN as u32).user_data(7)], 0)?;
        let (sqe, want, what) = if f & IORING_ASYNC_CANCEL_OP != 0 {
            (Sqe::cancel_op(IORING_OP_POLL_ADD, 0, IORING_ASYNC_CANCEL_ALL).user_data(9), 1, "CANCEL_OP|ALL for POLL_ADD")
        } else {
            (Sqe::cancel_op(IORING_OP_POLL_ADD, 8, IORING_ASYNC_CANCEL_USERDATA).user_data(9), -libc::ENOENT, "CANCEL_OP|USERDATA for POLL_ADD with another user_data")
        };
        let got = run_sqes(&mut ring, &[sqe], 1)?;
        match got.iter().find(|c| c.user_data == 9) {
            Some(c) if c.res == want => Ok(()),
            _ => Err(format!("{what} gave {}", fmt_cqes(&got))),
        }
    })();
    // SAFETY: closing the pipe we opened (after the ring, which held a poll on it).
    unsafe {
        libc::close(fds[0]);
        libc::close(fds[1]);
    }
    result
}

/// Whether a new time namespace can be made here: a child process tries
/// unshare(CLONE_NEWTIME) (needs CONFIG_TIME_NS and CAP_SYS_ADMIN), so the
/// prober's own namespaces stay as they are.
fn detect_timens() -> bool {
    if !std::path::Path::new("/proc/self/ns/time").exists() {
        return false;
    }
    // SAFETY: the child only calls async-signal-safe unshare and _exit.
    unsafe {
        let pid = libc::fork();
        if pid == 0 {
            let ok = libc::unshare(libc::CLONE_NEWTIME) == 0;
            libc::_exit(if ok { 0 } else { 1 });
        }
        if pid < 0 {
            return false;
        }
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0) == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
    }
}

/// Unmerged proposals. Their numbers were reused upstream, so SQE groups
/// are told by behaviour (IOSQE bit 7, refused upstream) and fused
/// commands by a declaration upstream cannot make (collisions.rs).
fn detect_proposal(p: Proposal, ops: &[bool], features: u32) -> Result<(), String> {
    match p {
        Proposal::SqeGroup => {
            // The series: a group runs from the first SQE with the flag to
            // the next SQE without it; members are issued with the leader
            // and the leader's CQE is posted after all members'.
            let mut ring = Ring::new(4).map_err(|e| format!("setup: {e}"))?;
            let got = run_sqes(&mut ring, &[Sqe::nop().with(IOSQE_BIT7).user_data(1), Sqe::nop().user_data(2)], 2)?;
            match got.as_slice() {
                [m, l] if m.user_data == 2 && l.user_data == 1 && m.res == 0 && l.res == 0 => Ok(()),
                other => Err(format!("NOP leader with bit 7 + NOP member gave {}", fmt_cqes(other))),
            }
        }
        Proposal::FusedCmd => collisions::fused_cmd_declared(ops, features),
    }
}

fn detect_env(e: Env) -> bool {
    match e {
        // SAFETY: trivial syscall.
        Env::Root => unsafe { libc::geteuid() == 0 },
        Env::Memlock => crate::envlimits::memlock_suffices_unprivileged(),
        Env::Ublk => std::fs::OpenOptions::new().read(true).write(true).open("/dev/ublk-control").is_ok(),
        Env::Kmsg => std::fs::File::open("/dev/kmsg").is_ok(),
        Env::MultiCpu => allowed_cpus() >= 2,
        Env::TimeNs => detect_timens(),
        Env::ODirect => std::env::var_os(crate::envsetup::ODIRECT_ENV).is_some_and(|d| crate::envsetup::takes_o_direct(std::path::Path::new(&d))),
        Env::ODirectBdev => std::env::var_os(crate::envsetup::ODIRECT_ENV).is_some_and(|d| crate::envsetup::on_block_fs(std::path::Path::new(&d))),
        Env::NullBlkPoll => std::env::var_os(crate::envsetup::NULLB_ENV).is_some_and(|d| std::path::Path::new(&d).exists()),
        Env::Disposable => std::env::var("URING_CONFORM_DISPOSABLE").is_ok_and(|v| v == "1"),
    }
}
