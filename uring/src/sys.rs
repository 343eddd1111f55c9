//! `#[repr(C)]` mirrors of the io_uring uapi (`include/uapi/linux/io_uring.h`,
//! as of the 7.x development cycle) and the three raw system calls.
//!
//! Opcodes and flags are plain integer constants on purpose: a conformance
//! suite must be able to put any byte into any field, including values that
//! no kernel knows yet. Unions of the C header are flattened into one field
//! named after their first member; the other names are documented beside it.
//!
//! # References
//! - io_uring_setup(2), io_uring_enter(2), io_uring_register(2)
//! - include/uapi/linux/io_uring.h (torvalds/linux; liburing's copy)
#![allow(non_camel_case_types)]

use std::mem::{offset_of, size_of};

/// A raw errno value as the kernel returned it. The kernel may return
/// values this crate has no name for, so this is a transparent newtype
/// rather than an enum.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub i32);

impl Errno {
    pub fn last() -> Errno {
        Errno(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    }
    /// The symbolic name (`EINVAL`), or `E?<n>` for an unknown value.
    pub fn name(self) -> String {
        errno_name(self.0)
    }
}

impl From<std::io::Error> for Errno {
    /// The errno of an OS error (EIO for an error that carries none).
    fn from(e: std::io::Error) -> Errno {
        Errno(e.raw_os_error().unwrap_or(libc::EIO))
    }
}

impl std::fmt::Debug for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name())
    }
}
impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name())
    }
}

/// Every errno name Linux defines (include/uapi/asm-generic/errno-base.h
/// and errno.h, the numbering x86-64 and arm64 use), indexed by number.
const ERRNO_NAMES: [&str; 134] = [
    "",
    "EPERM",
    "ENOENT",
    "ESRCH",
    "EINTR",
    "EIO",
    "ENXIO",
    "E2BIG",
    "ENOEXEC",
    "EBADF",
    "ECHILD",
    "EAGAIN",
    "ENOMEM",
    "EACCES",
    "EFAULT",
    "ENOTBLK",
    "EBUSY",
    "EEXIST",
    "EXDEV",
    "ENODEV",
    "ENOTDIR",
    "EISDIR",
    "EINVAL",
    "ENFILE",
    "EMFILE",
    "ENOTTY",
    "ETXTBSY",
    "EFBIG",
    "ENOSPC",
    "ESPIPE",
    "EROFS",
    "EMLINK",
    "EPIPE",
    "EDOM",
    "ERANGE",
    "EDEADLK",
    "ENAMETOOLONG",
    "ENOLCK",
    "ENOSYS",
    "ENOTEMPTY",
    "ELOOP",
    "",
    "ENOMSG",
    "EIDRM",
    "ECHRNG",
    "EL2NSYNC",
    "EL3HLT",
    "EL3RST",
    "ELNRNG",
    "EUNATCH",
    "ENOCSI",
    "EL2HLT",
    "EBADE",
    "EBADR",
    "EXFULL",
    "ENOANO",
    "EBADRQC",
    "EBADSLT",
    "",
    "EBFONT",
    "ENOSTR",
    "ENODATA",
    "ETIME",
    "ENOSR",
    "ENONET",
    "ENOPKG",
    "EREMOTE",
    "ENOLINK",
    "EADV",
    "ESRMNT",
    "ECOMM",
    "EPROTO",
    "EMULTIHOP",
    "EDOTDOT",
    "EBADMSG",
    "EOVERFLOW",
    "ENOTUNIQ",
    "EBADFD",
    "EREMCHG",
    "ELIBACC",
    "ELIBBAD",
    "ELIBSCN",
    "ELIBMAX",
    "ELIBEXEC",
    "EILSEQ",
    "ERESTART",
    "ESTRPIPE",
    "EUSERS",
    "ENOTSOCK",
    "EDESTADDRREQ",
    "EMSGSIZE",
    "EPROTOTYPE",
    "ENOPROTOOPT",
    "EPROTONOSUPPORT",
    "ESOCKTNOSUPPORT",
    "EOPNOTSUPP",
    "EPFNOSUPPORT",
    "EAFNOSUPPORT",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "ENETDOWN",
    "ENETUNREACH",
    "ENETRESET",
    "ECONNABORTED",
    "ECONNRESET",
    "ENOBUFS",
    "EISCONN",
    "ENOTCONN",
    "ESHUTDOWN",
    "ETOOMANYREFS",
    "ETIMEDOUT",
    "ECONNREFUSED",
    "EHOSTDOWN",
    "EHOSTUNREACH",
    "EALREADY",
    "EINPROGRESS",
    "ESTALE",
    "EUCLEAN",
    "ENOTNAM",
    "ENAVAIL",
    "EISNAM",
    "EREMOTEIO",
    "EDQUOT",
    "ENOMEDIUM",
    "EMEDIUMTYPE",
    "ECANCELED",
    "ENOKEY",
    "EKEYEXPIRED",
    "EKEYREVOKED",
    "EKEYREJECTED",
    "EOWNERDEAD",
    "ENOTRECOVERABLE",
    "ERFKILL",
    "EHWPOISON",
];

