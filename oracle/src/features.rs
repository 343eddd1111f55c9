//! The closed feature vocabulary: one row per capability, with its stable
//! ID, how it is detected, the kernel version that documented it, and a
//! reference. Cases name features as enum variants, so an unknown feature
//! in a case is a compile error.
//!
//! A kernel version never decides a skip (distributions backport); only
//! the probe does. `since` is data for the support matrix and `--strict`.

use crate::sys::*;
use serde::Serialize;

/// How the probe detects a feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detect {
    /// IORING_REGISTER_PROBE reports the opcode with IO_URING_OP_SUPPORTED.
    Op(u8),
    /// The bit is set in io_uring_params.features.
    Feat(u32),
    /// io_uring_setup accepts the flag (with its prerequisites).
    Setup(u32),
    /// io_uring_enter accepts the flag.
    Enter(u32),
    /// A NOP (or the op the flag needs) with the IOSQE_* flag is accepted.
    Sqe(u8),
    /// A register call crafted so that only an unknown opcode gives EINVAL.
    Register(u32),
    /// The op accepts the per-op flag (behaviour).
    OpFlag(OpFlag),
    /// An unmerged patch series, detected by behaviour only.
    Proposal(Proposal),
    /// The environment.
    Env(Env),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpFlag {
    NopInjectResult,
    NopCqe32,
    /// IORING_OP_TIMEOUT accepts these timeout_flags.
    Timeout(u32),
    /// IORING_OP_TIMEOUT_REMOVE accepts these flags (updates).
    TimeoutRemove(u32),
    /// IORING_OP_ASYNC_CANCEL accepts these cancel_flags.
    Cancel(u32),
    /// IORING_OP_POLL_ADD accepts IORING_POLL_ADD_MULTI.
    PollAddMulti,
    /// OPENAT installs into a registered slot (sqe->file_index).
    OpenatDirect,
    /// OPENAT picks a free slot with IORING_FILE_INDEX_ALLOC.
    FileIndexAlloc,
    /// IORING_REGISTER_PBUF_RING accepts these flags (IOU_PBUF_RING_*).
    PbufRing(u16),
    /// ACCEPT takes IORING_ACCEPT_MULTISHOT.
    AcceptMulti,
    /// FILES2/BUFFERS2 take IORING_RSRC_REGISTER_SPARSE.
    RsrcSparse,
    /// IORING_REGISTER_CLONE_BUFFERS takes a range (src_off, dst_off, nr).
    CloneBuffersRange,
    /// A NOP completes on an IOPOLL ring.
    NopIopoll,
    /// URING_CMD on a socket knows this SOCKET_URING_OP_* command.
    UringCmdSock(u32),
    /// URING_CMD on a block device knows BLOCK_URING_CMD_DISCARD.
    UringCmdBlkDiscard,
    /// MSG_RING accepts these msg_ring_flags (IORING_MSG_RING_*).
    MsgRingFlags(u32),
    /// MSG_RING knows IORING_MSG_SEND_FD.
    MsgRingSendFd,
    /// SENDMSG_ZC takes IORING_RECVSEND_FIXED_BUF (its iovecs inside a
    /// registered buffer).
    SendmsgZcFixed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proposal {
    SqeGroup,
    FusedCmd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Env {
    Root,
    /// The ublk control device (/dev/ublk-control: CONFIG_BLK_DEV_UBLK,
    /// root), for the fused-command cases' ublk server fixture.
    Ublk,
    /// RLIMIT_MEMLOCK lets a process without CAP_IPC_LOCK use io_uring
    /// (envlimits::MIN_MEMLOCK or unlimited): cases that drop privileges.
    Memlock,
    Kmsg,
    MultiCpu,
    TimeNs,
    /// A directory whose file system takes O_DIRECT (envsetup).
    ODirect,
    /// The O_DIRECT directory is on a block-device file system (not tmpfs,
    /// whose O_DIRECT is buffered I/O without alignment rules or ->iopoll).
    ODirectBdev,
    /// A null_blk device with poll queues (envsetup).
    NullBlkPoll,
    /// A null_blk device that takes discard (envsetup, through configfs).
    NullBlkDiscard,
    /// userfaultfd(2) can stall a kernel-mode copy here (fixtures::StalledPage).
    Userfaultfd,
    /// The file system of the trials' $TMPDIR allocates space with
    /// fallocate(2) (ramfs does not: EOPNOTSUPP).
    TmpFallocate,
    /// The file system of the trials' $TMPDIR stores trusted.* extended
    /// attributes (root; ramfs does not: EOPNOTSUPP).
    TmpXattr,
    /// The machine may crash: a throwaway VM (URING_CONFORM_DISPOSABLE=1,
    /// set by the kernel matrix's init). Regression cases that can oops a
    /// kernel that still has the bug need it.
    Disposable,
    /// Per-thread kernel fault injection reaches io_uring's sleeping
    /// allocations: /proc/thread-self/fail-nth exists (CONFIG_FAULT_INJECTION,
    /// CONFIG_FAILSLAB) and failslab's ignore-gfp-wait reads N (debugfs,
    /// root; the kernel matrix VMs' init sets it).
    FaultInject,
}

/// One row of the vocabulary.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct FeatureInfo {
    #[serde(skip)]
    pub feature: Feature,
    pub id: &'static str,
    #[serde(skip)]
    pub detect: Detect,
    /// First kernel release that documented it ("" for proposals and env).
    pub since: &'static str,
    pub reference: &'static str,
}

macro_rules! vocabulary {
    ($($name:ident = $id:literal, $detect:expr, $since:literal, $reference:literal;)*) => {
        /// Every capability the suite knows. See [`FEATURES`] for the rows.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Feature { $($name),* }

        /// The vocabulary, in [`Feature`] order.
        pub const FEATURES: &[FeatureInfo] = &[
            $(FeatureInfo { feature: Feature::$name, id: $id, detect: $detect, since: $since, reference: $reference }),*
        ];
    };
}

impl Feature {
    pub fn info(self) -> &'static FeatureInfo {
        &FEATURES[self as usize]
    }
    pub fn id(self) -> &'static str {
        self.info().id
    }
    pub fn from_id(id: &str) -> Option<Feature> {
        FEATURES.iter().find(|f| f.id == id).map(|f| f.feature)
    }
    /// The class, from how the feature is detected (its ID starts with the
    /// class's name: a test holds the two together).
    pub fn class(self) -> Class {
        match self.info().detect {
            Detect::Op(_) => Class::Op,
            Detect::Feat(_) => Class::Feat,
            Detect::Setup(_) => Class::Setup,
            Detect::Enter(_) => Class::Enter,
            Detect::Sqe(_) => Class::Sqe,
            Detect::Register(_) => Class::Register,
            Detect::OpFlag(_) => Class::OpFlag,
            Detect::Proposal(_) => Class::Proposal,
            Detect::Env(_) => Class::Env,
        }
    }
    /// What the environment provides (privilege, devices, a disposable
    /// machine): a lack of it is never the kernel's.
    pub fn is_environment(self) -> bool {
        self.class() == Class::Env
    }
}

