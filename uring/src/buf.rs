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
//!
//! # Freed only through their drop
//! The borrow alone does not keep lent memory alive if the ring is leaked
//! (`std::mem::forget`: its drop, which waits for the kernel, never runs,
//! yet the borrow ends). So the memory of both types is freed only by a
//! drop that first asks the registry of lent memory ([`crate::lent`]) and
//! aborts if a ring that was never dropped lent any of it to the kernel:
//! an `IoBuf` is owned only as an [`IoBufBox`] (a `Box<IoBuf>` could be
//! moved into an `Arc`, which frees the old allocation without a drop),
//! and an `IoCell` keeps its value on the heap (moving the cell moves the
//! pointer, not the memory the kernel was given).

use crate::lent::{check_free, Lent};
use std::cell::UnsafeCell;
use std::ops::{Bound, Deref, RangeBounds};

/// Bytes the kernel may write (a READ's or RECV's buffer, a registered or
/// provided buffer). Made as an [`IoBufBox`] ([`IoBuf::new`]); a sub-range
/// is an `&IoBuf` too ([`IoBuf::range`]).
#[repr(transparent)]
pub struct IoBuf([UnsafeCell<u8>]);

/// The owner of an [`IoBuf`] (what [`IoBuf::new`] returns; derefs to it).
/// Unlike a `Box<IoBuf>` it hands the allocation to nothing that could
/// free it without running [`IoBuf`]'s drop, which checks that no leaked
/// ring still lent it to the kernel (see the module docs).
pub struct IoBufBox(Box<IoBuf>);

impl IoBufBox {
    /// Never frees the buffer (memory for a ring that outlives every
    /// scope: one closed with requests in flight, one the case leaks).
    pub fn leak(self) -> &'static IoBuf {
        Box::leak(self.0)
    }
}

impl Deref for IoBufBox {
    type Target = IoBuf;
    fn deref(&self) -> &IoBuf {
        &self.0
    }
}

impl AsRef<IoBuf> for IoBufBox {
    fn as_ref(&self) -> &IoBuf {
        &self.0
    }
}

impl std::fmt::Debug for IoBufBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl IoBuf {
    /// `len` zeroed bytes.
    // An IoBuf is unsized: its owner is what `new` can return.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(len: usize) -> IoBufBox {
        let cells: Box<[UnsafeCell<u8>]> = (0..len).map(|_| UnsafeCell::new(0)).collect();
        // SAFETY: IoBuf is repr(transparent) over [UnsafeCell<u8>], so the
        // fat pointer's metadata (the length) and layout carry over.
        IoBufBox(unsafe { Box::from_raw(Box::into_raw(cells) as *mut IoBuf) })
    }
    /// A buffer holding a copy of `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> IoBufBox {
        let b = IoBuf::new(bytes.len());
        b.write(0, bytes);
        b
    }
    /// `len` bytes at `ptr` as an IoBuf.
    ///
    /// # Safety
    /// `ptr..ptr+len` is valid for reads and writes for `'a`, and no `&` or
    /// `&mut` reference to it exists for `'a` (it is only accessed through
    /// raw pointers and IoBufs). An owner that hands such views out from
    /// safe code (tied to its own borrow) must call
    /// [`crate::lent::check_free`] before it frees the memory, as
    /// [`IoBufBox`] and [`crate::Mapping`] do: a ring that was leaked may
    /// still have it lent to the kernel.
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
    /// The bytes as a range lent to the kernel (what a builder records).
    pub(crate) fn lent(&self) -> Lent {
        Lent::new(self.as_ptr(), self.len())
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

/// Only an [`IoBufBox`] drops an IoBuf (a sub-range or `from_raw` view is
/// a reference): the whole allocation, so a lent sub-range overlaps it.
impl Drop for IoBuf {
    fn drop(&mut self) {
        check_free(self.as_ptr(), self.len(), "an IoBuf");
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
///
/// The value lives on the heap, so its address is fixed for the cell's
/// whole life: moving an `IoCell` (returning it, a `Vec` of them growing)
/// moves a pointer, and the memory the kernel was given is only freed by
/// the cell's drop, which checks the registry of lent memory first.
pub struct IoCell<T: Copy>(Box<UnsafeCell<T>>);

impl<T: Copy> IoCell<T> {
    pub fn new(v: T) -> IoCell<T> {
        IoCell(Box::new(UnsafeCell::new(v)))
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
    /// The value's bytes as a range lent to the kernel.
    pub(crate) fn lent(&self) -> Lent {
        Lent::new(self.as_ptr() as *const u8, std::mem::size_of::<T>())
    }
}

impl<T: Copy> Drop for IoCell<T> {
    fn drop(&mut self) {
        check_free(self.as_ptr() as *const u8, std::mem::size_of::<T>(), "an IoCell");
    }
}

impl<T: Copy> std::fmt::Debug for IoCell<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IoCell({} bytes at {:p})", std::mem::size_of::<T>(), self.as_ptr())
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
