//! The ring's register calls: the raw forms (for opcodes that read their
//! argument, and for those that write into it), registered files and
//! buffers with their tags and updates, sync cancel, enabling a disabled
//! ring, and the registered ring fd.

use super::Ring;
use crate::buf::IoBuf;
use crate::sys::*;

/// The iovecs of `bufs`.
fn iovecs(bufs: &[&IoBuf]) -> Vec<libc::iovec> {
    bufs.iter().map(|b| libc::iovec { iov_base: b.as_ptr() as *mut _, iov_len: b.len() }).collect()
}

impl<'buf> Ring<'buf> {
    /// Records `bufs` as lent to the kernel by this ring before they are
    /// registered: a registered buffer may be written (READ_FIXED) until
    /// the ring is gone, whether the call succeeds or not (recording a
    /// refused one only delays nothing: it is borrowed for `'buf` anyway).
    fn lend_buffers(&self, bufs: &[&'buf IoBuf]) {
        crate::lent::record(self.lent_id, bufs.iter().map(|b| b.lent()));
    }

    /// Raw `io_uring_register` on this ring, for opcodes that only read
    /// their argument.
    ///
    /// # Safety
    /// `arg` must be valid for reads as `opcode` and `nr` describe it (or
    /// deliberately invalid), and `opcode` must not write through it
    /// ([`Ring::register_raw_out`] is for those that do). Memory the
    /// kernel keeps using after the call (buffers it registers, a buffer
    /// ring, a wait region, buffers cloned from another ring) stays valid
    /// for `'buf` and is only read through raw pointers or [`IoBuf`]s.
    pub unsafe fn register_raw(&self, opcode: u32, arg: *const libc::c_void, nr: u32) -> Result<i32, Errno> {
        crate::lent::record_untracked(self.lent_id);
        // SAFETY: the caller's contract; the kernel only reads arg.
        unsafe { self.register_raw_out(opcode, arg.cast_mut(), nr) }
    }

    /// Raw `io_uring_register` for opcodes that write into their argument
    /// (PROBE, IOWQ_MAX_WORKERS, PBUF_STATUS, RESIZE_RINGS, ...).
    ///
    /// # Safety
    /// `arg` must be valid for reads and writes as `opcode` and `nr`
    /// describe it (or deliberately invalid); memory the kernel keeps
    /// using, as for [`Ring::register_raw`].
    pub unsafe fn register_raw_out(&self, opcode: u32, arg: *mut libc::c_void, nr: u32) -> Result<i32, Errno> {
        crate::lent::record_untracked(self.lent_id);
        // The registered index only where there is no fd: register calls
        // through it need IORING_FEAT_REG_REG_RING (6.3), ENTER through it
        // works from 5.18.
        // SAFETY: the caller's contract.
        unsafe {
            match (self.fd(), self.reg_index) {
                (fd, _) if fd >= 0 => io_uring_register(fd, opcode, arg, nr),
                (_, Some(i)) => io_uring_register(i as i32, opcode | IORING_REGISTER_USE_REGISTERED_RING, arg, nr),
                (fd, None) => io_uring_register(fd, opcode, arg, nr),
            }
        }
    }

    /// IORING_REGISTER_RING_FDS for this ring; later enters use the index.
    pub fn register_ring_fd(&mut self) -> Result<u32, Errno> {
        let mut up = io_uring_rsrc_update { offset: u32::MAX, resv: 0, data: self.fd() as u64 };
        // SAFETY: one valid rsrc_update.
        unsafe { io_uring_register(self.fd(), IORING_REGISTER_RING_FDS, &mut up as *mut _ as *mut _, 1)? };
        self.reg_index = Some(up.offset);
        Ok(up.offset)
    }

    /// IORING_REGISTER_FILES with `fds` (-1 leaves a slot sparse).
    pub fn register_files(&self, fds: &[i32]) -> Result<(), Errno> {
        // SAFETY: fds is a valid array of fds.len() ints.
        unsafe { self.register_raw(IORING_REGISTER_FILES, fds.as_ptr() as *const _, fds.len() as u32).map(|_| ()) }
    }

    /// IORING_REGISTER_FILES2: `fds` (-1 for an empty slot) with `tags`
    /// (0 = none), or `nr` empty slots with IORING_RSRC_REGISTER_SPARSE.
    pub fn register_files_tagged(&self, fds: &[i32], tags: &[u64], sparse_nr: u32) -> Result<(), Errno> {
        let reg = if sparse_nr > 0 {
            io_uring_rsrc_register { nr: sparse_nr, flags: IORING_RSRC_REGISTER_SPARSE, ..Default::default() }
        } else {
            io_uring_rsrc_register {
                nr: fds.len() as u32,
                data: fds.as_ptr() as u64,
                tags: if tags.is_empty() { 0 } else { tags.as_ptr() as u64 },
                ..Default::default()
            }
        };
        // SAFETY: reg points at arrays of reg.nr entries (or none, sparse).
        unsafe { self.register_raw(IORING_REGISTER_FILES2, &reg as *const _ as *const _, std::mem::size_of::<io_uring_rsrc_register>() as u32).map(|_| ()) }
    }

    /// IORING_REGISTER_FILES_UPDATE2 from `offset`; returns how many slots
    /// were updated.
    pub fn update_files(&self, offset: u32, fds: &[i32], tags: &[u64]) -> Result<i32, Errno> {
        let up = io_uring_rsrc_update2 {
            offset,
            data: fds.as_ptr() as u64,
            tags: if tags.is_empty() { 0 } else { tags.as_ptr() as u64 },
            nr: fds.len() as u32,
            ..Default::default()
        };
        // SAFETY: up points at arrays of up.nr entries.
        unsafe { self.register_raw(IORING_REGISTER_FILES_UPDATE2, &up as *const _ as *const _, std::mem::size_of::<io_uring_rsrc_update2>() as u32) }
    }

    /// IORING_UNREGISTER_FILES.
    pub fn unregister_files(&self) -> Result<(), Errno> {
        // SAFETY: no argument.
        unsafe { self.register_raw(IORING_UNREGISTER_FILES, std::ptr::null(), 0).map(|_| ()) }
    }

    /// IORING_REGISTER_BUFFERS of `bufs`, which the kernel may write (READ_FIXED)
    /// for as long as the ring lives: they borrow `'buf`.
    pub fn register_buffers(&self, bufs: &[&'buf IoBuf]) -> Result<(), Errno> {
        self.lend_buffers(bufs);
        // SAFETY: each iovec is a live IoBuf borrowed for 'buf.
        unsafe { self.register_buffers_raw(&iovecs(bufs)) }
    }

    /// IORING_REGISTER_BUFFERS with raw `iovs`.
    ///
    /// # Safety
    /// Each iovec's memory is valid for reads and writes for `'buf` and
    /// only read through raw pointers or [`IoBuf`]s meanwhile (or
    /// deliberately invalid: the kernel refuses it at the call).
    pub unsafe fn register_buffers_raw(&self, iovs: &[libc::iovec]) -> Result<(), Errno> {
        crate::lent::record_untracked(self.lent_id);
        // SAFETY: iovs is a valid array of iovs.len() iovecs.
        unsafe { self.register_raw(IORING_REGISTER_BUFFERS, iovs.as_ptr() as *const _, iovs.len() as u32).map(|_| ()) }
    }

    /// IORING_REGISTER_BUFFERS2: `bufs` with `tags` (0 = none), or `nr`
    /// empty slots with IORING_RSRC_REGISTER_SPARSE.
    pub fn register_buffers_tagged(&self, bufs: &[&'buf IoBuf], tags: &[u64], sparse_nr: u32) -> Result<(), Errno> {
        self.lend_buffers(bufs);
        // SAFETY: each iovec is a live IoBuf borrowed for 'buf.
        unsafe { self.register_buffers_tagged_raw(&iovecs(bufs), tags, sparse_nr) }
    }

    /// [`Ring::register_buffers_tagged`] with raw `iovs`.
    ///
    /// # Safety
    /// As [`Ring::register_buffers_raw`].
    pub unsafe fn register_buffers_tagged_raw(&self, iovs: &[libc::iovec], tags: &[u64], sparse_nr: u32) -> Result<(), Errno> {
        crate::lent::record_untracked(self.lent_id);
        let reg = if sparse_nr > 0 {
            io_uring_rsrc_register { nr: sparse_nr, flags: IORING_RSRC_REGISTER_SPARSE, ..Default::default() }
        } else {
            io_uring_rsrc_register {
                nr: iovs.len() as u32,
                data: iovs.as_ptr() as u64,
                tags: if tags.is_empty() { 0 } else { tags.as_ptr() as u64 },
                ..Default::default()
            }
        };
        // SAFETY: reg points at arrays of reg.nr entries (or none, sparse).
        unsafe { self.register_raw(IORING_REGISTER_BUFFERS2, &reg as *const _ as *const _, std::mem::size_of::<io_uring_rsrc_register>() as u32).map(|_| ()) }
    }

    /// IORING_REGISTER_BUFFERS_UPDATE from `offset` with `bufs`; returns
    /// how many slots were updated.
    pub fn update_buffers(&self, offset: u32, bufs: &[&'buf IoBuf], tags: &[u64]) -> Result<i32, Errno> {
        self.lend_buffers(bufs);
        // SAFETY: each iovec is a live IoBuf borrowed for 'buf.
        unsafe { self.update_buffers_raw(offset, &iovecs(bufs), tags) }
    }

    /// [`Ring::update_buffers`] with raw `iovs` (an empty iovec clears a
    /// slot).
    ///
    /// # Safety
    /// As [`Ring::register_buffers_raw`].
    pub unsafe fn update_buffers_raw(&self, offset: u32, iovs: &[libc::iovec], tags: &[u64]) -> Result<i32, Errno> {
        crate::lent::record_untracked(self.lent_id);
        let up = io_uring_rsrc_update2 {
            offset,
            data: iovs.as_ptr() as u64,
            tags: if tags.is_empty() { 0 } else { tags.as_ptr() as u64 },
            nr: iovs.len() as u32,
            ..Default::default()
        };
        // SAFETY: up points at arrays of up.nr entries.
        unsafe { self.register_raw(IORING_REGISTER_BUFFERS_UPDATE, &up as *const _ as *const _, std::mem::size_of::<io_uring_rsrc_update2>() as u32) }
    }

    /// IORING_UNREGISTER_BUFFERS.
    pub fn unregister_buffers(&self) -> Result<(), Errno> {
        // SAFETY: no argument.
        unsafe { self.register_raw(IORING_UNREGISTER_BUFFERS, std::ptr::null(), 0).map(|_| ()) }
    }

    /// IORING_REGISTER_SYNC_CANCEL; returns the register call's result.
    pub fn sync_cancel(&self, reg: &io_uring_sync_cancel_reg) -> Result<i32, Errno> {
        // SAFETY: one valid io_uring_sync_cancel_reg.
        unsafe { self.register_raw(IORING_REGISTER_SYNC_CANCEL, reg as *const _ as *const _, 1) }
    }

    /// IORING_REGISTER_ENABLE_RINGS (for R_DISABLED rings).
    pub fn enable(&self) -> Result<(), Errno> {
        // SAFETY: no argument.
        unsafe { self.register_raw(IORING_REGISTER_ENABLE_RINGS, std::ptr::null(), 0).map(|_| ()) }
    }
}