/// The kernel-internal codes (include/linux/errno.h) that "should never be
/// seen by user programs": a CQE carrying one is a kernel leak, printed by
/// name so the report says so.
const INTERNAL_ERRNO_NAMES: &[(i32, &str)] = &[
    (512, "ERESTARTSYS"),
    (513, "ERESTARTNOINTR"),
    (514, "ERESTARTNOHAND"),
    (515, "ENOIOCTLCMD"),
    (516, "ERESTART_RESTARTBLOCK"),
    (517, "EPROBE_DEFER"),
    (518, "EOPENSTALE"),
    (519, "ENOPARAM"),
    (521, "EBADHANDLE"),
    (522, "ENOTSYNC"),
    (523, "EBADCOOKIE"),
    (524, "ENOTSUPP"),
    (525, "ETOOSMALL"),
    (526, "ESERVERFAULT"),
    (527, "EBADTYPE"),
    (528, "EJUKEBOX"),
    (529, "EIOCBQUEUED"),
    (530, "ERECALLCONFLICT"),
    (531, "ENOGRACE"),
];

/// The errno's name (EINVAL), or E?N for a number Linux does not define.
pub fn errno_name(e: i32) -> String {
    if let Some(n) = usize::try_from(e).ok().and_then(|i| ERRNO_NAMES.get(i)).filter(|n| !n.is_empty()) {
        return n.to_string();
    }
    if let Some((_, n)) = INTERNAL_ERRNO_NAMES.iter().find(|(v, _)| *v == e) {
        return n.to_string();
    }
    format!("E?{e}")
}

/// Renders a CQE `res`: a count as a number, a negative errno by name.
pub fn res_name(res: i32) -> String {
    if res < 0 {
        format!("-{}", errno_name(-res))
    } else {
        res.to_string()
    }
}

// ---------------------------------------------------------------- SQE

/// `struct io_uring_sqe` (64 bytes; 128 with IORING_SETUP_SQE128, where
/// the second half is `cmd` data).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct io_uring_sqe {
    pub opcode: u8,
    /// IOSQE_* flags.
    pub flags: u8,
    pub ioprio: u16,
    pub fd: i32,
    /// union: off, addr2, { cmd_op, __pad1 }
    pub off: u64,
    /// union: addr, splice_off_in, { level, optname }
    pub addr: u64,
    pub len: u32,
    /// union: rw_flags, fsync_flags, poll32_events, timeout_flags,
    /// cancel_flags, msg_ring_flags, nop_flags, ... (per opcode)
    pub op_flags: u32,
    pub user_data: u64,
    /// union: buf_index, buf_group
    pub buf_index: u16,
    pub personality: u16,
    /// union: splice_fd_in, file_index, zcrx_ifq_idx, optlen, { addr_len }
    pub file_index: u32,
    /// union: addr3, attr_ptr, optval, cmd[] (start)
    pub addr3: u64,
    /// union: __pad2[0], attr_type_mask
    pub pad2: u64,
}

pub const IOSQE_FIXED_FILE: u8 = 1 << 0;
pub const IOSQE_IO_DRAIN: u8 = 1 << 1;
pub const IOSQE_IO_LINK: u8 = 1 << 2;
pub const IOSQE_IO_HARDLINK: u8 = 1 << 3;
pub const IOSQE_ASYNC: u8 = 1 << 4;
pub const IOSQE_BUFFER_SELECT: u8 = 1 << 5;
pub const IOSQE_CQE_SKIP_SUCCESS: u8 = 1 << 6;
/// The last flag bit. Unused upstream; the unmerged SQE group series
/// (Ming Lei, 2024: "io_uring: support SQE group") gave it to IOSQE_SQE_GROUP.
pub const IOSQE_BIT7: u8 = 1 << 7;

pub const IORING_FILE_INDEX_ALLOC: u32 = !0;

// ---------------------------------------------------------------- setup

pub const IORING_SETUP_IOPOLL: u32 = 1 << 0;
pub const IORING_SETUP_SQPOLL: u32 = 1 << 1;
pub const IORING_SETUP_SQ_AFF: u32 = 1 << 2;
pub const IORING_SETUP_CQSIZE: u32 = 1 << 3;
pub const IORING_SETUP_CLAMP: u32 = 1 << 4;
pub const IORING_SETUP_ATTACH_WQ: u32 = 1 << 5;
pub const IORING_SETUP_R_DISABLED: u32 = 1 << 6;
pub const IORING_SETUP_SUBMIT_ALL: u32 = 1 << 7;
pub const IORING_SETUP_COOP_TASKRUN: u32 = 1 << 8;
pub const IORING_SETUP_TASKRUN_FLAG: u32 = 1 << 9;
pub const IORING_SETUP_SQE128: u32 = 1 << 10;
pub const IORING_SETUP_CQE32: u32 = 1 << 11;
pub const IORING_SETUP_SINGLE_ISSUER: u32 = 1 << 12;
pub const IORING_SETUP_DEFER_TASKRUN: u32 = 1 << 13;
pub const IORING_SETUP_NO_MMAP: u32 = 1 << 14;
pub const IORING_SETUP_REGISTERED_FD_ONLY: u32 = 1 << 15;
pub const IORING_SETUP_NO_SQARRAY: u32 = 1 << 16;
pub const IORING_SETUP_HYBRID_IOPOLL: u32 = 1 << 17;
pub const IORING_SETUP_CQE_MIXED: u32 = 1 << 18;
pub const IORING_SETUP_SQE_MIXED: u32 = 1 << 19;
pub const IORING_SETUP_SQ_REWIND: u32 = 1 << 20;

