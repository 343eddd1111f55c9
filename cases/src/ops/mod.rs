//! Every opcode: for each opcode in the vocabulary, at least one case
//! showing it succeed with the exact result the man page promises, and
//! one showing a documented error. Case IDs are `ops/<op>/<name>`, where
//! `<op>` is the feature ID without `op.`; an error case's name starts
//! with `error-`. Opcodes whose behaviour an area already checks in depth
//! (timeouts, cancellation, poll, provided buffers, registered files and
//! buffers) are listed in [`ELSEWHERE`] with the cases that cover them.
//! The coverage test at the end fails if an opcode has neither.

pub mod blkcmd;
pub mod fields;
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
pub const ELSEWHERE: &[(oracle::Feature, &str, &str)] = {
    use oracle::Feature::*;
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
pub const NEEDS_HARDWARE: &[(oracle::Feature, &str)] =
    &[(oracle::Feature::OpRecvZc, "a NIC with header split, flow steering and the netdev queue API (io_uring zcrx); loopback and virtio-net have none")];

#[cfg(test)]
mod tests {
    use super::{ELSEWHERE, NEEDS_HARDWARE};
    use oracle::case::all_cases;
    use oracle::features::{Detect, FEATURES};

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
