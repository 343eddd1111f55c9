//! A ring-mapped provided-buffer ring (IORING_REGISTER_PBUF_RING): an array
//! of `struct io_uring_buf` whose tail the application moves and whose head
//! the kernel moves as it picks buffers.
//!
//! Layout (io_uring.h `struct io_uring_buf_ring`): entry i at 16 * i; the
//! tail is a u16 at byte 14 (the first entry's `resv` field).
//!
//! References: io_uring_register_buf_ring(3), io_uring_buf_ring_add(3).

use crate::buf::IoBuf;
use crate::mmap::Mapping;
use crate::ring::Ring;
use crate::sys::*;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU16, Ordering};

/// A registered buffer ring whose buffers borrow `'buf`, the lifetime of
/// the ring it is registered on (the kernel may write them for as long as
/// that ring lives). The ring memory itself stays mapped for as long as
/// the kernel may read it: if the BufRing is dropped while still
/// registered, its mapping is leaked (a page or two per trial process)
/// rather than unmapped under the kernel.
pub struct BufRing<'buf> {
    /// The ring's memory: ours (registered by address) or the kernel's
    /// (IOU_PBUF_RING_MMAP, mapped from the ring fd after registering).
    mem: Mapping,
    entries: u16,
    pub bgid: u16,
    /// Entries written and not yet published.
    local_tail: u16,
    /// Registered and not unregistered since.
    registered: bool,
    /// The ring's key in the registry of lent memory ([`crate::lent`]):
    /// pushed buffers are lent until that ring's drop.
    lent_id: u64,
    /// Invariant in `'buf`, as [`Ring`]: it lends what `push` takes to that
    /// ring's kernel object, so `'buf` must stay the ring's.
    _buf: PhantomData<fn(&'buf ()) -> &'buf ()>,
}

impl<'buf> BufRing<'buf> {
    /// Registers a buffer ring of `entries` (a power of two) for group
    /// `bgid`, in page-aligned user memory, or, with IOU_PBUF_RING_MMAP in
    /// `flags`, in kernel memory mapped from the ring fd.
    pub fn register(ring: &Ring<'buf>, bgid: u16, entries: u32, flags: u16) -> Result<BufRing<'buf>, Errno> {
        let len = (entries as usize * 16).max(4096).next_multiple_of(4096);
        let user = if flags & IOU_PBUF_RING_MMAP == 0 { Some(Mapping::anon(len)?) } else { None };
        let ring_addr = user.as_ref().map_or(0, |m| m.as_ptr() as u64);
        let reg = io_uring_buf_reg { ring_addr, ring_entries: entries, bgid, flags, ..Default::default() };
        // SAFETY: one valid io_uring_buf_reg; the memory it names (if any)
        // lives in the returned BufRing, which leaks it rather than unmap
        // it while it is registered.
        unsafe { ring.register_raw(IORING_REGISTER_PBUF_RING, &reg as *const _ as *const _, 1)? };
        let mem = match user {
            Some(m) => m,
            None => {
                let off = IORING_OFF_PBUF_RING | ((bgid as u64) << IORING_OFF_PBUF_SHIFT);
                // A kernel-memory ring needs the ring's fd (REGISTERED_FD_ONLY
                // rings use user memory).
                Mapping::shared(ring.borrow_fd().ok_or(Errno(libc::EBADF))?, off, len)?
            }
        };
        Ok(BufRing { mem, entries: entries as u16, bgid, local_tail: 0, registered: true, lent_id: ring.lent_id(), _buf: PhantomData })
    }

    /// The shared tail (`struct io_uring_buf_ring`: bytes 14..16, over
    /// entry 0's `resv`).
    fn tail(&self) -> &AtomicU16 {
        self.mem.atomic_u16(14)
    }

    /// Adds `buf` as buffer `bid` at the local tail (visible after
    /// `publish`). The kernel may write it for as long as the ring lives,
    /// unregistered or not (a request may have picked it already), so it
    /// stays recorded as lent until the ring's drop ([`crate::lent`]).
    pub fn push(&mut self, buf: &'buf IoBuf, bid: u16) {
        crate::lent::record(self.lent_id, [buf.lent()]);
        // SAFETY: buf is borrowed for 'buf.
        unsafe { self.push_raw(buf.as_ptr(), buf.len() as u32, bid) }
    }

    /// Writes a buffer entry of `len` bytes at `addr` at the local tail.
    ///
    /// # Safety
    /// `len` bytes at `addr` are valid for writes for `'buf` and only read
    /// through raw pointers or [`IoBuf`]s meanwhile (or deliberately
    /// invalid).
    pub unsafe fn push_raw(&mut self, addr: *mut u8, len: u32, bid: u16) {
        crate::lent::record_untracked(self.lent_id);
        let e = (self.local_tail & (self.entries - 1)) as usize * 16;
        // The tail shares entry 0's last bytes, so write the fields, not
        // the whole entry.
        self.mem.write_u64(e, addr as u64);
        self.mem.write_u32(e + 8, len);
        self.mem.write_u16(e + 12, bid);
        self.local_tail = self.local_tail.wrapping_add(1);
    }

    /// Makes pushed entries visible to the kernel (release store of the tail).
    pub fn publish(&self) {
        self.tail().store(self.local_tail, Ordering::Release);
    }

    /// The length field of ring entry `idx` as it is now (the kernel may
    /// rewrite it: incremental consumption, or a bundle's mapping).
    pub fn entry_len(&self, idx: u16) -> u32 {
        self.mem.read_u32((idx & (self.entries - 1)) as usize * 16 + 8)
    }

    /// IORING_REGISTER_PBUF_STATUS: the kernel's head for this group.
    pub fn head(&self, ring: &Ring) -> Result<u32, Errno> {
        let mut st = io_uring_buf_status { buf_group: self.bgid as u32, ..Default::default() };
        // SAFETY: one valid io_uring_buf_status, written by the kernel.
        unsafe { ring.register_raw_out(IORING_REGISTER_PBUF_STATUS, &mut st as *mut _ as *mut _, 1)? };
        Ok(st.head)
    }

    /// IORING_UNREGISTER_PBUF_RING for this group.
    pub fn unregister(&mut self, ring: &Ring<'buf>) -> Result<(), Errno> {
        let reg = io_uring_buf_reg { bgid: self.bgid, ..Default::default() };
        // SAFETY: one valid io_uring_buf_reg.
        unsafe { ring.register_raw(IORING_UNREGISTER_PBUF_RING, &reg as *const _ as *const _, 1)? };
        self.registered = false;
        Ok(())
    }
}

impl Drop for BufRing<'_> {
    fn drop(&mut self) {
        if self.registered {
            // The kernel may still read the entries (and, for incremental
            // consumption, write them): keep the memory mapped.
            let mem = std::mem::replace(&mut self.mem, Mapping::empty());
            std::mem::forget(mem);
        }
    }
}
