//! The kernel-log oracle: a WARNING, BUG, Oops or lockdep report that
//! appears in /dev/kmsg while a trial runs fails that trial. With
//! parallel trials, a report fails every trial whose window it falls in;
//! run with `--jobs 1` to pin it to one.

use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;

const BAD: &[&str] = &[
    "WARNING:",
    "BUG:",
    "Oops",
    "general protection fault",
    "possible circular locking dependency",
    "possible recursive locking",
    "inconsistent lock state",
    "KASAN:",
    "UBSAN:",
    "Kernel panic",
    "INFO: task",
    "refcount_t:",
    "list_add corruption",
    "list_del corruption",
];

/// A window on the kernel log from its creation on.
pub struct KmsgWindow {
    f: std::fs::File,
}

impl KmsgWindow {
    /// Opens /dev/kmsg positioned at its end; None where it cannot be read.
    pub fn open() -> Option<KmsgWindow> {
        let f = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open("/dev/kmsg").ok()?;
        // SAFETY: seeking our own fd; SEEK_END on /dev/kmsg skips to the newest record.
        unsafe { libc::lseek(f.as_raw_fd(), 0, libc::SEEK_END) };
        Some(KmsgWindow { f })
    }

    /// Reads every record since the window opened and returns the bad ones.
    pub fn bad_lines(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 8192];
        loop {
            match self.f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let rec = String::from_utf8_lossy(&buf[..n]);
                    // "prio,seq,time,flags;message\n continuation..."
                    let msg = rec.split_once(';').map(|x| x.1).unwrap_or(&rec).lines().next().unwrap_or("").to_string();
                    if BAD.iter().any(|b| msg.contains(b)) {
                        out.push(msg);
                    }
                }
                // EPIPE: records were overwritten; carry on from the next.
                Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
                Err(_) => break,
            }
        }
        out
    }
}
