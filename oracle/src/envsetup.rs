//! What some cases need from the machine, prepared once per run by the
//! parent process (before the probe) and undone when the run ends:
//!
//! - a directory whose file system takes O_DIRECT: $TMPDIR when it does
//!   (ext4, xfs, and tmpfs from 6.6); otherwise, as root, a loop-mounted
//!   ext4 image made with mkfs.ext4 and `mount -o loop`;
//! - a null_blk device with poll queues, for IORING_SETUP_IOPOLL: one that
//!   is already there, or, as root, `modprobe null_blk` with poll_queues
//!   (removed again at the end if this run loaded it);
//! - a null_blk device that takes discard (memory-backed, 64 MiB), for the
//!   block uring_cmd cases: as root, with null_blk loaded and configfs
//!   mounted, a device made through /sys/kernel/config/nullb (powered
//!   off and removed again at the end).
//!
//! Trials find them through environment variables the children inherit;
//! the probe reports env.odirect and env.nullblk_poll from the same
//! variables, so a case needing one skips naming it when it is missing.
//!
//! Nothing is left behind, however the run ends. Everything a run makes
//! lives in one *run directory*, `$TMPDIR/uring-conform-run-PID-XXXXXX`
//! (the O_DIRECT directory or the ext4 image and its mount point, a marker
//! when this run loaded null_blk, one naming each null_blk device it made
//! through configfs, and `tmp/`, which becomes the trials'
//! `$TMPDIR`). One cleanup undoes it: lazily unmount what is mounted under
//! the directory (a loop mount's device goes with it: `mount -o loop` sets
//! autoclear), power off and remove the configfs null_blk devices the
//! markers name, unload null_blk if the marker says this run loaded it,
//! remove the directory. A *guardian* runs that cleanup: a small shell in
//! its own session (so a signal to the runner's process group does not
//! reach it) that waits for end-of-file on a pipe whose only writer is the
//! runner. The runner closes the pipe when it ends; the kernel closes it
//! when the runner is killed (SIGKILL, the OOM killer). Either way the
//! guardian cleans up, so the normal path is the one that is exercised on
//! every run. The runner holds an flock on `lock` in the directory; a run
//! that starts and finds a run directory whose lock is free (its runner
//! and guardian both gone) runs the same cleanup on it.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

/// The O_DIRECT directory trials use.
pub const ODIRECT_ENV: &str = fixtures::ODIRECT_DIR_ENV;
/// The null_blk device (with poll queues) trials use.
pub const NULLB_ENV: &str = "URING_CONFORM_NULLB";
/// The null_blk device that takes discard trials use.
pub const NULLB_DISCARD_ENV: &str = "URING_CONFORM_NULLB_DISCARD";
/// `loop` forces the loop-mounted ext4 path (to test it where $TMPDIR
/// would do); `off` prepares nothing.
pub const SETUP_ENV: &str = "URING_CONFORM_ENV_SETUP";

/// The name prefix of run directories in $TMPDIR.
const RUN_DIR_PREFIX: &str = "uring-conform-run-";
/// In a run directory: the file whose flock says its runner is alive.
const LOCK_FILE: &str = "lock";
/// In a run directory: present when the run loaded null_blk.
const NULL_BLK_MARK: &str = "null_blk-loaded";
/// In a run directory: a configfs null_blk device the run made (the file
/// holds its configfs directory).
const NULLB_CONFIGFS_MARK: &str = "nullb-configfs";
/// Where null_blk's configfs devices live (configfs mounted, null_blk
/// loaded).
const NULLB_CONFIGFS: &str = "/sys/kernel/config/nullb";

/// The cleanup of a run directory ($1), as the guardian runs it once its
/// standard input ends, and as a starting run runs it (standard input
/// empty) on a run directory nobody holds any more. POSIX sh and the
/// tools of util-linux, kmod and busybox alike.
const CLEANUP_SCRIPT: &str = r#"trap '' INT TERM HUP
while read -r _; do :; done
d=$1
# What is mounted under the directory, deepest first; lazily, since a trial
# killed with the runner may still hold a file open there.
awk -v d="$d/" 'index($2, d) == 1 { print length($2), $2 }' /proc/self/mounts | sort -rn | while read -r _ m; do umount -l "$m"; done
# A configfs null_blk device the run made: off (which waits for its
# openers to go), then removed, before null_blk can be unloaded.
if [ -e "$d/nullb-configfs" ]; then
  read -r c < "$d/nullb-configfs"
  case "$c" in
    /sys/kernel/config/nullb/?*)
      if [ -d "$c" ]; then
        echo 0 > "$c/power" 2>/dev/null
        i=0
        while ! rmdir "$c" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
      fi
      ;;
  esac
