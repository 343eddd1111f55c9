//! A ring-mapped provided-buffer ring (IORING_REGISTER_PBUF_RING): an array
//! of `struct io_uring_buf` whose tail the application moves and whose head
//! the kernel moves as it picks buffers.
//!
//! Layout (io_uring.h `struct io_uring_buf_ring`): entry i at 16 * i; the
//! tail is a u16 at byte 14 (the first entry's `resv` field).
//!
//! References: io_uring_register_buf_ring(3), io_uring_buf_ring_add(3).

use crate::ring::Ring;
use crate::sys::*;
use std::sync::atomic::{AtomicU16, Ordering};

pub struct BufRing {
    ptr: *mut u8,
    len: usize,
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
        let user = flags & IOU_PBUF_RING_MMAP == 0;
        let mem = if user {
            // SAFETY: a fresh private anonymous mapping.
            let p = unsafe {
                libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_POPULATE, -1, 0)
            };
            if p == libc::MAP_FAILED {
                return Err(Errno::last());
            }
            p as *mut u8
        } else {
            std::ptr::null_mut()
        };
        let reg = io_uring_buf_reg { ring_addr: mem as u64, ring_entries: entries, bgid, flags, ..Default::default() };
        // SAFETY: one valid io_uring_buf_reg.
        if let Err(e) = unsafe { ring.register_raw(IORING_REGISTER_PBUF_RING, &reg as *const _ as *const _, 1) } {
            if user {
                // SAFETY: unmapping what we mapped.
                unsafe { libc::munmap(mem as *mut _, len) };
            }
            return Err(e);
        }
        let ptr = if user {
            mem
        } else {
            let off = IORING_OFF_PBUF_RING | ((bgid as u64) << IORING_OFF_PBUF_SHIFT);
            // SAFETY: mapping the kernel's ring for this group.
            let p = unsafe {
                libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED | libc::MAP_POPULATE, ring.fd(), off as libc::off_t)
            };
            if p == libc::MAP_FAILED {
                return Err(Errno::last());
            }
            p as *mut u8
        };
        Ok(BufRing { ptr, len, entries: entries as u16, bgid, local_tail: 0 })
    }

    fn tail(&self) -> &AtomicU16 {
        // SAFETY: byte 14 of the mapping, 2-byte aligned.
        unsafe { &*(self.ptr.add(14) as *const AtomicU16) }
    }

    /// Writes a buffer entry at the local tail (visible after `publish`).
    pub fn push(&mut self, addr: *mut u8, len: u32, bid: u16) {
        let idx = (self.local_tail & (self.entries - 1)) as usize;
        // SAFETY: idx < entries; each entry is 16 bytes. The tail shares
        // entry 0's last bytes, so write the fields, not the whole entry.
        unsafe {
            let e = self.ptr.add(idx * 16);
            std::ptr::write_volatile(e as *mut u64, addr as u64);
            std::ptr::write_volatile(e.add(8) as *mut u32, len);
            std::ptr::write_volatile(e.add(12) as *mut u16, bid);
        }
        self.local_tail = self.local_tail.wrapping_add(1);
    }

    /// Makes pushed entries visible to the kernel (release store of the tail).
    pub fn publish(&self) {
        self.tail().store(self.local_tail, Ordering::Release);
    }

    /// IORING_REGISTER_PBUF_STATUS: the kernel's head for this group.
    pub fn head(&self, ring: &Ring) -> Result<u32, Errno> {
        let mut st = io_uring_buf_status { buf_group: self.bgid as u32, ..Default::default() };
        // SAFETY: one valid io_uring_buf_status, written by the kernel.
        unsafe { ring.register_raw(IORING_REGISTER_PBUF_STATUS, &mut st as *mut _ as *const _, 1)? };
        Ok(st.head)
    }

    /// IORING_UNREGISTER_PBUF_RING for this group.
    pub fn unregister(&self, ring: &Ring) -> Result<(), Errno> {
        let reg = io_uring_buf_reg { bgid: self.bgid, ..Default::default() };
        // SAFETY: one valid io_uring_buf_reg.
        unsafe { ring.register_raw(IORING_UNREGISTER_PBUF_RING, &reg as *const _ as *const _, 1).map(|_| ()) }
    }
}

impl Drop for BufRing {
    fn drop(&mut self) {
        // SAFETY: our mapping (user memory stays pinned by the kernel while
        // registered; a kernel-memory ring is only unmapped here).
        unsafe { libc::munmap(self.ptr as *mut _, self.len) };
    }
}