// ---------------------------------------------------------------- opcodes

pub const IORING_OP_NOP: u8 = 0;
pub const IORING_OP_READV: u8 = 1;
pub const IORING_OP_WRITEV: u8 = 2;
pub const IORING_OP_FSYNC: u8 = 3;
pub const IORING_OP_READ_FIXED: u8 = 4;
pub const IORING_OP_WRITE_FIXED: u8 = 5;
pub const IORING_OP_POLL_ADD: u8 = 6;
pub const IORING_OP_POLL_REMOVE: u8 = 7;
pub const IORING_OP_SYNC_FILE_RANGE: u8 = 8;
pub const IORING_OP_SENDMSG: u8 = 9;
pub const IORING_OP_RECVMSG: u8 = 10;
pub const IORING_OP_TIMEOUT: u8 = 11;
pub const IORING_OP_TIMEOUT_REMOVE: u8 = 12;
pub const IORING_OP_ACCEPT: u8 = 13;
pub const IORING_OP_ASYNC_CANCEL: u8 = 14;
pub const IORING_OP_LINK_TIMEOUT: u8 = 15;
pub const IORING_OP_CONNECT: u8 = 16;
pub const IORING_OP_FALLOCATE: u8 = 17;
pub const IORING_OP_OPENAT: u8 = 18;
pub const IORING_OP_CLOSE: u8 = 19;
pub const IORING_OP_FILES_UPDATE: u8 = 20;
pub const IORING_OP_STATX: u8 = 21;
pub const IORING_OP_READ: u8 = 22;
pub const IORING_OP_WRITE: u8 = 23;
pub const IORING_OP_FADVISE: u8 = 24;
pub const IORING_OP_MADVISE: u8 = 25;
pub const IORING_OP_SEND: u8 = 26;
pub const IORING_OP_RECV: u8 = 27;
pub const IORING_OP_OPENAT2: u8 = 28;
pub const IORING_OP_EPOLL_CTL: u8 = 29;
pub const IORING_OP_SPLICE: u8 = 30;
pub const IORING_OP_PROVIDE_BUFFERS: u8 = 31;
pub const IORING_OP_REMOVE_BUFFERS: u8 = 32;
pub const IORING_OP_TEE: u8 = 33;
pub const IORING_OP_SHUTDOWN: u8 = 34;
pub const IORING_OP_RENAMEAT: u8 = 35;
pub const IORING_OP_UNLINKAT: u8 = 36;
pub const IORING_OP_MKDIRAT: u8 = 37;
pub const IORING_OP_SYMLINKAT: u8 = 38;
pub const IORING_OP_LINKAT: u8 = 39;
pub const IORING_OP_MSG_RING: u8 = 40;
pub const IORING_OP_FSETXATTR: u8 = 41;
pub const IORING_OP_SETXATTR: u8 = 42;
pub const IORING_OP_FGETXATTR: u8 = 43;
pub const IORING_OP_GETXATTR: u8 = 44;
pub const IORING_OP_SOCKET: u8 = 45;
pub const IORING_OP_URING_CMD: u8 = 46;
pub const IORING_OP_SEND_ZC: u8 = 47;
pub const IORING_OP_SENDMSG_ZC: u8 = 48;
pub const IORING_OP_READ_MULTISHOT: u8 = 49;
pub const IORING_OP_WAITID: u8 = 50;
pub const IORING_OP_FUTEX_WAIT: u8 = 51;
pub const IORING_OP_FUTEX_WAKE: u8 = 52;
pub const IORING_OP_FUTEX_WAITV: u8 = 53;
pub const IORING_OP_FIXED_FD_INSTALL: u8 = 54;
pub const IORING_OP_FTRUNCATE: u8 = 55;
pub const IORING_OP_BIND: u8 = 56;
pub const IORING_OP_LISTEN: u8 = 57;
pub const IORING_OP_RECV_ZC: u8 = 58;
pub const IORING_OP_EPOLL_WAIT: u8 = 59;
pub const IORING_OP_READV_FIXED: u8 = 60;
pub const IORING_OP_WRITEV_FIXED: u8 = 61;
pub const IORING_OP_PIPE: u8 = 62;
pub const IORING_OP_NOP128: u8 = 63;
pub const IORING_OP_URING_CMD128: u8 = 64;
/// One past the newest opcode this crate knows.
pub const IORING_OP_LAST: u8 = 65;

// ---------------------------------------------------------------- per-op flags

pub const IORING_URING_CMD_FIXED: u32 = 1 << 0;
pub const IORING_FSYNC_DATASYNC: u32 = 1 << 0;