fi
if [ -e "$d/null_blk-loaded" ]; then
  # Busy while a killed trial's process still has the device open.
  i=0
  while ! modprobe -r null_blk 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
fi
rm -rf "$d"
"#;

/// The directory that holds everything a run makes, and the guardian that
/// removes it when the run ends, whatever ends it (see the module
/// documentation).
pub struct RunDir {
    path: PathBuf,
    /// Holds the flock on `lock` for as long as the run lives.
    _lock: std::fs::File,
    /// The guardian and the write end of its standard input.
    guardian: Option<(Child, ChildStdin)>,
}

impl RunDir {
    /// Makes a fresh run directory in $TMPDIR (after cleaning up those of
    /// runs that are gone) and starts its guardian. Err: $TMPDIR cannot
    /// hold it (missing, read-only, full): nothing the trials need could
    /// be made there either.
    pub fn create() -> Result<RunDir, String> {
        let tmp = std::env::temp_dir();
        // Creating it is the writability check: the kernel's answer covers
        // a read-only mount, which permission bits (and root's access(2))
        // do not show. Every trial and fixture makes its files there, so an
        // unwritable TMPDIR stops the run here, not as an error per trial.
        let dir = tempfile::Builder::new().prefix(&format!("{RUN_DIR_PREFIX}{}-", std::process::id())).tempdir_in(&tmp).map_err(|e| {
            let named = match std::env::var_os("TMPDIR") {
                Some(_) => format!("TMPDIR {}", tmp.display()),
                None => format!("the temp directory {} (TMPDIR is not set)", tmp.display()),
            };
            format!("{named} is not writable (creating a directory there failed: {e}); the trials make their files there: set TMPDIR to a writable directory")
        })?;
        let dir = dir.keep();
        let fail = |what: &str, e: std::io::Error| {
            let _ = std::fs::remove_dir_all(&dir);
            format!("TMPDIR {}: cannot {what}: {e}", tmp.display())
        };
        let lock = std::fs::File::create(dir.join(LOCK_FILE)).map_err(|e| fail("create the run's lock file", e))?;
        rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).map_err(|e| fail("lock the run directory", e.into()))?;
        std::fs::create_dir(dir.join("tmp")).map_err(|e| fail("create the trials' temp directory", e))?;
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", CLEANUP_SCRIPT, "uring-conform-guardian"]).arg(&dir).stdin(Stdio::piped()).stdout(Stdio::null());
        // SAFETY: setsid is async-signal-safe; the child calls nothing else
        // before exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        // Our own directory is locked by now, so it is never reclaimed.
        reclaim_abandoned(&tmp);
        let guardian = match cmd.spawn() {
            Ok(mut c) => {
                let stdin = c.stdin.take().expect("piped");
                Some((c, stdin))
            }
            Err(e) => return Err(fail("start the run's cleanup guardian (/bin/sh)", e)),
        };
        Ok(RunDir { path: dir, _lock: lock, guardian })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the trials' temp files go: set as their $TMPDIR.
    pub fn tmp(&self) -> PathBuf {
        self.path.join("tmp")
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        // End of file on the guardian's input: it cleans up now. Waited
        // for, so that nothing is left when the run returns.
        if let Some((mut child, stdin)) = self.guardian.take() {
            drop(stdin);
            let _ = child.wait();
        }
    }
}