/// A feature's class: what kind of capability it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    Op,
    Feat,
    Setup,
    Enter,
    Sqe,
    Register,
    OpFlag,
    Proposal,
    Env,
}

impl Class {
    /// The class's name, the prefix of its features' IDs.
    pub fn name(self) -> &'static str {
        match self {
            Class::Op => "op",
            Class::Feat => "feat",
            Class::Setup => "setup",
            Class::Enter => "enter",
            Class::Sqe => "sqe",
            Class::Register => "reg",
            Class::OpFlag => "opflag",
            Class::Proposal => "proposal",
            Class::Env => "env",
        }
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

impl std::fmt::Display for Feature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// Whether the detection looks at behaviour, so that it can find the
/// feature present but broken (oracle/src/probe/detect/mod.rs): setup and
/// enter flags, SQE flags, per-op flags, the SQE group proposal. Opcodes,
/// FEAT bits, register opcodes and the fused-command proposal are
/// declarations (compared with behaviour by probe/crosscheck.rs); the
/// environment is not the kernel's.
pub fn judged_by_behaviour(d: Detect) -> bool {
    matches!(d, Detect::Setup(_) | Detect::Enter(_) | Detect::Sqe(_) | Detect::OpFlag(_) | Detect::Proposal(Proposal::SqeGroup))
}

/// Parses "6.18", "5.10.0-31-amd64" or "7.0-rc1" into (major, minor).
pub fn parse_version(s: &str) -> Option<(u32, u32)> {
    let mut it = s.split(|c: char| !c.is_ascii_digit());
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some((major, minor))
}

vocabulary! {
    OpNop = "op.nop", Detect::Op(IORING_OP_NOP), "5.1", "io_uring_enter(2): IORING_OP_NOP";
    OpReadv = "op.readv", Detect::Op(IORING_OP_READV), "5.1", "io_uring_enter(2): IORING_OP_READV";
    OpWritev = "op.writev", Detect::Op(IORING_OP_WRITEV), "5.1", "io_uring_enter(2): IORING_OP_WRITEV";
    OpFsync = "op.fsync", Detect::Op(IORING_OP_FSYNC), "5.1", "io_uring_enter(2): IORING_OP_FSYNC";
    OpReadFixed = "op.read_fixed", Detect::Op(IORING_OP_READ_FIXED), "5.1", "io_uring_enter(2): IORING_OP_READ_FIXED";
    OpWriteFixed = "op.write_fixed", Detect::Op(IORING_OP_WRITE_FIXED), "5.1", "io_uring_enter(2): IORING_OP_WRITE_FIXED";
    OpPollAdd = "op.poll_add", Detect::Op(IORING_OP_POLL_ADD), "5.1", "io_uring_enter(2): IORING_OP_POLL_ADD";
    OpPollRemove = "op.poll_remove", Detect::Op(IORING_OP_POLL_REMOVE), "5.1", "io_uring_enter(2): IORING_OP_POLL_REMOVE";
    OpSyncFileRange = "op.sync_file_range", Detect::Op(IORING_OP_SYNC_FILE_RANGE), "5.2", "io_uring_enter(2): IORING_OP_SYNC_FILE_RANGE";
    OpSendmsg = "op.sendmsg", Detect::Op(IORING_OP_SENDMSG), "5.3", "io_uring_enter(2): IORING_OP_SENDMSG";
    OpRecvmsg = "op.recvmsg", Detect::Op(IORING_OP_RECVMSG), "5.3", "io_uring_enter(2): IORING_OP_RECVMSG";
    OpTimeout = "op.timeout", Detect::Op(IORING_OP_TIMEOUT), "5.4", "io_uring_enter(2): IORING_OP_TIMEOUT";
    OpTimeoutRemove = "op.timeout_remove", Detect::Op(IORING_OP_TIMEOUT_REMOVE), "5.5", "io_uring_enter(2): IORING_OP_TIMEOUT_REMOVE";
    OpAccept = "op.accept", Detect::Op(IORING_OP_ACCEPT), "5.5", "io_uring_enter(2): IORING_OP_ACCEPT";
    OpAsyncCancel = "op.async_cancel", Detect::Op(IORING_OP_ASYNC_CANCEL), "5.5", "io_uring_enter(2): IORING_OP_ASYNC_CANCEL";
    OpLinkTimeout = "op.link_timeout", Detect::Op(IORING_OP_LINK_TIMEOUT), "5.5", "io_uring_enter(2): IORING_OP_LINK_TIMEOUT";
    OpConnect = "op.connect", Detect::Op(IORING_OP_CONNECT), "5.5", "io_uring_enter(2): IORING_OP_CONNECT";
    OpFallocate = "op.fallocate", Detect::Op(IORING_OP_FALLOCATE), "5.6", "io_uring_enter(2): IORING_OP_FALLOCATE";
    OpOpenat = "op.openat", Detect::Op(IORING_OP_OPENAT), "5.6", "io_uring_enter(2): IORING_OP_OPENAT";
    OpClose = "op.close", Detect::Op(IORING_OP_CLOSE), "5.6", "io_uring_enter(2): IORING_OP_CLOSE";
    OpFilesUpdate = "op.files_update", Detect::Op(IORING_OP_FILES_UPDATE), "5.6", "io_uring_enter(2): IORING_OP_FILES_UPDATE";
    OpStatx = "op.statx", Detect::Op(IORING_OP_STATX), "5.6", "io_uring_enter(2): IORING_OP_STATX";
    OpRead = "op.read", Detect::Op(IORING_OP_READ), "5.6", "io_uring_enter(2): IORING_OP_READ";
    OpWrite = "op.write", Detect::Op(IORING_OP_WRITE), "5.6", "io_uring_enter(2): IORING_OP_WRITE";
    OpFadvise = "op.fadvise", Detect::Op(IORING_OP_FADVISE), "5.6", "io_uring_enter(2): IORING_OP_FADVISE";
    OpMadvise = "op.madvise", Detect::Op(IORING_OP_MADVISE), "5.6", "io_uring_enter(2): IORING_OP_MADVISE";
    OpSend = "op.send", Detect::Op(IORING_OP_SEND), "5.6", "io_uring_enter(2): IORING_OP_SEND";
    OpRecv = "op.recv", Detect::Op(IORING_OP_RECV), "5.6", "io_uring_enter(2): IORING_OP_RECV";
    OpOpenat2 = "op.openat2", Detect::Op(IORING_OP_OPENAT2), "5.6", "io_uring_enter(2): IORING_OP_OPENAT2";
    OpEpollCtl = "op.epoll_ctl", Detect::Op(IORING_OP_EPOLL_CTL), "5.6", "io_uring_enter(2): IORING_OP_EPOLL_CTL";
    OpSplice = "op.splice", Detect::Op(IORING_OP_SPLICE), "5.7", "io_uring_enter(2): IORING_OP_SPLICE";
    OpProvideBuffers = "op.provide_buffers", Detect::Op(IORING_OP_PROVIDE_BUFFERS), "5.7", "io_uring_enter(2): IORING_OP_PROVIDE_BUFFERS";
    OpRemoveBuffers = "op.remove_buffers", Detect::Op(IORING_OP_REMOVE_BUFFERS), "5.7", "io_uring_enter(2): IORING_OP_REMOVE_BUFFERS";
    OpTee = "op.tee", Detect::Op(IORING_OP_TEE), "5.8", "io_uring_enter(2): IORING_OP_TEE";
    OpShutdown = "op.shutdown", Detect::Op(IORING_OP_SHUTDOWN), "5.11", "io_uring_enter(2): IORING_OP_SHUTDOWN";
    OpRenameat = "op.renameat", Detect::Op(IORING_OP_RENAMEAT), "5.11", "io_uring_enter(2): IORING_OP_RENAMEAT";
    OpUnlinkat = "op.unlinkat", Detect::Op(IORING_OP_UNLINKAT), "5.11", "io_uring_enter(2): IORING_OP_UNLINKAT";
    OpMkdirat = "op.mkdirat", Detect::Op(IORING_OP_MKDIRAT), "5.15", "io_uring_enter(2): IORING_OP_MKDIRAT";
    OpSymlinkat = "op.symlinkat", Detect::Op(IORING_OP_SYMLINKAT), "5.15", "io_uring_enter(2): IORING_OP_SYMLINKAT";
    OpLinkat = "op.linkat", Detect::Op(IORING_OP_LINKAT), "5.15", "io_uring_enter(2): IORING_OP_LINKAT";
    OpMsgRing = "op.msg_ring", Detect::Op(IORING_OP_MSG_RING), "5.18", "io_uring_enter(2): IORING_OP_MSG_RING";
    OpFsetxattr = "op.fsetxattr", Detect::Op(IORING_OP_FSETXATTR), "5.19", "io_uring_enter(2): IORING_OP_FSETXATTR";
    OpSetxattr = "op.setxattr", Detect::Op(IORING_OP_SETXATTR), "5.19", "io_uring_enter(2): IORING_OP_SETXATTR";
    OpFgetxattr = "op.fgetxattr", Detect::Op(IORING_OP_FGETXATTR), "5.19", "io_uring_enter(2): IORING_OP_FGETXATTR";
    OpGetxattr = "op.getxattr", Detect::Op(IORING_OP_GETXATTR), "5.19", "io_uring_enter(2): IORING_OP_GETXATTR";
    OpSocket = "op.socket", Detect::Op(IORING_OP_SOCKET), "5.19", "io_uring_enter(2): IORING_OP_SOCKET";
    OpUringCmd = "op.uring_cmd", Detect::Op(IORING_OP_URING_CMD), "5.19", "io_uring_enter(2): IORING_OP_URING_CMD";
    OpSendZc = "op.send_zc", Detect::Op(IORING_OP_SEND_ZC), "6.0", "io_uring_enter(2): IORING_OP_SEND_ZC";
    OpSendmsgZc = "op.sendmsg_zc", Detect::Op(IORING_OP_SENDMSG_ZC), "6.1", "io_uring_enter(2): IORING_OP_SENDMSG_ZC";
    OpReadMultishot = "op.read_multishot", Detect::Op(IORING_OP_READ_MULTISHOT), "6.7", "io_uring_enter(2): IORING_OP_READ_MULTISHOT";
    OpWaitid = "op.waitid", Detect::Op(IORING_OP_WAITID), "6.7", "io_uring_enter(2): IORING_OP_WAITID";
    OpFutexWait = "op.futex_wait", Detect::Op(IORING_OP_FUTEX_WAIT), "6.7", "io_uring_enter(2): IORING_OP_FUTEX_WAIT";
    OpFutexWake = "op.futex_wake", Detect::Op(IORING_OP_FUTEX_WAKE), "6.7", "io_uring_enter(2): IORING_OP_FUTEX_WAKE";
    OpFutexWaitv = "op.futex_waitv", Detect::Op(IORING_OP_FUTEX_WAITV), "6.7", "io_uring_enter(2): IORING_OP_FUTEX_WAITV";
    OpFixedFdInstall = "op.fixed_fd_install", Detect::Op(IORING_OP_FIXED_FD_INSTALL), "6.8", "io_uring_enter(2): IORING_OP_FIXED_FD_INSTALL";
    OpFtruncate = "op.ftruncate", Detect::Op(IORING_OP_FTRUNCATE), "6.9", "io_uring_enter(2): IORING_OP_FTRUNCATE";
    OpBind = "op.bind", Detect::Op(IORING_OP_BIND), "6.11", "io_uring_enter(2): IORING_OP_BIND";
    OpListen = "op.listen", Detect::Op(IORING_OP_LISTEN), "6.11", "io_uring_enter(2): IORING_OP_LISTEN";
    OpRecvZc = "op.recv_zc", Detect::Op(IORING_OP_RECV_ZC), "6.15", "io_uring_enter(2): IORING_OP_RECV_ZC";
    OpEpollWait = "op.epoll_wait", Detect::Op(IORING_OP_EPOLL_WAIT), "6.15", "io_uring_enter(2): IORING_OP_EPOLL_WAIT";
    OpReadvFixed = "op.readv_fixed", Detect::Op(IORING_OP_READV_FIXED), "6.15", "io_uring_enter(2): IORING_OP_READV_FIXED";
    OpWritevFixed = "op.writev_fixed", Detect::Op(IORING_OP_WRITEV_FIXED), "6.15", "io_uring_enter(2): IORING_OP_WRITEV_FIXED";
    OpPipe = "op.pipe", Detect::Op(IORING_OP_PIPE), "6.16", "io_uring_enter(2): IORING_OP_PIPE";
    OpNop128 = "op.nop128", Detect::Op(IORING_OP_NOP128), "6.19", "io_uring_enter(2): IORING_OP_NOP128";
    OpUringCmd128 = "op.uring_cmd128", Detect::Op(IORING_OP_URING_CMD128), "6.19", "io_uring_enter(2): IORING_OP_URING_CMD128";
    FeatSingleMmap = "feat.single_mmap", Detect::Feat(IORING_FEAT_SINGLE_MMAP), "5.4", "io_uring_setup(2): IORING_FEAT_SINGLE_MMAP";
    FeatNodrop = "feat.nodrop", Detect::Feat(IORING_FEAT_NODROP), "5.5", "io_uring_setup(2): IORING_FEAT_NODROP";
    FeatSubmitStable = "feat.submit_stable", Detect::Feat(IORING_FEAT_SUBMIT_STABLE), "5.5", "io_uring_setup(2): IORING_FEAT_SUBMIT_STABLE";
    FeatRwCurPos = "feat.rw_cur_pos", Detect::Feat(IORING_FEAT_RW_CUR_POS), "5.6", "io_uring_setup(2): IORING_FEAT_RW_CUR_POS";
    FeatCurPersonality = "feat.cur_personality", Detect::Feat(IORING_FEAT_CUR_PERSONALITY), "5.6", "io_uring_setup(2): IORING_FEAT_CUR_PERSONALITY";
    FeatFastPoll = "feat.fast_poll", Detect::Feat(IORING_FEAT_FAST_POLL), "5.7", "io_uring_setup(2): IORING_FEAT_FAST_POLL";
    FeatPoll32bits = "feat.poll_32bits", Detect::Feat(IORING_FEAT_POLL_32BITS), "5.9", "io_uring_setup(2): IORING_FEAT_POLL_32BITS";
    FeatSqpollNonfixed = "feat.sqpoll_nonfixed", Detect::Feat(IORING_FEAT_SQPOLL_NONFIXED), "5.11", "io_uring_setup(2): IORING_FEAT_SQPOLL_NONFIXED";
    FeatExtArg = "feat.ext_arg", Detect::Feat(IORING_FEAT_EXT_ARG), "5.11", "io_uring_setup(2): IORING_FEAT_EXT_ARG";
    FeatNativeWorkers = "feat.native_workers", Detect::Feat(IORING_FEAT_NATIVE_WORKERS), "5.12", "io_uring_setup(2): IORING_FEAT_NATIVE_WORKERS";
    FeatRsrcTags = "feat.rsrc_tags", Detect::Feat(IORING_FEAT_RSRC_TAGS), "5.13", "io_uring_setup(2): IORING_FEAT_RSRC_TAGS";
    FeatCqeSkip = "feat.cqe_skip", Detect::Feat(IORING_FEAT_CQE_SKIP), "5.17", "io_uring_setup(2): IORING_FEAT_CQE_SKIP";
    FeatLinkedFile = "feat.linked_file", Detect::Feat(IORING_FEAT_LINKED_FILE), "5.17", "io_uring_setup(2): IORING_FEAT_LINKED_FILE";
    FeatRegRegRing = "feat.reg_reg_ring", Detect::Feat(IORING_FEAT_REG_REG_RING), "6.3", "io_uring_setup(2): IORING_FEAT_REG_REG_RING";
    FeatRecvsendBundle = "feat.recvsend_bundle", Detect::Feat(IORING_FEAT_RECVSEND_BUNDLE), "6.10", "io_uring_setup(2): IORING_FEAT_RECVSEND_BUNDLE";
    FeatMinTimeout = "feat.min_timeout", Detect::Feat(IORING_FEAT_MIN_TIMEOUT), "6.12", "io_uring_setup(2): IORING_FEAT_MIN_TIMEOUT";
    FeatRwAttr = "feat.rw_attr", Detect::Feat(IORING_FEAT_RW_ATTR), "6.14", "io_uring_setup(2): IORING_FEAT_RW_ATTR";
    FeatNoIowait = "feat.no_iowait", Detect::Feat(IORING_FEAT_NO_IOWAIT), "6.15", "io_uring_setup(2): IORING_FEAT_NO_IOWAIT";
    SetupIopoll = "setup.iopoll", Detect::Setup(IORING_SETUP_IOPOLL), "5.1", "io_uring_setup(2): IORING_SETUP_IOPOLL";
    SetupSqpoll = "setup.sqpoll", Detect::Setup(IORING_SETUP_SQPOLL), "5.1", "io_uring_setup(2): IORING_SETUP_SQPOLL";
    SetupSqAff = "setup.sq_aff", Detect::Setup(IORING_SETUP_SQ_AFF), "5.1", "io_uring_setup(2): IORING_SETUP_SQ_AFF";
    SetupCqsize = "setup.cqsize", Detect::Setup(IORING_SETUP_CQSIZE), "5.5", "io_uring_setup(2): IORING_SETUP_CQSIZE";
    SetupClamp = "setup.clamp", Detect::Setup(IORING_SETUP_CLAMP), "5.6", "io_uring_setup(2): IORING_SETUP_CLAMP";
    SetupAttachWq = "setup.attach_wq", Detect::Setup(IORING_SETUP_ATTACH_WQ), "5.6", "io_uring_setup(2): IORING_SETUP_ATTACH_WQ";
    SetupRDisabled = "setup.r_disabled", Detect::Setup(IORING_SETUP_R_DISABLED), "5.10", "io_uring_setup(2): IORING_SETUP_R_DISABLED";
    SetupSubmitAll = "setup.submit_all", Detect::Setup(IORING_SETUP_SUBMIT_ALL), "5.18", "io_uring_setup(2): IORING_SETUP_SUBMIT_ALL";
    SetupCoopTaskrun = "setup.coop_taskrun", Detect::Setup(IORING_SETUP_COOP_TASKRUN), "5.19", "io_uring_setup(2): IORING_SETUP_COOP_TASKRUN";
    SetupTaskrunFlag = "setup.taskrun_flag", Detect::Setup(IORING_SETUP_TASKRUN_FLAG), "5.19", "io_uring_setup(2): IORING_SETUP_TASKRUN_FLAG";
    SetupSqe128 = "setup.sqe128", Detect::Setup(IORING_SETUP_SQE128), "5.19", "io_uring_setup(2): IORING_SETUP_SQE128";
    SetupCqe32 = "setup.cqe32", Detect::Setup(IORING_SETUP_CQE32), "5.19", "io_uring_setup(2): IORING_SETUP_CQE32";
    SetupSingleIssuer = "setup.single_issuer", Detect::Setup(IORING_SETUP_SINGLE_ISSUER), "6.0", "io_uring_setup(2): IORING_SETUP_SINGLE_ISSUER";
    SetupDeferTaskrun = "setup.defer_taskrun", Detect::Setup(IORING_SETUP_DEFER_TASKRUN), "6.1", "io_uring_setup(2): IORING_SETUP_DEFER_TASKRUN";
    SetupNoMmap = "setup.no_mmap", Detect::Setup(IORING_SETUP_NO_MMAP), "6.5", "io_uring_setup(2): IORING_SETUP_NO_MMAP";
    SetupRegisteredFdOnly = "setup.registered_fd_only", Detect::Setup(IORING_SETUP_REGISTERED_FD_ONLY), "6.5", "io_uring_setup(2): IORING_SETUP_REGISTERED_FD_ONLY";
    SetupNoSqarray = "setup.no_sqarray", Detect::Setup(IORING_SETUP_NO_SQARRAY), "6.6", "io_uring_setup(2): IORING_SETUP_NO_SQARRAY";
    SetupHybridIopoll = "setup.hybrid_iopoll", Detect::Setup(IORING_SETUP_HYBRID_IOPOLL), "6.13", "io_uring_setup(2): IORING_SETUP_HYBRID_IOPOLL";
    SetupCqeMixed = "setup.cqe_mixed", Detect::Setup(IORING_SETUP_CQE_MIXED), "6.18", "io_uring_setup(2): IORING_SETUP_CQE_MIXED";
    SetupSqeMixed = "setup.sqe_mixed", Detect::Setup(IORING_SETUP_SQE_MIXED), "6.19", "io_uring_setup(2): IORING_SETUP_SQE_MIXED";
    SetupSqRewind = "setup.sq_rewind", Detect::Setup(IORING_SETUP_SQ_REWIND), "7.0", "io_uring_setup(2): IORING_SETUP_SQ_REWIND";
    EnterGetevents = "enter.getevents", Detect::Enter(IORING_ENTER_GETEVENTS), "5.1", "io_uring_enter(2): IORING_ENTER_GETEVENTS";
    EnterSqWakeup = "enter.sq_wakeup", Detect::Enter(IORING_ENTER_SQ_WAKEUP), "5.1", "io_uring_enter(2): IORING_ENTER_SQ_WAKEUP";
    EnterSqWait = "enter.sq_wait", Detect::Enter(IORING_ENTER_SQ_WAIT), "5.10", "io_uring_enter(2): IORING_ENTER_SQ_WAIT";
    EnterExtArg = "enter.ext_arg", Detect::Enter(IORING_ENTER_EXT_ARG), "5.11", "io_uring_enter(2): IORING_ENTER_EXT_ARG";
    EnterRegisteredRing = "enter.registered_ring", Detect::Enter(IORING_ENTER_REGISTERED_RING), "5.18", "io_uring_enter(2): IORING_ENTER_REGISTERED_RING";
    EnterAbsTimer = "enter.abs_timer", Detect::Enter(IORING_ENTER_ABS_TIMER), "6.12", "io_uring_enter(2): IORING_ENTER_ABS_TIMER";
    EnterExtArgReg = "enter.ext_arg_reg", Detect::Enter(IORING_ENTER_EXT_ARG_REG), "6.13", "io_uring_enter(2): IORING_ENTER_EXT_ARG_REG";
    EnterNoIowait = "enter.no_iowait", Detect::Enter(IORING_ENTER_NO_IOWAIT), "6.15", "io_uring_enter(2): IORING_ENTER_NO_IOWAIT";
    SqeFixedFile = "sqe.fixed_file", Detect::Sqe(IOSQE_FIXED_FILE), "5.1", "io_uring_enter(2): IOSQE_FIXED_FILE";
    SqeIoDrain = "sqe.io_drain", Detect::Sqe(IOSQE_IO_DRAIN), "5.2", "io_uring_enter(2): IOSQE_IO_DRAIN";
    SqeIoLink = "sqe.io_link", Detect::Sqe(IOSQE_IO_LINK), "5.3", "io_uring_enter(2): IOSQE_IO_LINK";
    SqeIoHardlink = "sqe.io_hardlink", Detect::Sqe(IOSQE_IO_HARDLINK), "5.5", "io_uring_enter(2): IOSQE_IO_HARDLINK";
    SqeAsync = "sqe.async", Detect::Sqe(IOSQE_ASYNC), "5.6", "io_uring_enter(2): IOSQE_ASYNC";
    SqeBufferSelect = "sqe.buffer_select", Detect::Sqe(IOSQE_BUFFER_SELECT), "5.7", "io_uring_enter(2): IOSQE_BUFFER_SELECT";
    SqeCqeSkipSuccess = "sqe.cqe_skip_success", Detect::Sqe(IOSQE_CQE_SKIP_SUCCESS), "5.17", "io_uring_enter(2): IOSQE_CQE_SKIP_SUCCESS";
    SqeBit7 = "sqe.bit7", Detect::Sqe(IOSQE_BIT7), "", "io_uring_enter(2): the last IOSQE bit, unused upstream (its use is proposal.sqe_group)";
    RegBuffers = "reg.buffers", Detect::Register(IORING_REGISTER_BUFFERS), "5.1", "io_uring_register(2): IORING_REGISTER_BUFFERS";
    RegUnregisterBuffers = "reg.unregister_buffers", Detect::Register(IORING_UNREGISTER_BUFFERS), "5.1", "io_uring_register(2): IORING_UNREGISTER_BUFFERS";
    RegFiles = "reg.files", Detect::Register(IORING_REGISTER_FILES), "5.1", "io_uring_register(2): IORING_REGISTER_FILES";
    RegUnregisterFiles = "reg.unregister_files", Detect::Register(IORING_UNREGISTER_FILES), "5.1", "io_uring_register(2): IORING_UNREGISTER_FILES";
    RegEventfd = "reg.eventfd", Detect::Register(IORING_REGISTER_EVENTFD), "5.2", "io_uring_register(2): IORING_REGISTER_EVENTFD";
    RegUnregisterEventfd = "reg.unregister_eventfd", Detect::Register(IORING_UNREGISTER_EVENTFD), "5.2", "io_uring_register(2): IORING_UNREGISTER_EVENTFD";
    RegFilesUpdate = "reg.files_update", Detect::Register(IORING_REGISTER_FILES_UPDATE), "5.5", "io_uring_register(2): IORING_REGISTER_FILES_UPDATE";
    RegEventfdAsync = "reg.eventfd_async", Detect::Register(IORING_REGISTER_EVENTFD_ASYNC), "5.6", "io_uring_register(2): IORING_REGISTER_EVENTFD_ASYNC";
    RegProbe = "reg.probe", Detect::Register(IORING_REGISTER_PROBE), "5.6", "io_uring_register(2): IORING_REGISTER_PROBE";
    RegPersonality = "reg.personality", Detect::Register(IORING_REGISTER_PERSONALITY), "5.6", "io_uring_register(2): IORING_REGISTER_PERSONALITY";
    RegUnregisterPersonality = "reg.unregister_personality", Detect::Register(IORING_UNREGISTER_PERSONALITY), "5.6", "io_uring_register(2): IORING_UNREGISTER_PERSONALITY";
    RegRestrictions = "reg.restrictions", Detect::Register(IORING_REGISTER_RESTRICTIONS), "5.10", "io_uring_register(2): IORING_REGISTER_RESTRICTIONS";
    RegEnableRings = "reg.enable_rings", Detect::Register(IORING_REGISTER_ENABLE_RINGS), "5.10", "io_uring_register(2): IORING_REGISTER_ENABLE_RINGS";
    RegFiles2 = "reg.files2", Detect::Register(IORING_REGISTER_FILES2), "5.13", "io_uring_register(2): IORING_REGISTER_FILES2";
    RegFilesUpdate2 = "reg.files_update2", Detect::Register(IORING_REGISTER_FILES_UPDATE2), "5.13", "io_uring_register(2): IORING_REGISTER_FILES_UPDATE2";
    RegBuffers2 = "reg.buffers2", Detect::Register(IORING_REGISTER_BUFFERS2), "5.13", "io_uring_register(2): IORING_REGISTER_BUFFERS2";
    RegBuffersUpdate = "reg.buffers_update", Detect::Register(IORING_REGISTER_BUFFERS_UPDATE), "5.13", "io_uring_register(2): IORING_REGISTER_BUFFERS_UPDATE";
    RegIowqAff = "reg.iowq_aff", Detect::Register(IORING_REGISTER_IOWQ_AFF), "5.14", "io_uring_register(2): IORING_REGISTER_IOWQ_AFF";
    RegUnregisterIowqAff = "reg.unregister_iowq_aff", Detect::Register(IORING_UNREGISTER_IOWQ_AFF), "5.14", "io_uring_register(2): IORING_UNREGISTER_IOWQ_AFF";
    RegIowqMaxWorkers = "reg.iowq_max_workers", Detect::Register(IORING_REGISTER_IOWQ_MAX_WORKERS), "5.15", "io_uring_register(2): IORING_REGISTER_IOWQ_MAX_WORKERS";
    RegRingFds = "reg.ring_fds", Detect::Register(IORING_REGISTER_RING_FDS), "5.18", "io_uring_register(2): IORING_REGISTER_RING_FDS";
    RegUnregisterRingFds = "reg.unregister_ring_fds", Detect::Register(IORING_UNREGISTER_RING_FDS), "5.18", "io_uring_register(2): IORING_UNREGISTER_RING_FDS";
    RegPbufRing = "reg.pbuf_ring", Detect::Register(IORING_REGISTER_PBUF_RING), "5.19", "io_uring_register(2): IORING_REGISTER_PBUF_RING";
    RegUnregisterPbufRing = "reg.unregister_pbuf_ring", Detect::Register(IORING_UNREGISTER_PBUF_RING), "5.19", "io_uring_register(2): IORING_UNREGISTER_PBUF_RING";
    RegSyncCancel = "reg.sync_cancel", Detect::Register(IORING_REGISTER_SYNC_CANCEL), "6.0", "io_uring_register(2): IORING_REGISTER_SYNC_CANCEL";
    RegFileAllocRange = "reg.file_alloc_range", Detect::Register(IORING_REGISTER_FILE_ALLOC_RANGE), "6.0", "io_uring_register(2): IORING_REGISTER_FILE_ALLOC_RANGE";
    RegPbufStatus = "reg.pbuf_status", Detect::Register(IORING_REGISTER_PBUF_STATUS), "6.8", "io_uring_register(2): IORING_REGISTER_PBUF_STATUS";
    RegNapi = "reg.napi", Detect::Register(IORING_REGISTER_NAPI), "6.9", "io_uring_register(2): IORING_REGISTER_NAPI";
    RegUnregisterNapi = "reg.unregister_napi", Detect::Register(IORING_UNREGISTER_NAPI), "6.9", "io_uring_register(2): IORING_UNREGISTER_NAPI";
    RegClock = "reg.clock", Detect::Register(IORING_REGISTER_CLOCK), "6.12", "io_uring_register(2): IORING_REGISTER_CLOCK";
    RegCloneBuffers = "reg.clone_buffers", Detect::Register(IORING_REGISTER_CLONE_BUFFERS), "6.12", "io_uring_register(2): IORING_REGISTER_CLONE_BUFFERS";
    RegSendMsgRing = "reg.send_msg_ring", Detect::Register(IORING_REGISTER_SEND_MSG_RING), "6.13", "io_uring_register(2): IORING_REGISTER_SEND_MSG_RING";
    RegZcrxIfq = "reg.zcrx_ifq", Detect::Register(IORING_REGISTER_ZCRX_IFQ), "6.15", "io_uring_register(2): IORING_REGISTER_ZCRX_IFQ";
    RegResizeRings = "reg.resize_rings", Detect::Register(IORING_REGISTER_RESIZE_RINGS), "6.13", "io_uring_register(2): IORING_REGISTER_RESIZE_RINGS";
    RegMemRegion = "reg.mem_region", Detect::Register(IORING_REGISTER_MEM_REGION), "6.13", "io_uring_register(2): IORING_REGISTER_MEM_REGION";
    RegQuery = "reg.query", Detect::Register(IORING_REGISTER_QUERY), "6.18", "io_uring_register(2): IORING_REGISTER_QUERY";
    RegZcrxCtrl = "reg.zcrx_ctrl", Detect::Register(IORING_REGISTER_ZCRX_CTRL), "6.19", "io_uring_register(2): IORING_REGISTER_ZCRX_CTRL";
    RegBpfFilter = "reg.bpf_filter", Detect::Register(IORING_REGISTER_BPF_FILTER), "7.0", "io_uring_register(2): IORING_REGISTER_BPF_FILTER";
    OpflagNopInjectResult = "opflag.nop.inject_result", Detect::OpFlag(OpFlag::NopInjectResult), "6.10", "io_uring/nop.c: IORING_NOP_INJECT_RESULT";
    OpflagNopCqe32 = "opflag.nop.cqe32", Detect::OpFlag(OpFlag::NopCqe32), "6.18", "io_uring/nop.c: IORING_NOP_CQE32 (with IORING_SETUP_CQE_MIXED)";
    OpflagTimeoutAbs = "opflag.timeout.abs", Detect::OpFlag(OpFlag::Timeout(IORING_TIMEOUT_ABS)), "5.5", "io_uring_prep_timeout(3): IORING_TIMEOUT_ABS";
    OpflagTimeoutBoottime = "opflag.timeout.boottime", Detect::OpFlag(OpFlag::Timeout(IORING_TIMEOUT_BOOTTIME)), "5.15", "io_uring_prep_timeout(3): IORING_TIMEOUT_BOOTTIME";
    OpflagTimeoutRealtime = "opflag.timeout.realtime", Detect::OpFlag(OpFlag::Timeout(IORING_TIMEOUT_REALTIME)), "5.15", "io_uring_prep_timeout(3): IORING_TIMEOUT_REALTIME";
    OpflagTimeoutEtimeSuccess = "opflag.timeout.etime_success", Detect::OpFlag(OpFlag::Timeout(IORING_TIMEOUT_ETIME_SUCCESS)), "5.16", "io_uring_prep_timeout(3): IORING_TIMEOUT_ETIME_SUCCESS";
    OpflagTimeoutMultishot = "opflag.timeout.multishot", Detect::OpFlag(OpFlag::Timeout(IORING_TIMEOUT_MULTISHOT)), "6.4", "io_uring_prep_timeout(3): IORING_TIMEOUT_MULTISHOT";
    OpflagTimeoutImmediateArg = "opflag.timeout.immediate_arg", Detect::OpFlag(OpFlag::Timeout(IORING_TIMEOUT_IMMEDIATE_ARG)), "7.1", "io_uring_enter(2): IORING_OP_TIMEOUT, IORING_TIMEOUT_IMMEDIATE_ARG (addr holds nanoseconds)";
    OpflagTimeoutUpdate = "opflag.timeout_remove.update", Detect::OpFlag(OpFlag::TimeoutRemove(IORING_TIMEOUT_UPDATE)), "5.11", "io_uring_prep_timeout_update(3): IORING_TIMEOUT_UPDATE";
    OpflagLinkTimeoutUpdate = "opflag.timeout_remove.link_update", Detect::OpFlag(OpFlag::TimeoutRemove(IORING_TIMEOUT_UPDATE | IORING_LINK_TIMEOUT_UPDATE)), "5.15", "io_uring_prep_link_timeout_update(3): IORING_LINK_TIMEOUT_UPDATE";
    OpflagCancelAll = "opflag.async_cancel.all", Detect::OpFlag(OpFlag::Cancel(IORING_ASYNC_CANCEL_ALL)), "5.19", "io_uring_prep_cancel(3): IORING_ASYNC_CANCEL_ALL";
    OpflagCancelFd = "opflag.async_cancel.fd", Detect::OpFlag(OpFlag::Cancel(IORING_ASYNC_CANCEL_FD)), "5.19", "io_uring_prep_cancel_fd(3): IORING_ASYNC_CANCEL_FD";
    OpflagCancelAny = "opflag.async_cancel.any", Detect::OpFlag(OpFlag::Cancel(IORING_ASYNC_CANCEL_ANY)), "5.19", "io_uring_prep_cancel(3): IORING_ASYNC_CANCEL_ANY";
    OpflagCancelFdFixed = "opflag.async_cancel.fd_fixed", Detect::OpFlag(OpFlag::Cancel(IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_FD_FIXED)), "6.0", "io_uring_prep_cancel_fd(3): IORING_ASYNC_CANCEL_FD_FIXED";
    OpflagCancelUserdata = "opflag.async_cancel.userdata", Detect::OpFlag(OpFlag::Cancel(IORING_ASYNC_CANCEL_USERDATA)), "6.6", "io_uring_prep_cancel(3): IORING_ASYNC_CANCEL_USERDATA";
    OpflagCancelOp = "opflag.async_cancel.op", Detect::OpFlag(OpFlag::Cancel(IORING_ASYNC_CANCEL_OP)), "6.6", "io_uring_prep_cancel(3): IORING_ASYNC_CANCEL_OP";
    OpflagPollAddMulti = "opflag.poll_add.multi", Detect::OpFlag(OpFlag::PollAddMulti), "5.13", "io_uring_prep_poll_multishot(3): IORING_POLL_ADD_MULTI";
    OpflagOpenatDirect = "opflag.openat.direct", Detect::OpFlag(OpFlag::OpenatDirect), "5.15", "io_uring_prep_openat_direct(3): open into a registered file slot (also close of a direct descriptor)";
    OpflagFileIndexAlloc = "opflag.openat.alloc", Detect::OpFlag(OpFlag::FileIndexAlloc), "5.19", "io_uring_prep_openat_direct(3): IORING_FILE_INDEX_ALLOC";
    OpflagPbufRingMmap = "opflag.pbuf_ring.mmap", Detect::OpFlag(OpFlag::PbufRing(IOU_PBUF_RING_MMAP)), "6.4", "io_uring_register_buf_ring(3): IOU_PBUF_RING_MMAP (kernel-allocated ring, mmap'd)";
    OpflagPbufRingInc = "opflag.pbuf_ring.inc", Detect::OpFlag(OpFlag::PbufRing(IOU_PBUF_RING_INC)), "6.12", "io_uring_register_buf_ring(3): IOU_PBUF_RING_INC (incremental consumption, IORING_CQE_F_BUF_MORE)";
    OpflagAcceptMulti = "opflag.accept.multishot", Detect::OpFlag(OpFlag::AcceptMulti), "5.19", "io_uring_prep_multishot_accept(3): IORING_ACCEPT_MULTISHOT";
    OpflagNopIopoll = "opflag.nop.iopoll", Detect::OpFlag(OpFlag::NopIopoll), "5.19", "io_uring/opdef.c: NOP marked iopoll (allowed on IORING_SETUP_IOPOLL rings)";
    OpflagUringCmdSiocinq = "opflag.uring_cmd.sock_siocinq", Detect::OpFlag(OpFlag::UringCmdSock(SOCKET_URING_OP_SIOCINQ)), "6.7", "io_uring_prep_cmd_sock(3): SOCKET_URING_OP_SIOCINQ";
    OpflagUringCmdSockopt = "opflag.uring_cmd.sock_getsockopt", Detect::OpFlag(OpFlag::UringCmdSock(SOCKET_URING_OP_GETSOCKOPT)), "6.7", "io_uring_prep_cmd_sock(3): SOCKET_URING_OP_GETSOCKOPT/SETSOCKOPT";
    OpflagUringCmdBlkDiscard = "opflag.uring_cmd.blk_discard", Detect::OpFlag(OpFlag::UringCmdBlkDiscard), "6.12", "io_uring_prep_cmd_discard(3): BLOCK_URING_CMD_DISCARD";
    OpflagUringCmdGetsockname = "opflag.uring_cmd.sock_getsockname", Detect::OpFlag(OpFlag::UringCmdSock(SOCKET_URING_OP_GETSOCKNAME)), "6.19", "io_uring_prep_cmd_getsockname(3): SOCKET_URING_OP_GETSOCKNAME";
    OpflagSendmsgZcFixed = "opflag.sendmsg_zc.fixed_buf", Detect::OpFlag(OpFlag::SendmsgZcFixed), "6.15", "io_uring_prep_sendmsg_zc_fixed(3): SENDMSG_ZC with IORING_RECVSEND_FIXED_BUF";
    OpflagMsgRingSendFd = "opflag.msg_ring.send_fd", Detect::OpFlag(OpFlag::MsgRingSendFd), "6.0", "io_uring_prep_msg_ring_fd(3): IORING_MSG_SEND_FD";
    OpflagMsgRingFlagsPass = "opflag.msg_ring.flags_pass", Detect::OpFlag(OpFlag::MsgRingFlags(IORING_MSG_RING_FLAGS_PASS)), "6.3", "io_uring_prep_msg_ring_cqe_flags(3): IORING_MSG_RING_FLAGS_PASS";
    OpflagRsrcSparse = "opflag.rsrc.sparse", Detect::OpFlag(OpFlag::RsrcSparse), "5.19", "io_uring_register(2): IORING_RSRC_REGISTER_SPARSE";
    OpflagCloneBuffersRange = "opflag.clone_buffers.range", Detect::OpFlag(OpFlag::CloneBuffersRange), "6.13", "io_uring_register_clone_buffers_offset(3): src_off, dst_off, nr";
    ProposalSqeGroup = "proposal.sqe_group", Detect::Proposal(Proposal::SqeGroup), "", "unmerged: Ming Lei, \"io_uring: support SQE group\" (IOSQE_SQE_GROUP, v1-v10, 2024)";
    ProposalFusedCmd = "proposal.fused_cmd", Detect::Proposal(Proposal::FusedCmd), "", "unmerged: Ming Lei, \"io_uring/ublk: add IORING_OP_FUSED_CMD\" (2023)";
    EnvRoot = "env.root", Detect::Env(Env::Root), "", "geteuid() == 0";
    EnvKmsg = "env.kmsg", Detect::Env(Env::Kmsg), "", "/dev/kmsg readable (kernel-log oracle)";
    EnvMultiCpu = "env.multi_cpu", Detect::Env(Env::MultiCpu), "", "at least two CPUs in the affinity mask";
    EnvODirect = "env.odirect", Detect::Env(Env::ODirect), "", "a directory taking O_DIRECT: $TMPDIR (ext4, xfs, tmpfs from 6.6) or, as root, a loop-mounted ext4 (mkfs.ext4, mount -o loop)";
    EnvODirectBdev = "env.odirect_bdev", Detect::Env(Env::ODirectBdev), "", "the O_DIRECT directory is on a block-device file system (ext4, xfs), not tmpfs: alignment rules and ->iopoll apply";
    EnvNullBlkPoll = "env.nullblk_poll", Detect::Env(Env::NullBlkPoll), "", "a null_blk device with poll queues: as root, modprobe null_blk poll_queues=1 (the run loads and removes it)";
    EnvNullBlkDiscard = "env.nullblk_discard", Detect::Env(Env::NullBlkDiscard), "", "a null_blk device that takes discard, memory-backed: as root with null_blk loaded and configfs mounted, the run makes one through /sys/kernel/config/nullb (discard=1) and removes it";
    EnvDisposable = "env.disposable", Detect::Env(Env::Disposable), "", "a throwaway machine that may crash: URING_CONFORM_DISPOSABLE=1, set by the kernel matrix VMs";
    EnvTimeNs = "env.timens", Detect::Env(Env::TimeNs), "", "unshare(CLONE_NEWTIME) works here (CONFIG_TIME_NS, CAP_SYS_ADMIN)";
    EnvMemlock = "env.memlock", Detect::Env(Env::Memlock), "", "RLIMIT_MEMLOCK of at least 1 MiB or unlimited, for cases that drop privileges (io_uring charges registered buffers, on some kernels ring memory, to it without CAP_IPC_LOCK): ulimit -l unlimited";
    EnvTmpFallocate = "env.tmp_fallocate", Detect::Env(Env::TmpFallocate), "", "the trials' $TMPDIR takes fallocate(2) (mode 0 and FALLOC_FL_KEEP_SIZE): ext4, xfs, btrfs, tmpfs; not ramfs (EOPNOTSUPP). As root, a run whose $TMPDIR lacks it or trusted xattrs moves the trials' files onto its loop-mounted ext4 when it has one";
    EnvTmpXattr = "env.tmp_xattr", Detect::Env(Env::TmpXattr), "", "the trials' $TMPDIR stores trusted.* extended attributes (root): ext4, xfs, btrfs, tmpfs; not ramfs (EOPNOTSUPP)";
    EnvUserfaultfd = "env.userfaultfd", Detect::Env(Env::Userfaultfd), "", "userfaultfd(2) handles faults of kernel-mode copies here (CONFIG_USERFAULTFD; CAP_SYS_PTRACE or vm.unprivileged_userfaultfd=1; no seccomp filter refusing it): fixtures park a thread inside a syscall with it";
    EnvUblk = "env.ublk", Detect::Env(Env::Ublk), "", "/dev/ublk-control opens read-write (CONFIG_BLK_DEV_UBLK or modprobe ublk_drv, as root)";
    EnvFaultInject = "env.fault_inject", Detect::Env(Env::FaultInject), "", "fault injection reaching GFP_KERNEL allocations: /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB) and failslab ignore-gfp-wait N (debugfs, root; ci/init sets it)";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_ordered_with_the_enum() {
        let mut seen = std::collections::HashSet::new();
        for (i, f) in FEATURES.iter().enumerate() {
            assert_eq!(f.feature as usize, i, "{} out of order", f.id);
            assert!(seen.insert(f.id), "duplicate id {}", f.id);
            assert_eq!(Feature::from_id(f.id), Some(f.feature));
        }
    }

    #[test]
    fn every_opcode_has_a_feature() {
        for op in 0..IORING_OP_LAST {
            assert!(FEATURES.iter().any(|f| f.detect == Detect::Op(op)), "opcode {op} missing");
        }
        for bit in 0..18 {
            assert!(FEATURES.iter().any(|f| f.detect == Detect::Feat(1 << bit)), "feature bit {bit} missing");
        }
        for op in 0..IORING_REGISTER_LAST {
            assert!(FEATURES.iter().any(|f| f.detect == Detect::Register(op)), "register op {op} missing");
        }
    }

    /// A feature's class comes from how it is detected; its ID starts with
    /// the class's name, and only the environment's features are the
    /// environment.
    #[test]
    fn ids_start_with_their_class() {
        for f in FEATURES {
            let c = f.feature.class();
            assert_eq!(f.id.split_once('.').map(|(p, _)| p), Some(c.name()), "{} is of class {c}", f.id);
            assert_eq!(f.feature.is_environment(), f.id.starts_with("env."), "{}", f.id);
        }
        assert_eq!(format!("[{:<5}]", Class::Op), "[op   ]");
    }

    #[test]
    fn versions_parse() {
        assert_eq!(parse_version("6.18.44-fc-v769"), Some((6, 18)));
        assert_eq!(parse_version("7.0-rc1"), Some((7, 0)));
        for f in FEATURES {
            if !f.since.is_empty() {
                assert!(parse_version(f.since).is_some(), "{}", f.id);
            }
        }
    }
}