pub const IORING_TIMEOUT_ABS: u32 = 1 << 0;
pub const IORING_TIMEOUT_UPDATE: u32 = 1 << 1;
pub const IORING_TIMEOUT_BOOTTIME: u32 = 1 << 2;
pub const IORING_TIMEOUT_REALTIME: u32 = 1 << 3;
pub const IORING_LINK_TIMEOUT_UPDATE: u32 = 1 << 4;
pub const IORING_TIMEOUT_ETIME_SUCCESS: u32 = 1 << 5;
pub const IORING_TIMEOUT_MULTISHOT: u32 = 1 << 6;
pub const IORING_TIMEOUT_IMMEDIATE_ARG: u32 = 1 << 7;

pub const SPLICE_F_FD_IN_FIXED: u32 = 1 << 31;

pub const IORING_POLL_ADD_MULTI: u32 = 1 << 0;
pub const IORING_POLL_UPDATE_EVENTS: u32 = 1 << 1;
pub const IORING_POLL_UPDATE_USER_DATA: u32 = 1 << 2;
pub const IORING_POLL_ADD_LEVEL: u32 = 1 << 3;

pub const IORING_ASYNC_CANCEL_ALL: u32 = 1 << 0;
pub const IORING_ASYNC_CANCEL_FD: u32 = 1 << 1;
pub const IORING_ASYNC_CANCEL_ANY: u32 = 1 << 2;
pub const IORING_ASYNC_CANCEL_FD_FIXED: u32 = 1 << 3;
pub const IORING_ASYNC_CANCEL_USERDATA: u32 = 1 << 4;
pub const IORING_ASYNC_CANCEL_OP: u32 = 1 << 5;

pub const IORING_RECVSEND_POLL_FIRST: u16 = 1 << 0;
pub const IORING_RECV_MULTISHOT: u16 = 1 << 1;
pub const IORING_RECVSEND_FIXED_BUF: u16 = 1 << 2;
pub const IORING_SEND_ZC_REPORT_USAGE: u16 = 1 << 3;
pub const IORING_RECVSEND_BUNDLE: u16 = 1 << 4;
pub const IORING_SEND_VECTORIZED: u16 = 1 << 5;
pub const IORING_NOTIF_USAGE_ZC_COPIED: u32 = 1 << 31;

/// URING_CMD cmd_op values for sockets (io_uring/cmd_net.c).
pub const SOCKET_URING_OP_SIOCINQ: u32 = 0;
/// BLOCK_URING_CMD_DISCARD = _IO(0x12, 0) (include/uapi/linux/fs.h, 6.12): a
/// block device's uring_cmd discarding `addr3` bytes at `addr`.
pub const BLOCK_URING_CMD_DISCARD: u32 = 0x12 << 8;
pub const SOCKET_URING_OP_SIOCOUTQ: u32 = 1;
pub const SOCKET_URING_OP_GETSOCKOPT: u32 = 2;
pub const SOCKET_URING_OP_SETSOCKOPT: u32 = 3;
pub const SOCKET_URING_OP_TX_TIMESTAMP: u32 = 4;
/// getsockname(2) (optlen 0) or getpeername(2) (optlen 1): the address
/// at addr, its length in and out at addr3 (6.19).
pub const SOCKET_URING_OP_GETSOCKNAME: u32 = 5;

pub const IORING_ACCEPT_MULTISHOT: u16 = 1 << 0;
pub const IORING_ACCEPT_DONTWAIT: u16 = 1 << 1;
pub const IORING_ACCEPT_POLL_FIRST: u16 = 1 << 2;

/// futex2 flags an io_uring futex SQE carries in `fd` (include/uapi/linux/futex.h).
pub const FUTEX2_SIZE_U32: u32 = 0x02;
pub const FUTEX2_PRIVATE: u32 = 128;
pub const FUTEX_BITSET_MATCH_ANY: u64 = 0xffff_ffff;

pub const IORING_MSG_DATA: u64 = 0;
pub const IORING_MSG_SEND_FD: u64 = 1;
pub const IORING_MSG_RING_CQE_SKIP: u32 = 1 << 0;
pub const IORING_MSG_RING_FLAGS_PASS: u32 = 1 << 1;

pub const IORING_FIXED_FD_NO_CLOEXEC: u32 = 1 << 0;

/// NOP: take `res` from the SQE (`len` field) instead of 0 (6.12,
/// commit "io_uring/nop: add support for testing registered files and buffers"
/// era; first as "io_uring: add support for nop result injection").
pub const IORING_NOP_INJECT_RESULT: u32 = 1 << 0;
pub const IORING_NOP_FILE: u32 = 1 << 1;
pub const IORING_NOP_FIXED_FILE: u32 = 1 << 2;
pub const IORING_NOP_FIXED_BUFFER: u32 = 1 << 3;
pub const IORING_NOP_TW: u32 = 1 << 4;
pub const IORING_NOP_CQE32: u32 = 1 << 5;

// ---------------------------------------------------------------- CQE

/// `struct io_uring_cqe` (16 bytes; 32 with IORING_SETUP_CQE32, where
/// `big_cqe[2]` follows).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct io_uring_cqe {
    pub user_data: u64,
    pub res: i32,
    pub flags: u32,
}