/// Runs the cleanup on each run directory in `tmp` whose lock nobody
/// holds: its runner is gone, and so is its guardian (killed too, or the
/// machine restarted with a persistent $TMPDIR).
fn reclaim_abandoned(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else { return };
    for e in entries.flatten() {
        if !e.file_name().to_string_lossy().starts_with(RUN_DIR_PREFIX) {
            continue;
        }
        let dir = e.path();
        let Ok(lock) = std::fs::File::open(dir.join(LOCK_FILE)) else { continue };
        if rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
            continue; // a live run's
        }
        drop(lock);
        let _ = Command::new("/bin/sh").args(["-c", CLEANUP_SCRIPT, "uring-conform-reclaim"]).arg(&dir).stdin(Stdio::null()).status();
    }
}

/// Undoes on drop what [`prepare`] did (through its [`RunDir`]).
#[derive(Default)]
pub struct EnvSetup {
    /// What was prepared, or why a facility is missing, for the run's
    /// header.
    pub notes: Vec<String>,
    /// Everything the run made; its guardian undoes it.
    run_dir: Option<RunDir>,
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Whether a file created in `dir` opens with O_DIRECT.
pub fn takes_o_direct(dir: &Path) -> bool {
    use std::os::unix::fs::OpenOptionsExt;
    let p = dir.join(format!(".uring-conform-odirect-{}", std::process::id()));
    let ok = std::fs::OpenOptions::new().create(true).truncate(true).write(true).custom_flags(libc::O_DIRECT).open(&p).is_ok();
    let _ = std::fs::remove_file(&p);
    ok
}

/// A scratch file in `dir`, removed when the returned guard goes.
fn scratch_file(dir: &Path) -> Option<tempfile::NamedTempFile> {
    tempfile::Builder::new().prefix(".uring-conform-fs-").tempfile_in(dir).ok()
}

/// Whether files in `dir` take fallocate(2), in the two modes the cases
/// use (0 and FALLOC_FL_KEEP_SIZE).
pub fn tmp_takes_fallocate(dir: &Path) -> bool {
    use rustix::fs::FallocateFlags;
    let Some(f) = scratch_file(dir) else { return false };
    rustix::fs::fallocate(f.as_file(), FallocateFlags::empty(), 0, 4096).is_ok()
        && rustix::fs::fallocate(f.as_file(), FallocateFlags::KEEP_SIZE, 4096, 4096).is_ok()
}

/// Whether files in `dir` take a trusted.* extended attribute (only root
/// may set those; tmpfs has them on every kernel, user.* only from 6.6).
pub fn tmp_takes_trusted_xattr(dir: &Path) -> bool {
    let Some(f) = scratch_file(dir) else { return false };
    rustix::fs::fsetxattr(f.as_file(), "trusted.uring_conform_probe", b"1", rustix::fs::XattrFlags::empty()).is_ok()
}

/// Whether `dir` is on a file system backed by a block device (not
/// tmpfs, ramfs or another memory file system).
pub fn on_block_fs(dir: &Path) -> bool {
    const TMPFS_MAGIC: i64 = 0x0102_1994;
    const RAMFS_MAGIC: i64 = 0x8584_58f6;
    let Ok(st) = rustix::fs::statfs(dir) else { return false };
    // f_type is i64 here, a narrower type on other architectures.
    #[allow(clippy::unnecessary_cast)]
    let t = st.f_type as i64;
    t != TMPFS_MAGIC && t != RAMFS_MAGIC
}

/// A missing tool, with the package that installs it (Debian's name, the
/// source package where others name it differently), so the note says
/// what to install.
fn not_installed(cmd: &str) -> String {
    let package = match cmd {
        "modprobe" => "kmod",
        "mkfs.ext4" => "e2fsprogs",
        "mount" | "umount" => "mount, from util-linux",
        _ => return format!("{cmd} is not installed"),
    };
    format!("{cmd} is not installed (package {package})")
}

fn run(cmd: &str, args: &[&str]) -> Result<(), String> {
    match Command::new(cmd).args(args).output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!("{cmd} {}: {}", args.join(" "), String::from_utf8_lossy(&o.stderr).trim())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(not_installed(cmd)),
        Err(e) => Err(format!("{cmd}: {e}")),
    }
}

