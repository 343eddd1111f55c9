//! Creating a ring: io_uring_setup(2), then the rings mapped (or, with
//! IORING_SETUP_NO_MMAP, memory of ours handed over), every kernel-given
//! offset checked against the region it points into before a pointer is
//! formed from it.

use super::*;
use std::os::fd::FromRawFd;

impl<'buf> Ring<'buf> {
    /// A ring with `entries` SQEs and default params.
    pub fn new(entries: u32) -> Result<Ring<'buf>, SetupError> {
        RingBuilder::new(entries).build()
    }

    /// `io_uring_setup` with these params, then maps the rings. With
    /// IORING_SETUP_NO_MMAP the memory is allocated here and passed in
    /// `sq_off.user_addr` / `cq_off.user_addr`.
    pub fn setup(entries: u32, p: io_uring_params) -> Result<Ring<'buf>, SetupError> {
        Ring::setup_layout(entries, p, p.flags)
    }

    /// A ring from an fd that io_uring_setup returned for `p` (a case that
    /// made the syscall itself, e.g. under fault injection): maps the rings
    /// (setups without IORING_SETUP_NO_MMAP or REGISTERED_FD_ONLY). The
    /// ring owns `fd` from here (closed when mapping fails).
    pub fn adopt(fd: OwnedFd, p: io_uring_params) -> Result<Ring<'buf>, SetupError> {
        Ring::map(Some(fd), None, p, p.flags, Vec::new())
    }

    /// [`Ring::setup`], with the ring's layout read from `layout` (the
    /// setup flags as upstream defines them) rather than from every bit
    /// passed to the kernel.
    pub(super) fn setup_layout(entries: u32, mut p: io_uring_params, layout: u32) -> Result<Ring<'buf>, SetupError> {
        let mut maps = Vec::new();
        if layout & IORING_SETUP_NO_MMAP != 0 {
            // Generous sizes: the kernel checks that the region covers the
            // rings it computes for these entries.
            let cq = if layout & IORING_SETUP_CQSIZE != 0 { p.cq_entries } else { entries.next_power_of_two() * 2 };
            let cqe_size = if layout & IORING_SETUP_CQE32 != 0 { 32 } else { 16 };
            let sqe_size = if layout & IORING_SETUP_SQE128 != 0 { 128 } else { 64 };
            let ring_len = round_up(64 * 2 + cq as usize * cqe_size + entries.next_power_of_two() as usize * 4 + 256, PAGE);
            let sqes_len = round_up(entries.next_power_of_two() as usize * sqe_size, PAGE);
            let rings = Mapping::anon(ring_len.next_power_of_two())?;
            let sqes = Mapping::anon(sqes_len.next_power_of_two())?;
            p.cq_off.user_addr = rings.as_ptr() as u64;
            p.sq_off.user_addr = sqes.as_ptr() as u64;
            maps.push(rings);
            maps.push(sqes);
        }
        if layout & IORING_SETUP_NO_MMAP == 0 {
            // Only our own regions are ever handed over (a setup bit a
            // patched kernel gives another meaning is read by an upstream
            // kernel as NO_MMAP: it then finds no memory).
            p.sq_off.user_addr = 0;
            p.cq_off.user_addr = 0;
        }
        // SAFETY: with NO_MMAP the regions are ours (maps), moved into the
        // ring, which unmaps them only after closing its fd; otherwise no
        // user memory is named.
        let fd = unsafe { io_uring_setup(entries, &mut p) }?;
        let (reg_index, real_fd) = if layout & IORING_SETUP_REGISTERED_FD_ONLY != 0 {
            (Some(fd as u32), None)
        } else {
            // SAFETY: io_uring_setup just returned this fd; nothing else owns it.
            (None, Some(unsafe { OwnedFd::from_raw_fd(fd) }))
        };
        Ring::map(real_fd, reg_index, p, layout, maps)
    }

    /// Maps (or, with NO_MMAP, adopts) the rings the kernel described in
    /// `p`. Every offset and size comes from the kernel and is checked
    /// against the region it points into before a pointer is formed, and
    /// the ring's own entries/mask must agree with `p`: a kernel that
    /// deviates (a patched kernel whose setup bit means something else)
    /// gives a [`SetupError::Layout`] naming the field, never a wild
    /// pointer.
    pub(super) fn map(fd: Option<OwnedFd>, reg_index: Option<u32>, p: io_uring_params, layout: u32, mut maps: Vec<Mapping>) -> Result<Ring<'buf>, SetupError> {
        let sqe_size = if layout & IORING_SETUP_SQE128 != 0 { 128 } else { 64 };
        let cqe_size = if layout & IORING_SETUP_CQE32 != 0 { 32 } else { 16 };
        let no_array = layout & IORING_SETUP_NO_SQARRAY != 0;
        let bad = |what: String| Err(SetupError::Layout(what));
        if p.sq_entries == 0 || !p.sq_entries.is_power_of_two() || p.cq_entries == 0 || !p.cq_entries.is_power_of_two() {
            return bad(format!("sq_entries {} / cq_entries {} (each must be a power of two)", p.sq_entries, p.cq_entries));
        }
        // The extent of each ring as the offsets describe it.
        let sq_fields = [
            ("head", p.sq_off.head),
            ("tail", p.sq_off.tail),
            ("ring_mask", p.sq_off.ring_mask),
            ("ring_entries", p.sq_off.ring_entries),
            ("flags", p.sq_off.flags),
            ("dropped", p.sq_off.dropped),
        ];
        let cq_fields = [
            ("head", p.cq_off.head),
            ("tail", p.cq_off.tail),
            ("ring_mask", p.cq_off.ring_mask),
            ("ring_entries", p.cq_off.ring_entries),
            ("overflow", p.cq_off.overflow),
            ("flags", p.cq_off.flags),
        ];
        let sq_len = sq_fields.iter().map(|(_, o)| *o as usize + 4).max().unwrap_or(0).max(if no_array {
            0
        } else {
            p.sq_off.array as usize + p.sq_entries as usize * 4
        });
        let cq_len = cq_fields.iter().map(|(_, o)| *o as usize + 4).max().unwrap_or(0).max(p.cq_off.cqes as usize + p.cq_entries as usize * cqe_size);
        let sqes_len = p.sq_entries as usize * sqe_size;
        let (sq_base, cq_base, sqes): (*mut u8, *mut u8, *mut u8) = if layout & IORING_SETUP_NO_MMAP != 0 {
            // Our own regions (maps[0] rings, maps[1] SQEs), not whatever
            // the kernel left in user_addr.
            let (rings, sqe_region) = (&maps[0], &maps[1]);
            if sq_len > rings.len() || cq_len > rings.len() {
                return bad(format!("with NO_MMAP the rings need {} bytes by sq_off/cq_off, the region given has {}", sq_len.max(cq_len), rings.len()));
            }
            if sqes_len > sqe_region.len() {
                return bad(format!("with NO_MMAP the SQEs need {} bytes, the region given has {}", sqes_len, sqe_region.len()));
            }
            (rings.as_ptr(), rings.as_ptr(), sqe_region.as_ptr())
        } else {
            let Some(fd) = fd.as_ref().map(|f| f.as_fd()) else {
                // Mapping needs an fd (the kernel refuses REGISTERED_FD_ONLY
                // without NO_MMAP anyway).
                return Err(SetupError::Errno(Errno(libc::EBADF)));
            };
            let sq_map = if p.features & IORING_FEAT_SINGLE_MMAP != 0 {
                Mapping::shared(fd, IORING_OFF_SQ_RING, sq_len.max(cq_len))?
            } else {
                Mapping::shared(fd, IORING_OFF_SQ_RING, sq_len)?
            };
            let sq_base = sq_map.as_ptr();
            let cq_base = if p.features & IORING_FEAT_SINGLE_MMAP != 0 {
                sq_base
            } else {
                let m = Mapping::shared(fd, IORING_OFF_CQ_RING, cq_len)?;
                let b = m.as_ptr();
                maps.push(m);
                b
            };
            maps.push(sq_map);
            let sqe_map = Mapping::shared(fd, IORING_OFF_SQES, sqes_len)?;
            let sqes = sqe_map.as_ptr();
            maps.push(sqe_map);
            (sq_base, cq_base, sqes)
        };
        for (name, off) in sq_fields.iter().chain(cq_fields.iter()) {
            if off % 4 != 0 {
                return bad(format!("offset {name} = {off} is not 4-byte aligned"));
            }
        }
        // SAFETY: every offset was bounded above by the region's length.
        let word = |base: *mut u8, off: u32| unsafe { (*(base.add(off as usize) as *const AtomicU32)).load(Ordering::Acquire) };
        let (sq_ring_entries, sq_ring_mask) = (word(sq_base, p.sq_off.ring_entries), word(sq_base, p.sq_off.ring_mask));
        let (cq_ring_entries, cq_ring_mask) = (word(cq_base, p.cq_off.ring_entries), word(cq_base, p.cq_off.ring_mask));
        if sq_ring_entries != p.sq_entries || sq_ring_mask != p.sq_entries - 1 {
            return bad(format!(
                "the SQ ring's ring_entries/ring_mask read {sq_ring_entries}/{sq_ring_mask}, params say sq_entries {}{}",
                p.sq_entries,
                if layout & IORING_SETUP_NO_MMAP != 0 { " (the kernel did not build its rings in the memory given with IORING_SETUP_NO_MMAP)" } else { "" }
            ));
        }
        if cq_ring_entries != p.cq_entries || cq_ring_mask != p.cq_entries - 1 {
            return bad(format!("the CQ ring's ring_entries/ring_mask read {cq_ring_entries}/{cq_ring_mask}, params say cq_entries {}", p.cq_entries));
        }
        // SAFETY: offsets come from the kernel and were checked above to lie
        // inside the mappings.
        unsafe {
            let at = |base: *mut u8, off: u32| base.add(off as usize);
            let sq_array = if layout & IORING_SETUP_NO_SQARRAY != 0 { None } else { Some(at(sq_base, p.sq_off.array) as *mut u32) };
            let cq_flags = if p.cq_off.flags != 0 { Some(at(cq_base, p.cq_off.flags) as *const AtomicU32) } else { None };
            let sq_tail = at(sq_base, p.sq_off.tail) as *const AtomicU32;
            let ring = Ring {
                fd,
                reg_index,
                params: p,
                sq_head: at(sq_base, p.sq_off.head) as *const AtomicU32,
                sq_tail,
                sq_flags: at(sq_base, p.sq_off.flags) as *const AtomicU32,
                sq_dropped: at(sq_base, p.sq_off.dropped) as *const AtomicU32,
                sq_array,
                sq_mask: sq_ring_mask,
                sq_entries: sq_ring_entries,
                sqes,
                sqe_size,
                sq_local_tail: (*sq_tail).load(Ordering::Relaxed),
                sq_published: (*sq_tail).load(Ordering::Relaxed),
                rewind: p.flags & IORING_SETUP_SQ_REWIND != 0,
                rewind_consumed: 0,
                cq_head: at(cq_base, p.cq_off.head) as *const AtomicU32,
                cq_tail: at(cq_base, p.cq_off.tail) as *const AtomicU32,
                cq_overflow: at(cq_base, p.cq_off.overflow) as *const AtomicU32,
                cq_flags,
                cq_mask: cq_ring_mask,
                cq_entries: cq_ring_entries,
                cqes: at(cq_base, p.cq_off.cqes),
                cqe_size,
                _maps: maps,
                finals: 0,
                drain_unusable: false,
                pushed_ud: Default::default(),
                skip_success: 0,
                leave_requests: false,
                lent_id: crate::lent::new_owner(),
                _buf: PhantomData,
            };
            Ok(ring)
        }
    }
}