pub const IORING_CQE_F_BUFFER: u32 = 1 << 0;
pub const IORING_CQE_F_MORE: u32 = 1 << 1;
pub const IORING_CQE_F_SOCK_NONEMPTY: u32 = 1 << 2;
pub const IORING_CQE_F_NOTIF: u32 = 1 << 3;
pub const IORING_CQE_F_BUF_MORE: u32 = 1 << 4;
pub const IORING_CQE_F_SKIP: u32 = 1 << 5;
pub const IORING_CQE_F_32: u32 = 1 << 15;
pub const IORING_CQE_BUFFER_SHIFT: u32 = 16;

// ---------------------------------------------------------------- mmap offsets

pub const IORING_OFF_SQ_RING: u64 = 0;
pub const IORING_OFF_CQ_RING: u64 = 0x800_0000;
pub const IORING_OFF_SQES: u64 = 0x1000_0000;
pub const IORING_OFF_PBUF_RING: u64 = 0x8000_0000;
pub const IORING_OFF_PBUF_SHIFT: u64 = 16;

#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct io_sqring_offsets {
    pub head: u32,
    pub tail: u32,
    pub ring_mask: u32,
    pub ring_entries: u32,
    pub flags: u32,
    pub dropped: u32,
    pub array: u32,
    pub resv1: u32,
    /// With IORING_SETUP_NO_MMAP: the user memory holding the SQEs.
    pub user_addr: u64,
}

pub const IORING_SQ_NEED_WAKEUP: u32 = 1 << 0;
pub const IORING_SQ_CQ_OVERFLOW: u32 = 1 << 1;
pub const IORING_SQ_TASKRUN: u32 = 1 << 2;

#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct io_cqring_offsets {
    pub head: u32,
    pub tail: u32,
    pub ring_mask: u32,
    pub ring_entries: u32,
    pub overflow: u32,
    pub cqes: u32,
    pub flags: u32,
    pub resv1: u32,
    /// With IORING_SETUP_NO_MMAP: the user memory holding the rings.
    pub user_addr: u64,
}

pub const IORING_CQ_EVENTFD_DISABLED: u32 = 1 << 0;

// ---------------------------------------------------------------- enter

pub const IORING_ENTER_GETEVENTS: u32 = 1 << 0;
pub const IORING_ENTER_SQ_WAKEUP: u32 = 1 << 1;
pub const IORING_ENTER_SQ_WAIT: u32 = 1 << 2;
pub const IORING_ENTER_EXT_ARG: u32 = 1 << 3;
pub const IORING_ENTER_REGISTERED_RING: u32 = 1 << 4;
pub const IORING_ENTER_ABS_TIMER: u32 = 1 << 5;
pub const IORING_ENTER_EXT_ARG_REG: u32 = 1 << 6;
pub const IORING_ENTER_NO_IOWAIT: u32 = 1 << 7;

// ---------------------------------------------------------------- params

#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct io_uring_params {
    pub sq_entries: u32,
    pub cq_entries: u32,
    pub flags: u32,
    pub sq_thread_cpu: u32,
    pub sq_thread_idle: u32,
    pub features: u32,
    pub wq_fd: u32,
    pub resv: [u32; 3],
    pub sq_off: io_sqring_offsets,
    pub cq_off: io_cqring_offsets,
}

pub const IORING_FEAT_SINGLE_MMAP: u32 = 1 << 0;
pub const IORING_FEAT_NODROP: u32 = 1 << 1;
pub const IORING_FEAT_SUBMIT_STABLE: u32 = 1 << 2;
pub const IORING_FEAT_RW_CUR_POS: u32 = 1 << 3;
pub const IORING_FEAT_CUR_PERSONALITY: u32 = 1 << 4;
pub const IORING_FEAT_FAST_POLL: u32 = 1 << 5;
pub const IORING_FEAT_POLL_32BITS: u32 = 1 << 6;
pub const IORING_FEAT_SQPOLL_NONFIXED: u32 = 1 << 7;
pub const IORING_FEAT_EXT_ARG: u32 = 1 << 8;
pub const IORING_FEAT_NATIVE_WORKERS: u32 = 1 << 9;
pub const IORING_FEAT_RSRC_TAGS: u32 = 1 << 10;
pub const IORING_FEAT_CQE_SKIP: u32 = 1 << 11;
pub const IORING_FEAT_LINKED_FILE: u32 = 1 << 12;
pub const IORING_FEAT_REG_REG_RING: u32 = 1 << 13;
pub const IORING_FEAT_RECVSEND_BUNDLE: u32 = 1 << 14;
pub const IORING_FEAT_MIN_TIMEOUT: u32 = 1 << 15;
pub const IORING_FEAT_RW_ATTR: u32 = 1 << 16;
pub const IORING_FEAT_NO_IOWAIT: u32 = 1 << 17;

// ---------------------------------------------------------------- register