/// Why this kernel has no null_blk to load, from its module directory
/// (`/lib/modules/<release>`): no modules installed at all, or none named
/// null_blk. None when modules.dep lists it (modprobe can load it) or
/// when the directory cannot tell (no modules.dep: let modprobe answer).
/// A built-in null_blk is already in /sys/module and never gets here.
fn null_blk_absent(modules: &Path) -> Option<String> {
    if !modules.is_dir() {
        return Some(format!("this kernel has no null_blk: it is not built in, and no modules are installed for it ({} does not exist)", modules.display()));
    }
    let dep = std::fs::read_to_string(modules.join("modules.dep")).ok()?;
    // Lines are `kernel/drivers/block/null_blk/null_blk.ko[.xz]: deps`.
    let listed =
        dep.lines().filter_map(|l| l.split(':').next()).any(|m| m.rsplit('/').next().is_some_and(|f| f == "null_blk.ko" || f.starts_with("null_blk.ko.")));
    (!listed).then(|| format!("this kernel has no null_blk: it is not built in, and {} does not list a null_blk module", modules.join("modules.dep").display()))
}

/// Makes the run directory, points $TMPDIR at its `tmp/`, prepares the
/// facilities (unless URING_CONFORM_ENV_SETUP=off) and sets the variables
/// the probe and the trials read. Err: $TMPDIR cannot hold the run's files.
pub fn prepare() -> Result<EnvSetup, String> {
    let run_dir = RunDir::create()?;
    std::env::set_var("TMPDIR", run_dir.tmp());
    let mut s = EnvSetup { notes: vec![], run_dir: Some(run_dir) };
    let mode = std::env::var(SETUP_ENV).unwrap_or_default();
    if mode == "off" {
        return Ok(s);
    }
    if std::env::var_os(ODIRECT_ENV).is_none() {
        s.prepare_odirect(mode == "loop");
    }
    if std::env::var_os(NULLB_ENV).is_none() {
        s.prepare_null_blk();
    }
    if std::env::var_os(NULLB_DISCARD_ENV).is_none() {
        s.prepare_nullb_discard();
    }
    Ok(s)
}

impl EnvSetup {
    fn run_path(&self) -> &Path {
        self.run_dir.as_ref().expect("prepare made the run directory").path()
    }

    fn prepare_odirect(&mut self, force_loop: bool) {
        let base = self.run_path().join("direct");
        if let Err(e) = std::fs::create_dir(&base) {
            self.notes.push(format!("O_DIRECT: cannot create a directory in {}: {e}", self.run_path().display()));
            return;
        }
        if !force_loop && takes_o_direct(&base) {
            std::env::set_var(ODIRECT_ENV, &base);
            return;
        }
        if !is_root() {
            self.notes.push(format!("O_DIRECT: {} does not take it and a loop-mounted ext4 needs root", std::env::temp_dir().display()));
            return;
        }
        match self.loop_ext4(&base) {
            Ok(mnt) => {
                self.notes.push(format!("O_DIRECT: loop-mounted ext4 at {}", mnt.display()));
                self.tmp_onto(&mnt);
                std::env::set_var(ODIRECT_ENV, mnt);
            }
            Err(e) => self.notes.push(format!("O_DIRECT: no loop-mounted ext4: {e}")),
        }
    }

    /// Where the trials' $TMPDIR lacks what some cases need of a file
    /// system (fallocate, trusted xattrs: ramfs has neither), moves it onto
    /// the run's loop-mounted ext4, so those cases run instead of skipping.
    fn tmp_onto(&mut self, mnt: &Path) {
        let tmp = std::env::temp_dir();
        if tmp_takes_fallocate(&tmp) && tmp_takes_trusted_xattr(&tmp) {
            return;
        }
        let onto = mnt.join("tmp");
        match std::fs::create_dir(&onto) {
            Ok(()) => {
                self.notes.push(format!(
                    "{} lacks fallocate or trusted xattrs: the trials' temp files go to the loop-mounted ext4 ({})",
                    tmp.display(),
                    onto.display()
                ));
                std::env::set_var("TMPDIR", onto);
            }
            Err(e) => self.notes.push(format!("{} lacks fallocate or trusted xattrs, and {}: {e}", tmp.display(), onto.display())),
        }
    }

