//! FSETXATTR, FGETXATTR, SETXATTR, GETXATTR: setxattr(2) and getxattr(2)'s results and errors.

use super::*;

// ------------------------------------------------------------ xattr
//
// trusted.* names: every file system with xattrs takes them from root
// (tmpfs included, where user.* only came in 6.6), so the cases run in
// the VM matrix's initramfs too.

const XNAME: &std::ffi::CStr = c"trusted.uring_conform";

case! {
    id: "ops/fsetxattr/set-then-read",
    summary: "FSETXATTR sets the value (res 0); FGETXATTR reads it back (res = its length)",
    requires: [OpFsetxattr, OpFgetxattr, EnvRoot, EnvTmpXattr],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_fsetxattr(3)", "setxattr(2), getxattr(2): the size of the value on success", "claim:enter.op.xattr"],
    run: |cx| {
        let f = TempFile::empty()?;
        let buf = IoBuf::new(32);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fsetxattr(f.fd(), XNAME, b"value-1", 0).user_data(1)], &[cqe(1, 0)])?;
        r.run_expect(&[Sqe::fgetxattr(f.fd(), XNAME, &buf).user_data(2)], &[cqe(2, 7)])?;
        check_eq!(&buf.read(..7), b"value-1", "value read back");
        Ok(())
    },
}

case! {
    id: "ops/fsetxattr/error-create-existing-eexist",
    summary: "FSETXATTR with XATTR_CREATE of an existing name completes with -EEXIST",
    requires: [OpFsetxattr, EnvRoot, EnvTmpXattr],
    variants: variants::DEFAULT,
    refs: ["setxattr(2): XATTR_CREATE; ERRORS: EEXIST", "claim:prep.xattr"],
    run: |cx| {
        let f = TempFile::empty()?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fsetxattr(f.fd(), XNAME, b"a", 0).user_data(1)], &[cqe(1, 0)])?;
        r.run_expect(&[Sqe::fsetxattr(f.fd(), XNAME, b"b", libc::XATTR_CREATE as u32).user_data(2)], &[cqe(2, -libc::EEXIST)])?;
        Ok(())
    },
}

case! {
    id: "ops/fgetxattr/reads-value",
    summary: "FGETXATTR of a value set by setxattr(2) returns its length and bytes",
    requires: [OpFgetxattr, EnvRoot, EnvTmpXattr],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_fgetxattr(3)", "getxattr(2)", "claim:enter.op.xattr"],
    run: |cx| {
        let f = TempFile::empty()?;
        let rc = rustix::fs::fsetxattr(&f.file, XNAME, b"abc", rustix::fs::XattrFlags::empty());
        check!(rc.is_ok(), "fixture fsetxattr(2): {rc:?}");
        let buf = IoBuf::new(8);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fgetxattr(f.fd(), XNAME, &buf).user_data(1)], &[cqe(1, 3)])?;
        check_eq!(&buf.read(..3), b"abc", "value");
        Ok(())
    },
}

case! {
    id: "ops/fgetxattr/error-missing-enodata",
    summary: "FGETXATTR of a name the file does not have completes with -ENODATA",
    requires: [OpFgetxattr, EnvRoot, EnvTmpXattr],
    variants: variants::DEFAULT,
    refs: ["getxattr(2) ERRORS: ENODATA", "claim:prep.xattr"],
    run: |cx| {
        let f = TempFile::empty()?;
        let buf = IoBuf::new(8);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::fgetxattr(f.fd(), XNAME, &buf).user_data(1)], &[cqe(1, -libc::ENODATA)])?;
        Ok(())
    },
}

case! {
    id: "ops/setxattr/set-by-path",
    summary: "SETXATTR by path sets the value; GETXATTR by path reads it back",
    requires: [OpSetxattr, OpGetxattr, EnvRoot, EnvTmpXattr],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_setxattr(3)", "io_uring_prep_getxattr(3)", "claim:enter.op.xattr"],
    run: |cx| {
        let f = TempFile::empty()?;
        let p = cpath(&f.path())?;
        let buf = IoBuf::new(16);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::setxattr(&p, XNAME, b"by-path", 0).user_data(1)], &[cqe(1, 0)])?;
        r.run_expect(&[Sqe::getxattr(&p, XNAME, &buf).user_data(2)], &[cqe(2, 7)])?;
        check_eq!(&buf.read(..7), b"by-path", "value");
        Ok(())
    },
}

case! {
    id: "ops/setxattr/error-replace-missing-enodata",
    summary: "SETXATTR with XATTR_REPLACE of a missing name completes with -ENODATA",
    requires: [OpSetxattr, EnvRoot, EnvTmpXattr],
    variants: variants::DEFAULT,
    refs: ["setxattr(2): XATTR_REPLACE; ERRORS: ENODATA", "claim:prep.xattr"],
    run: |cx| {
        let f = TempFile::empty()?;
        let p = cpath(&f.path())?;
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::setxattr(&p, XNAME, b"x", libc::XATTR_REPLACE as u32).user_data(1)], &[cqe(1, -libc::ENODATA)])?;
        Ok(())
    },
}

case! {
    id: "ops/getxattr/reads-value",
    summary: "GETXATTR by path of a value set by setxattr(2) returns its length and bytes",
    requires: [OpGetxattr, EnvRoot, EnvTmpXattr],
    variants: variants::DEFAULT,
    refs: ["io_uring_prep_getxattr(3)", "getxattr(2)", "claim:enter.op.xattr", "claim:prep.xattr"],
    run: |cx| {
        let f = TempFile::empty()?;
        let p = cpath(&f.path())?;
        let rc = rustix::fs::setxattr(p.as_c_str(), XNAME, b"wxyz", rustix::fs::XattrFlags::empty());
        check!(rc.is_ok(), "fixture setxattr(2): {rc:?}");
        let buf = IoBuf::new(8);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::getxattr(&p, XNAME, &buf).user_data(1)], &[cqe(1, 4)])?;
        check_eq!(&buf.read(..4), b"wxyz", "value");
        Ok(())
    },
}

case! {
    id: "ops/getxattr/error-size-too-small-erange",
    summary: "GETXATTR into a buffer smaller than the value completes with -ERANGE",
    requires: [OpGetxattr, EnvRoot, EnvTmpXattr],
    variants: variants::DEFAULT,
    refs: ["getxattr(2) ERRORS: ERANGE (size too small)", "claim:prep.xattr"],
    run: |cx| {
        let f = TempFile::empty()?;
        let rc = rustix::fs::fsetxattr(&f.file, XNAME, b"abcdef", rustix::fs::XattrFlags::empty());
        check!(rc.is_ok(), "fixture fsetxattr(2): {rc:?}");
        let p = cpath(&f.path())?;
        let buf = IoBuf::new(2);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::getxattr(&p, XNAME, &buf).user_data(1)], &[cqe(1, -libc::ERANGE)])?;
        Ok(())
    },
}

case! {
    id: "ops/getxattr/error-missing-path-enoent",
    summary: "GETXATTR on a missing path completes with -ENOENT",
    requires: [OpGetxattr],
    variants: variants::DEFAULT,
    refs: ["getxattr(2) ERRORS: ENOENT (path_resolution(7))"],
    run: |cx| {
        let d = TempDir::new()?;
        let p = cpath(&d.join("missing"))?;
        let buf = IoBuf::new(8);
        let mut r = cx.ring()?;
        r.run_expect(&[Sqe::getxattr(&p, XNAME, &buf).user_data(1)], &[cqe(1, -libc::ENOENT)])?;
        Ok(())
    },
}