pub const IORING_REGISTER_BUFFERS: u32 = 0;
pub const IORING_UNREGISTER_BUFFERS: u32 = 1;
pub const IORING_REGISTER_FILES: u32 = 2;
pub const IORING_UNREGISTER_FILES: u32 = 3;
pub const IORING_REGISTER_EVENTFD: u32 = 4;
pub const IORING_UNREGISTER_EVENTFD: u32 = 5;
pub const IORING_REGISTER_FILES_UPDATE: u32 = 6;
pub const IORING_REGISTER_EVENTFD_ASYNC: u32 = 7;
pub const IORING_REGISTER_PROBE: u32 = 8;
pub const IORING_REGISTER_PERSONALITY: u32 = 9;
pub const IORING_UNREGISTER_PERSONALITY: u32 = 10;
pub const IORING_REGISTER_RESTRICTIONS: u32 = 11;
pub const IORING_REGISTER_ENABLE_RINGS: u32 = 12;
pub const IORING_REGISTER_FILES2: u32 = 13;
pub const IORING_REGISTER_FILES_UPDATE2: u32 = 14;
pub const IORING_REGISTER_BUFFERS2: u32 = 15;
pub const IORING_REGISTER_BUFFERS_UPDATE: u32 = 16;
pub const IORING_REGISTER_IOWQ_AFF: u32 = 17;
pub const IORING_UNREGISTER_IOWQ_AFF: u32 = 18;
pub const IORING_REGISTER_IOWQ_MAX_WORKERS: u32 = 19;
pub const IORING_REGISTER_RING_FDS: u32 = 20;
pub const IORING_UNREGISTER_RING_FDS: u32 = 21;
pub const IORING_REGISTER_PBUF_RING: u32 = 22;
pub const IORING_UNREGISTER_PBUF_RING: u32 = 23;
pub const IORING_REGISTER_SYNC_CANCEL: u32 = 24;
pub const IORING_REGISTER_FILE_ALLOC_RANGE: u32 = 25;
pub const IORING_REGISTER_PBUF_STATUS: u32 = 26;
pub const IORING_REGISTER_NAPI: u32 = 27;
pub const IORING_UNREGISTER_NAPI: u32 = 28;
pub const IORING_REGISTER_CLOCK: u32 = 29;
pub const IORING_REGISTER_CLONE_BUFFERS: u32 = 30;
pub const IORING_REGISTER_SEND_MSG_RING: u32 = 31;
pub const IORING_REGISTER_ZCRX_IFQ: u32 = 32;
pub const IORING_REGISTER_RESIZE_RINGS: u32 = 33;
pub const IORING_REGISTER_MEM_REGION: u32 = 34;
pub const IORING_REGISTER_QUERY: u32 = 35;
pub const IORING_REGISTER_ZCRX_CTRL: u32 = 36;
pub const IORING_REGISTER_BPF_FILTER: u32 = 37;
pub const IORING_REGISTER_LAST: u32 = 38;
pub const IORING_REGISTER_USE_REGISTERED_RING: u32 = 1 << 31;