    /// A 256 MiB (sparse) ext4 image, loop-mounted; returns the mount point.
    fn loop_ext4(&mut self, base: &Path) -> Result<PathBuf, String> {
        std::fs::create_dir_all(base.join("mnt")).map_err(|e| e.to_string())?;
        let img = base.join("fs.img");
        let f = std::fs::File::create(&img).map_err(|e| e.to_string())?;
        f.set_len(256 << 20).map_err(|e| e.to_string())?;
        drop(f);
        let (img_s, mnt) = (img.to_string_lossy().to_string(), base.join("mnt"));
        run("mkfs.ext4", &["-q", "-F", &img_s])?;
        run("mount", &["-o", "loop", &img_s, &mnt.to_string_lossy()])?;
        if !takes_o_direct(&mnt) {
            // Unmounted by the run directory's cleanup.
            return Err("the loop-mounted ext4 refuses O_DIRECT".into());
        }
        Ok(mnt)
    }

    fn prepare_null_blk(&mut self) {
        if let Some(dev) = polled_nullb() {
            std::env::set_var(NULLB_ENV, dev);
            return;
        }
        if Path::new("/sys/module/null_blk").exists() {
            self.notes.push("null_blk: loaded without poll queues (reload it with poll_queues=1)".into());
            return;
        }
        // A kernel without null_blk is said as such first: root, or
        // installing modprobe, would not help there.
        let release = rustix::system::uname().release().to_string_lossy().into_owned();
        if let Some(why) = null_blk_absent(&Path::new("/lib/modules").join(release)) {
            self.notes.push(format!("null_blk: {why}"));
            return;
        }
        if !is_root() {
            self.notes.push("null_blk: not loaded, and loading it needs root".into());
            return;
        }
        // memory_backed keeps what is written, so reads can be checked.
        let args = ["null_blk", "nr_devices=1", "queue_mode=2", "poll_queues=1", "submit_queues=1", "memory_backed=1", "gb=1", "bs=4096"];
        // The marker first: a run killed right after the load still has
        // the module removed by its guardian.
        if let Err(e) = std::fs::write(self.run_path().join(NULL_BLK_MARK), b"") {
            self.notes.push(format!("null_blk: not loaded: cannot record that this run loads it: {e}"));
            return;
        }
        match run("modprobe", &args) {
            Ok(()) => match polled_nullb() {
                Some(dev) => {
                    self.notes.push(format!("null_blk: loaded with a poll queue ({dev}); removed after the run"));
                    std::env::set_var(NULLB_ENV, dev)
                }
                None => self.notes.push("null_blk: loaded, but no device with io_poll 1 appeared".into()),
            },
            Err(e) => {
                let _ = std::fs::remove_file(self.run_path().join(NULL_BLK_MARK));
                self.notes.push(format!("null_blk: {e}"))
            }
        }
    }
}

impl EnvSetup {
    /// A memory-backed null_blk device that takes discard, made through
    /// configfs (null_blk's module parameters stay as they are).
    fn prepare_nullb_discard(&mut self) {
        let base = Path::new(NULLB_CONFIGFS);
        if !base.is_dir() {
            let why = if !Path::new("/sys/module/null_blk").exists() {
                "null_blk is not loaded"
            } else if !Path::new("/sys/kernel/config").is_dir() || !is_mounted("/sys/kernel/config") {
                "configfs is not mounted on /sys/kernel/config"
            } else {
                "this null_blk has no configfs interface"
            };
            self.notes.push(format!("null_blk with discard: none: {why}"));
            return;
        }
        if !is_root() {
            self.notes.push("null_blk with discard: making one through configfs needs root".into());
            return;
        }
        let name = format!("ucdisc{}", std::process::id());
        let dir = base.join(&name);
        // The marker first: a run killed right after the mkdir still has
        // the device removed by its guardian.
        if let Err(e) = std::fs::write(self.run_path().join(NULLB_CONFIGFS_MARK), format!("{}\n", dir.display())) {
            self.notes.push(format!("null_blk with discard: not made: cannot record it: {e}"));
            return;
        }
        match make_nullb(&dir, &name) {
            Ok(dev) => {
                self.notes.push(format!("null_blk with discard: {dev} (configfs {}); removed after the run", dir.display()));
                std::env::set_var(NULLB_DISCARD_ENV, dev);
            }
            Err(e) => self.notes.push(format!("null_blk with discard: none: {e}")),
        }
    }
}

