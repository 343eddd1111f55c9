//! Memory the kernel writes: [`IoBuf`] (bytes) and [`IoCell`] (one plain
//! value: a `statx`, a `siginfo_t`, a pipe's two fds).
//!
//! A request that writes user memory may do so at any time until its last
//! CQE, so no `&[u8]` or `&T` into such memory may exist while a request
//! may write it. These types are interior-mutable (`UnsafeCell`): an SQE
//! borrows them shared, for the ring's lifetime (`Sqe<'buf>`), and the case
//! reads them back with copying, volatile accessors, never by reference.
//! The kernel writes them only as the CQEs say; reading one while a request
//! may still write it gives whatever bytes are there (integers only), never
//! undefined behaviour.

use std::cell::UnsafeCell;
use std::ops::{Bound, RangeBounds};

/// Bytes the kernel may write (a READ's or RECV's buffer, a registered or
/// provided buffer). Made as `Box<IoBuf>` ([`IoBuf::new`]); a sub-range is
/// an `&IoBuf` too ([`IoBuf::range`]).
#[repr(transparent)]
pub struct IoBuf([UnsafeCell<u8>]);

impl IoBuf {
    /// `len` zeroed bytes.
    pub fn new(len: usize) -> Box<IoBuf> {
        let cells: Box<[UnsafeCell<u8>]> = (0..len).map(|_| UnsafeCell::new(0)).collect();
        // SAFETY: IoBuf is repr(transparent) over [UnsafeCell<u8>], so the
        // fat pointer's metadata (the length) and layout carry over.
        unsafe { Box::from_raw(Box::into_raw(cells) as *mut IoBuf) }
    }
    /// A buffer holding a copy of `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Box<IoBuf> {
        let b = IoBuf::new(bytes.len());
        b.write(0, bytes);
        b
    }
    /// `len` bytes at `ptr` as an IoBuf.
    ///
    /// # Safety
    /// `ptr..ptr+len` is valid for reads and writes for `'a`, and no `&` or
    /// `&mut` reference to it exists for `'a` (it is only accessed through
    /// raw pointers and IoBufs).
    pub unsafe fn from_raw<'a>(ptr: *mut u8, len: usize) -> &'a IoBuf {
        // SAFETY: the caller's contract; UnsafeCell<u8> has u8's layout.
        unsafe { &*(std::ptr::slice_from_raw_parts_mut(ptr as *mut UnsafeCell<u8>, len) as *const IoBuf) }
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The start, for the kernel (an address in an SQE).
    pub fn as_ptr(&self) -> *mut u8 {
        self.0.as_ptr() as *mut u8
    }
    /// Bytes `r` of this buffer (panics outside it).
    pub fn range(&self, r: impl RangeBounds<usize>) -> &IoBuf {
        let from = match r.start_bound() {
            Bound::Included(&a) => a,
            Bound::Excluded(&a) => a + 1,
            Bound::Unbounded => 0,
        };
        let to = match r.end_bound() {
            Bound::Included(&b) => b + 1,
            Bound::Excluded(&b) => b,
            Bound::Unbounded => self.len(),
        };
        let cells = &self.0[from..to];
        // SAFETY: repr(transparent), as in new.
        unsafe { &*(cells as *const [UnsafeCell<u8>] as *const IoBuf) }
    }
    /// A copy of the bytes as they are now.
    pub fn to_vec(&self) -> Vec<u8> {
        (0..self.len()).map(|i| self.get(i)).collect()
    }
    /// A copy of bytes `r`.
    pub fn read(&self, r: impl RangeBounds<usize>) -> Vec<u8> {
        self.range(r).to_vec()
    }
    /// Byte `i` (a volatile read: the kernel may have written it).
    pub fn get(&self, i: usize) -> u8 {
        // SAFETY: an in-bounds cell (the index panics otherwise); a
        // volatile read of a byte the kernel may write races with nothing
        // that Rust can observe as a reference.
        unsafe { std::ptr::read_volatile(self.0[i].get()) }
    }
    /// Writes `bytes` at `at` (before a request reads them, or to reset).
    pub fn write(&self, at: usize, bytes: &[u8]) {
        let dst = &self.0[at..at + bytes.len()];
        for (c, b) in dst.iter().zip(bytes) {
            // SAFETY: an in-bounds cell; no reference into it exists.
            unsafe { std::ptr::write_volatile(c.get(), *b) };
        }
    }
    /// Sets every byte to `v`.
    pub fn fill(&self, v: u8) {
        for c in self.0.iter() {
            // SAFETY: as in write.
            unsafe { std::ptr::write_volatile(c.get(), v) };
        }
    }
}

impl std::fmt::Debug for IoBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IoBuf({} bytes)", self.len())
    }
}

/// One plain value the kernel may write (a `statx`, a `siginfo_t`, two
/// pipe fds, a socket address and its length). `T` must be plain data:
/// every bit pattern the kernel may write is a valid `T` (integers and
/// records of integers).
#[repr(transparent)]
pub struct IoCell<T: Copy>(UnsafeCell<T>);

impl<T: Copy> IoCell<T> {
    pub fn new(v: T) -> IoCell<T> {
        IoCell(UnsafeCell::new(v))
    }
    /// A copy of the value as it is now (a volatile read).
    pub fn get(&self) -> T {
        // SAFETY: our cell; no reference into it exists (only raw pointers
        // leave it), and T is plain data (the type's contract).
        unsafe { std::ptr::read_volatile(self.0.get()) }
    }
    pub fn set(&self, v: T) {
        // SAFETY: as in get.
        unsafe { std::ptr::write_volatile(self.0.get(), v) }
    }
    /// The address, for the kernel.
    pub fn as_ptr(&self) -> *mut T {
        self.0.get()
    }
}

impl<T: Copy + Default> Default for IoCell<T> {
    fn default() -> IoCell<T> {
        IoCell::new(T::default())
    }
}

impl<T: Copy> IoCell<T> {
    /// A zeroed value (`siginfo_t`, `statx`: records of integers).
    pub fn zeroed() -> IoCell<T> {
        // SAFETY: T is plain data (the type's contract), so all-zero bytes
        // are a valid T.
        IoCell::new(unsafe { std::mem::zeroed() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn io_buf_ranges_and_copies() {
        let b = IoBuf::from_bytes(b"hello world");
        assert_eq!(b.len(), 11);
        assert_eq!(b.range(6..).to_vec(), b"world");
        b.range(0..5).write(0, b"HELLO");
        assert_eq!(b.to_vec(), b"HELLO world");
        assert_eq!(b.range(..=1).as_ptr(), b.as_ptr());
        let c = IoCell::new([1i32, 2]);
        c.set([3, 4]);
        assert_eq!(c.get(), [3, 4]);
    }
}