pub const IORING_RSRC_REGISTER_SPARSE: u32 = 1 << 0;
pub const IORING_REGISTER_FILES_SKIP: i32 = -2;
pub const IO_URING_OP_SUPPORTED: u16 = 1 << 0;

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_files_update {
    pub offset: u32,
    pub resv: u32,
    pub fds: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_rsrc_register {
    pub nr: u32,
    pub flags: u32,
    pub resv2: u64,
    pub data: u64,
    pub tags: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_rsrc_update {
    pub offset: u32,
    pub resv: u32,
    pub data: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_rsrc_update2 {
    pub offset: u32,
    pub resv: u32,
    pub data: u64,
    pub tags: u64,
    pub nr: u32,
    pub resv2: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_probe_op {
    pub op: u8,
    pub resv: u8,
    pub flags: u16,
    pub resv2: u32,
}

/// IORING_REGISTER_QUERY (include/uapi/linux/io_uring/query.h): one entry
/// of a chain; `query_data` points to `size` bytes of the op's structure.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_query_hdr {
    pub next_entry: u64,
    pub query_data: u64,
    pub query_op: u32,
    pub size: u32,
    pub result: i32,
    pub resv: [u32; 3],
}

pub const IO_URING_QUERY_OPCODES: u32 = 0;
pub const IO_URING_QUERY_ZCRX: u32 = 1;
pub const IO_URING_QUERY_SCQ: u32 = 2;

/// IO_URING_QUERY_OPCODES: what the kernel knows.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct io_uring_query_opcode {
    pub nr_request_opcodes: u32,
    pub nr_register_opcodes: u32,
    pub feature_flags: u64,
    pub ring_setup_flags: u64,
    pub enter_flags: u64,
    pub sqe_flags: u64,
    pub nr_query_opcodes: u32,
    pub pad: u32,
}

/// `struct io_uring_probe` header; `ops[]` follows in memory.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_probe {
    pub last_op: u8,
    pub ops_len: u8,
    pub resv: u16,
    pub resv2: [u32; 3],
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_restriction {
    pub opcode: u16,
    /// union: register_op, sqe_op, sqe_flags
    pub arg: u8,
    pub resv: u8,
    pub resv2: [u32; 3],
}

pub const IORING_RESTRICTION_REGISTER_OP: u16 = 0;
pub const IORING_RESTRICTION_SQE_OP: u16 = 1;
pub const IORING_RESTRICTION_SQE_FLAGS_ALLOWED: u16 = 2;
pub const IORING_RESTRICTION_SQE_FLAGS_REQUIRED: u16 = 3;

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_buf {
    pub addr: u64,
    pub len: u32,
    pub bid: u16,
    pub resv: u16,
}

pub const IOU_PBUF_RING_MMAP: u16 = 1;
pub const IOU_PBUF_RING_INC: u16 = 2;

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_buf_reg {
    pub ring_addr: u64,
    pub ring_entries: u32,
    pub bgid: u16,
    pub flags: u16,
    pub min_left: u32,
    pub resv: [u32; 5],
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_buf_status {
    pub buf_group: u32,
    pub head: u32,
    pub resv: [u32; 8],
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_napi {
    pub busy_poll_to: u32,
    pub prefer_busy_poll: u8,
    pub pad: [u8; 3],
    pub resv: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct __kernel_timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

impl __kernel_timespec {
    pub fn from_duration(d: std::time::Duration) -> Self {
        __kernel_timespec { tv_sec: d.as_secs() as i64, tv_nsec: d.subsec_nanos() as i64 }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_getevents_arg {
    pub sigmask: u64,
    pub sigmask_sz: u32,
    pub min_wait_usec: u32,
    pub ts: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_reg_wait {
    pub ts: __kernel_timespec,
    pub min_wait_usec: u32,
    pub flags: u32,
    pub sigmask: u64,
    pub sigmask_sz: u32,
    pub pad: [u32; 3],
    pub pad2: [u64; 2],
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_sync_cancel_reg {
    pub addr: u64,
    pub fd: i32,
    pub flags: u32,
    pub timeout: __kernel_timespec,
    pub opcode: u8,
    pub pad: [u8; 7],
    pub pad2: [u64; 3],
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_file_index_range {
    pub off: u32,
    pub len: u32,
    pub resv: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_recvmsg_out {
    pub namelen: u32,
    pub controllen: u32,
    pub payloadlen: u32,
    pub flags: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_clock_register {
    pub clockid: u32,
    pub resv: [u32; 3],
}

/// io_uring_clone_buffers.flags.
pub const IORING_REGISTER_SRC_REGISTERED: u32 = 1 << 0;
pub const IORING_REGISTER_DST_REPLACE: u32 = 1 << 1;

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_clone_buffers {
    pub src_fd: u32,
    pub flags: u32,
    pub src_off: u32,
    pub dst_off: u32,
    pub nr: u32,
    pub pad: [u32; 3],
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_region_desc {
    pub user_addr: u64,
    pub size: u64,
    pub flags: u32,
    pub id: u32,
    pub mmap_offset: u64,
    pub resv: [u64; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct io_uring_mem_region_reg {
    pub region_uptr: u64,
    pub flags: u64,
    pub resv: [u64; 2],
}

// ---------------------------------------------------------------- layout

// The kernel layout, checked at compile time (sizes and the offsets that
// the union flattening could get wrong).
const _: () = {
    assert!(size_of::<io_uring_sqe>() == 64);
    assert!(offset_of!(io_uring_sqe, off) == 8);
    assert!(offset_of!(io_uring_sqe, addr) == 16);
    assert!(offset_of!(io_uring_sqe, len) == 24);
    assert!(offset_of!(io_uring_sqe, op_flags) == 28);
    assert!(offset_of!(io_uring_sqe, user_data) == 32);
    assert!(offset_of!(io_uring_sqe, buf_index) == 40);
    assert!(offset_of!(io_uring_sqe, personality) == 42);
    assert!(offset_of!(io_uring_sqe, file_index) == 44);
    assert!(offset_of!(io_uring_sqe, addr3) == 48);
    assert!(size_of::<io_uring_cqe>() == 16);
    assert!(size_of::<io_sqring_offsets>() == 40);
    assert!(size_of::<io_cqring_offsets>() == 40);
    assert!(size_of::<io_uring_params>() == 120);
    assert!(offset_of!(io_uring_params, sq_off) == 40);
    assert!(offset_of!(io_uring_params, cq_off) == 80);
    assert!(size_of::<io_uring_probe>() == 16);
    assert!(size_of::<io_uring_probe_op>() == 8);
    assert!(size_of::<io_uring_restriction>() == 16);
    assert!(size_of::<io_uring_rsrc_register>() == 32);
    assert!(size_of::<io_uring_rsrc_update>() == 16);
    assert!(size_of::<io_uring_rsrc_update2>() == 32);
    assert!(size_of::<io_uring_buf>() == 16);
    assert!(size_of::<io_uring_buf_reg>() == 40);
    assert!(size_of::<io_uring_buf_status>() == 40);
    assert!(size_of::<io_uring_napi>() == 16);
    assert!(size_of::<io_uring_getevents_arg>() == 24);
    assert!(size_of::<io_uring_reg_wait>() == 64);
    assert!(size_of::<io_uring_sync_cancel_reg>() == 64);
    assert!(size_of::<io_uring_file_index_range>() == 16);
    assert!(size_of::<io_uring_recvmsg_out>() == 16);
    assert!(size_of::<io_uring_clone_buffers>() == 32);
    assert!(size_of::<io_uring_region_desc>() == 64);
    assert!(size_of::<io_uring_mem_region_reg>() == 32);
};

// ---------------------------------------------------------------- syscalls

/// `io_uring_setup(2)`: returns the ring fd.
///
/// # Safety
/// With IORING_SETUP_NO_MMAP (or a setup bit a patched kernel reads as
/// it), the kernel builds the rings in the memory at `sq_off.user_addr` /
/// `cq_off.user_addr` and writes it for as long as the ring lives: that
/// memory outlives the ring and is only accessed through raw pointers or
/// atomics meanwhile (or the addresses are deliberately invalid, or 0).
pub unsafe fn io_uring_setup(entries: u32, p: &mut io_uring_params) -> Result<i32, Errno> {
    // SAFETY: p points to a valid params struct for the call's duration.
    let r = unsafe { libc::syscall(libc::SYS_io_uring_setup, entries as libc::c_long, p as *mut _) };
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(r as i32)
    }
}

/// `io_uring_enter(2)` with an explicit argument size (`argsz` is the
/// sigmask size without EXT_ARG, the extended argument's size with it).
///
/// # Safety
/// `arg` must be valid for what `flags` tells the kernel it is.
pub unsafe fn io_uring_enter(fd: i32, to_submit: u32, min_complete: u32, flags: u32, arg: *const libc::c_void, argsz: usize) -> Result<u32, Errno> {
    // SAFETY: the caller's contract covers arg; the other arguments are
    // plain integers.
    let r = unsafe {
        libc::syscall(
            libc::SYS_io_uring_enter,
            fd as libc::c_long,
            to_submit as libc::c_long,
            min_complete as libc::c_long,
            flags as libc::c_long,
            arg,
            argsz as libc::c_long,
        )
    };
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(r as u32)
    }
}

/// `io_uring_register(2)`.
///
/// `arg` is `*mut`: some opcodes write their results into it (PROBE,
/// RING_FDS, IOWQ_MAX_WORKERS, PBUF_STATUS, RESIZE_RINGS, ...).
///
/// # Safety
/// `arg` must be valid for `opcode` and `nr_args`, for reads and, where
/// the opcode writes back, for writes (or deliberately invalid, which the
/// kernel must answer with EFAULT).
pub unsafe fn io_uring_register(fd: i32, opcode: u32, arg: *mut libc::c_void, nr_args: u32) -> Result<i32, Errno> {
    // SAFETY: the caller's contract covers arg.
    let r = unsafe { libc::syscall(libc::SYS_io_uring_register, fd as libc::c_long, opcode as libc::c_long, arg, nr_args as libc::c_long) };
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(r as i32)
    }
}

#[cfg(test)]
mod errno_tests {
    use super::*;
    #[test]
    fn every_errno_a_case_can_meet_has_a_name() {
        assert_eq!(errno_name(libc::EINVAL), "EINVAL");
        assert_eq!(errno_name(libc::EHOSTUNREACH), "EHOSTUNREACH");
        assert_eq!(errno_name(libc::ENETUNREACH), "ENETUNREACH");
        assert_eq!(errno_name(512), "ERESTARTSYS");
        assert_eq!(errno_name(524), "ENOTSUPP");
        assert_eq!(res_name(-512), "-ERESTARTSYS");
        assert_eq!(errno_name(4000), "E?4000");
        // 41 and 58 are unassigned in Linux.
        for e in (1..=133).filter(|e| ![41, 58].contains(e)) {
            assert!(!errno_name(e).starts_with("E?"), "errno {e} has no name");
        }
    }
}

/// `struct open_how` (openat2(2), include/uapi/linux/openat2.h).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct open_how {
    pub flags: u64,
    pub mode: u64,
    pub resolve: u64,
}
pub const RESOLVE_BENEATH: u64 = 0x08;

/// `struct futex_waitv` (include/uapi/linux/futex.h).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct futex_waitv {
    pub val: u64,
    pub uaddr: u64,
    pub flags: u32,
    pub __reserved: u32,
}

pub mod fused_v6 {
    //! The series' numbers (V6 03/17 and the ublk patches), kept apart
    //! from the upstream uapi mirror: several were reused upstream.
    pub const IORING_OP_FUSED_CMD: u8 = 49;
    pub const IORING_SETUP_FUSED_REQ: u32 = 1 << 14;
    pub const IORING_FUSED_CMD_BUF: u32 = 1 << 1;
    pub const UBLK_IO_FETCH_REQ: u32 = 0x20;
    pub const UBLK_IO_COMMIT_AND_FETCH_REQ: u32 = 0x21;
    pub const UBLK_IO_FUSED_SUBMIT_IO: u32 = 0x23;
    pub const UBLK_CMD_ADD_DEV: u32 = 0x04;
    pub const UBLK_CMD_DEL_DEV: u32 = 0x05;
    pub const UBLK_CMD_START_DEV: u32 = 0x06;
    pub const UBLK_CMD_STOP_DEV: u32 = 0x07;
    pub const UBLK_CMD_SET_PARAMS: u32 = 0x08;
    pub const UBLK_F_SUPPORT_ZERO_COPY: u64 = 1 << 0;
    pub const UBLK_IO_OP_READ: u32 = 0;
    pub const UBLK_IO_OP_WRITE: u32 = 1;
    pub const UBLK_PARAM_TYPE_BASIC: u32 = 1 << 0;
}