/// Whether something is mounted on `at` (/proc/self/mounts).
fn is_mounted(at: &str) -> bool {
    std::fs::read_to_string("/proc/self/mounts").is_ok_and(|m| m.lines().any(|l| l.split_whitespace().nth(1) == Some(at)))
}

/// Makes and powers on the configfs null_blk device `dir`; returns its
/// /dev path. The disk is named after the directory where null_blk does
/// that (5.13 on), else nullb<index>.
fn make_nullb(dir: &Path, name: &str) -> Result<String, String> {
    std::fs::create_dir(dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
    for (attr, v) in [("size", "64"), ("blocksize", "4096"), ("memory_backed", "1"), ("discard", "1"), ("power", "1")] {
        std::fs::write(dir.join(attr), v).map_err(|e| format!("{}/{attr} = {v}: {e}", dir.display()))?;
    }
    let by_index = std::fs::read_to_string(dir.join("index")).ok().map(|i| format!("/dev/nullb{}", i.trim()));
    let candidates: Vec<String> = std::iter::once(format!("/dev/{name}")).chain(by_index).collect();
    // devtmpfs makes the node as the disk is added, before power returns.
    let dev = candidates.iter().find(|d| Path::new(d).exists()).ok_or_else(|| format!("powered on, but none of {} exists", candidates.join(", ")))?;
    let sys = format!("/sys/class/block/{}/queue/discard_max_bytes", dev.trim_start_matches("/dev/"));
    match std::fs::read_to_string(&sys) {
        Ok(v) if v.trim() != "0" => Ok(dev.clone()),
        Ok(_) => Err(format!("{dev} made, but it does not take discard ({sys} is 0)")),
        Err(e) => Err(format!("{dev} made, but {sys}: {e}")),
    }
}

/// A /dev/nullbN whose queue polls (io_poll 1).
fn polled_nullb() -> Option<String> {
    let rd = std::fs::read_dir("/sys/block").ok()?;
    let mut names: Vec<String> = rd.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().to_string()).filter(|n| n.starts_with("nullb")).collect();
    names.sort();
    names.into_iter().find_map(|n| {
        let poll = std::fs::read_to_string(format!("/sys/block/{n}/queue/io_poll")).ok()?;
        let dev = format!("/dev/{n}");
        (poll.trim() == "1" && Path::new(&dev).exists()).then_some(dev)
    })
}

impl Drop for EnvSetup {
    fn drop(&mut self) {
        // The run directory's guardian undoes it all (module documentation);
        // dropping it waits for that.
        drop(self.run_dir.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kernel without null_blk is told apart from a missing modprobe: a
    /// missing module directory or a modules.dep without null_blk says
    /// the kernel has none; a listed module (any compression) leaves it to
    /// modprobe, whose absence names the package.
    #[test]
    fn null_blk_notes_say_what_is_missing() {
        let d = tempfile::tempdir().unwrap();
        let modules = d.path().join("6.1.0-test");
        let none = null_blk_absent(&modules).expect("no module directory");
        assert!(none.contains("this kernel has no null_blk") && none.contains("no modules are installed"), "{none}");
        std::fs::create_dir(&modules).unwrap();
        assert_eq!(null_blk_absent(&modules), None, "no modules.dep: modprobe answers");
        std::fs::write(modules.join("modules.dep"), "kernel/drivers/block/loop.ko.xz:\nkernel/drivers/block/null_blk_extra.ko:\n").unwrap();
        let unlisted = null_blk_absent(&modules).expect("not listed");
        assert!(unlisted.contains("this kernel has no null_blk") && unlisted.contains("modules.dep"), "{unlisted}");
        for m in ["null_blk.ko", "null_blk.ko.xz", "null_blk.ko.zst"] {
            std::fs::write(modules.join("modules.dep"), format!("kernel/drivers/block/null_blk/{m}: kernel/lib/configfs.ko\n")).unwrap();
            assert_eq!(null_blk_absent(&modules), None, "{m}");
        }
        assert_eq!(not_installed("modprobe"), "modprobe is not installed (package kmod)");
        assert!(run("uring-conform-no-such-tool", &[]).unwrap_err().ends_with("is not installed"));
    }
}
