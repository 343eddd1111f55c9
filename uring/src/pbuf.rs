//! A ring-mapped provided-buffer ring (IORING_REGISTER_PBUF_RING): an array
//! of `struct io_uring_buf` whose tail the application moves and whose head
//! the kernel moves as it picks buffers.
//!
//! Layout (io_uring.h `struct io_uring_buf_ring`): entry i at 16 * i; the
//! tail is a u16 at byte 14 (the first entry's `resv` field).
//!
//! References: io_uring_register_buf_ring(3), io_uring_buf_ring_add(3).

use crate::mmap::Mapping;
use crate::ring::Ring;
use crate::sys::*;
use std::os::fd::BorrowedFd;
use std::sync::atomic::{AtomicU16, Ordering};

pub struct BufRing {
    /// The ring's memory: ours (registered by address) or the kernel's
    /// (IOU_PBUF_RING_MMAP, mapped from the ring fd after registering).
    mem: Mapping,
    entries: u16,
    pub bgid: u16,
    /// Entries written and not yet published.
    local_tail: u16,
}

impl BufRing {
    /// Registers a buffer ring of `entries` (a power of two) for group
    /// `bgid`, in page-aligned user memory, or, with IOU_PBUF_RING_MMAP in
    /// `flags`, in kernel memory mapped from the ring fd.
    pub fn register(ring: &Ring, bgid: u16, entries: u32, flags: u16) -> Result<BufRing, Errno> {
        let len = (entries as usize * 16).max(4096).next_multiple_of(4096);
        let user = if flags & IOU_PBUF_RING_MMAP == 0 { Some(Mapping::anon(len)?) } else { None };
        let ring_addr = user.as_ref().map_or(0, |m| m.as_ptr() as u64);
        let reg = io_uring_buf_reg { ring_addr, ring_entries: entries, bgid, flags, ..Default::default() };
        // SAFETY: one valid io_uring_buf_reg; the memory it names (if any)
        // lives in the returned BufRing, unmapped only after it.
        unsafe { ring.register_raw(IORING_REGISTER_PBUF_RING, &reg as *const _ as *const _, 1)? };
        let mem = match user {
            Some(m) => m,
            None => {
                let off = IORING_OFF_PBUF_RING | ((bgid as u64) << IORING_OFF_PBUF_SHIFT);
                // SAFETY: the ring fd, open for as long as this call.
                Mapping::shared(unsafe { BorrowedFd::borrow_raw(ring.fd()) }, off, len)?
            }
        };
        Ok(BufRing { mem, entries: entries as u16, bgid, local_tail: 0 })
    }

    /// The shared tail (`struct io_uring_buf_ring`: bytes 14..16, over
    /// entry 0's `resv`).
    fn tail(&self) -> &AtomicU16 {
        self.mem.atomic_u16(14)
    }

    /// Writes a buffer entry at the local tail (visible after `publish`).
    pub fn push(&mut self, addr: *mut u8, len: u32, bid: u16) {
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
    pub fn unregister(&self, ring: &Ring) -> Result<(), Errno> {
        let reg = io_uring_buf_reg { bgid: self.bgid, ..Default::default() };
        // SAFETY: one valid io_uring_buf_reg.
        unsafe { ring.register_raw(IORING_UNREGISTER_PBUF_RING, &reg as *const _ as *const _, 1).map(|_| ()) }
    }
}
