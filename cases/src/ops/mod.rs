//! Every opcode: for each opcode in the vocabulary, at least one case
//! showing it succeed with the exact result the man page promises, and
//! one showing a documented error. Case IDs are `ops/<op>/<name>`, where
//! `<op>` is the feature ID without `op.`; an error case's name starts
//! with `error-`. Opcodes whose behaviour an area already checks in depth
//! (timeouts, cancellation, poll, provided buffers, registered files and
//! buffers) are listed in [`ELSEWHERE`] with the cases that cover them.
//! The coverage test at the end fails if an opcode has neither.

use crate::prelude::*;
use harness::CaseError;
use std::ffi::CString;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;

pub mod fs;
pub mod futex;
pub mod misc;
pub mod msg_ring;
pub mod net;
pub mod pipe;
pub mod poll;
pub mod rw;

/// Opcodes covered by another area: (opcode, a success case, an error
/// case; "" where `ops/` has that kind). The coverage test checks that
/// each named case exists and requires the op.
pub const ELSEWHERE: &[(harness::Feature, &str, &str)] = {
    use harness::Feature::*;
    &[
        (OpPollRemove, "multishot/poll-remove-ends", "multishot/poll-update-unknown-enoent"),
        (OpTimeout, "timeouts/relative-fires-etime", "timeouts/unknown-flag-einval"),
        (OpTimeoutRemove, "timeouts/remove-cancels", "timeouts/remove-unknown-enoent"),
        (OpAsyncCancel, "cancel/poll-by-user-data", "cancel/unknown-enoent"),
        (OpLinkTimeout, "timeouts/link-timeout-fires", "timeouts/link-timeout-alone-einval"),
        (OpProvideBuffers, "pbuf/provide-then-read-selects", "pbuf/provide-too-many-e2big"),
        (OpRemoveBuffers, "pbuf/remove-buffers-counts", "pbuf/remove-unknown-group-enoent"),
        (OpFilesUpdate, "files/files-update-op", "files/files-update-op-no-table-enxio"),
        (OpFixedFdInstall, "files/fixed-fd-install", "files/fixed-fd-install-needs-fixed-ebadf"),
        (OpReadMultishot, "multishot/read-multishot", "multishot/read-multishot-needs-buffer-select-einval"),
        (OpReadFixed, "buffers/read-fixed", "buffers/index-out-of-range-efault"),
        (OpReadvFixed, "buffers/readv-fixed", "buffers/readv-fixed-iovec-outside-efault"),
        (OpWriteFixed, "buffers/write-fixed", ""),
        (OpWritevFixed, "buffers/writev-fixed", ""),
    ]
};

/// Opcodes whose success needs hardware no test machine is assumed to
/// have: (opcode, what it needs). They still have their error cases; the
/// note says what a success case would need.
pub const NEEDS_HARDWARE: &[(harness::Feature, &str)] =
    &[(harness::Feature::OpRecvZc, "a NIC with header split, flow steering and the netdev queue API (io_uring zcrx); loopback and virtio-net have none")];

/// `path` as a C string for SQE path arguments.
pub(crate) fn cpath(path: &Path) -> Result<CString, CaseError> {
    CString::new(path.as_os_str().as_encoded_bytes()).map_err(|e| CaseError::Error(format!("path: {e}")))
}

/// Expects exactly one CQE, for `user_data`, with flags 0 and a new file
/// descriptor `fd` as its result, and nothing else once the ring is quiet;
/// returns the descriptor, owned. A new descriptor is the lowest free one
/// (the kernel's get_unused_fd_flags) and a trial process opens none of
/// its own meanwhile, so callers know `fd` exactly: `fixtures::closed_fd()`
/// taken before the submission.
pub(crate) fn expect_fd(r: &mut Ring, user_data: u64, fd: i32) -> Result<OwnedFd, CaseError> {
    let got = r.expect(&[cqe(user_data, fd)])?;
    // SAFETY: the kernel installed this descriptor for us.
    Ok(unsafe { OwnedFd::from_raw_fd(got[0].res) })
}

/// An iovec over `buf`.
pub(crate) fn iov(buf: &mut [u8]) -> libc::iovec {
    libc::iovec { iov_base: buf.as_mut_ptr() as *mut _, iov_len: buf.len() }
}

/// Whether `fd` is an open descriptor in this process.
pub(crate) fn fd_is_open(fd: i32) -> bool {
    // SAFETY: F_GETFD only reads descriptor flags.
    unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
}

/// Reads all of `fd` from offset 0 (a fixture read, outside io_uring).
pub(crate) fn read_all(fd: i32) -> Result<Vec<u8>, CaseError> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let mut off = 0;
    loop {
        // SAFETY: buf is valid for its length.
        let n = unsafe { libc::pread(fd, buf.as_mut_ptr() as *mut _, buf.len(), off) };
        if n < 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n as usize]);
        off += n as i64;
    }
}

#[cfg(test)]
mod tests {
    use super::{ELSEWHERE, NEEDS_HARDWARE};
    use harness::case::all_cases;
    use harness::features::{Detect, FEATURES};

    /// Every opcode in the vocabulary has a success case and a documented
    /// error case, in `ops/<op>/` or in another area listed in ELSEWHERE.
    #[test]
    fn every_opcode_has_a_success_and_an_error_case() {
        let cases = all_cases();
        let mut missing = Vec::new();
        for f in FEATURES.iter().filter(|f| matches!(f.detect, Detect::Op(_))) {
            let op = f.id.trim_start_matches("op.");
            let prefix = format!("ops/{op}/");
            let mine: Vec<_> = cases.iter().filter(|c| c.id.starts_with(&prefix)).collect();
            for c in &mine {
                assert!(c.requires.contains(&f.feature), "{} does not require {}", c.id, f.id);
            }
            let mut ok_case = mine.iter().any(|c| !c.id[prefix.len()..].starts_with("error-"));
            let mut err_case = mine.iter().any(|c| c.id[prefix.len()..].starts_with("error-"));
            for (feat, ok_id, err_id) in ELSEWHERE.iter().filter(|e| e.0 == f.feature) {
                for id in [ok_id, err_id].into_iter().filter(|id| !id.is_empty()) {
                    let c = cases.iter().find(|c| c.id == *id).unwrap_or_else(|| panic!("ELSEWHERE names {id}, which does not exist"));
                    assert!(c.requires.contains(feat), "{id} (listed for {}) does not require it", f.id);
                }
                ok_case |= !ok_id.is_empty();
                err_case |= !err_id.is_empty();
            }
            ok_case |= NEEDS_HARDWARE.iter().any(|h| h.0 == f.feature);
            if !ok_case || !err_case {
                missing.push(format!("{} (success: {ok_case}, error: {err_case})", f.id));
            }
        }
        assert!(missing.is_empty(), "opcodes without cases: {missing:?}");
    }
}
