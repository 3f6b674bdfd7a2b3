//! Named POSIX shared memory (`shm_open`, on Linux a file under `/dev/shm`) mapped `MAP_SHARED`.
//!
//! Only this module calls `mmap`; the rest of the ring sees a [`Mapping`]: a base pointer and a
//! length that stay valid until the mapping is dropped. Unlinking removes the name only: processes
//! that still map the ring keep using it, and the memory is freed when the last one unmaps.

use std::ffi::{CStr, CString};
use std::fs::File;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::ptr::NonNull;

/// Longest name accepted, in bytes (`NAME_MAX` is 255 including the leading `/` we add).
pub const MAX_NAME_LEN: usize = 200;

/// Why a name cannot name a ring, or `None` when it can.
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        Some("it must be 1 to 200 bytes long")
    } else if name.contains(['/', '\0']) {
        Some("it must not contain '/' or NUL")
    } else if name == "." || name == ".." {
        Some("it must not be '.' or '..'")
    } else {
        None
    }
}

/// The `shm_open` path of `name`: a leading slash and no other.
///
/// # Errors
/// The reason from [`name_problem`].
pub fn shm_path(name: &str) -> Result<CString, &'static str> {
    if let Some(problem) = name_problem(name) {
        return Err(problem);
    }
    CString::new(format!("/{name}")).map_err(|_| "it must not contain '/' or NUL")
}

/// A shared read-write mapping of a whole shared-memory object.
#[derive(Debug)]
pub struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain shared memory owned by this value; every access the ring makes
// through it goes through atomics or the single-producer/single-consumer protocol, which is what
// makes concurrent use from several threads (and processes) sound.
unsafe impl Send for Mapping {}
// SAFETY: as for `Send`: `&Mapping` only hands out the base pointer.
unsafe impl Sync for Mapping {}

/// How `open` failed before the contents could be checked.
#[derive(Debug)]
pub enum OpenError {
    /// `shm_open`, `fstat` or `mmap` failed.
    Io(io::Error),
    /// The object exists but is shorter than `min_len` (its actual length is inside).
    TooSmall(u64),
}

fn shm_open(path: &CStr, flags: libc::c_int) -> io::Result<File> {
    // SAFETY: `path` is a NUL-terminated string that outlives the call.
    let fd = unsafe { libc::shm_open(path.as_ptr(), flags | libc::O_CLOEXEC, 0o600) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by shm_open, is open, and nothing else owns it.
    Ok(File::from(unsafe { OwnedFd::from_raw_fd(fd) }))
}

/// Reserves the object's memory now, so that running out of `/dev/shm` space fails here with
/// ENOSPC instead of killing a process with SIGBUS on its first write to a page.
#[cfg(target_os = "linux")]
fn reserve(file: &File, len: usize) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let len = libc::off_t::try_from(len).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: the descriptor is open for writing for the duration of the call.
    let code = unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) };
    if code == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(code))
    }
}

#[cfg(not(target_os = "linux"))]
fn reserve(file: &File, len: usize) -> io::Result<()> {
    file.set_len(len as u64)
}

impl Mapping {
    /// Creates the object `path` (failing if it exists), sizes it to `len` zeroed bytes and maps it.
    ///
    /// # Errors
    /// The OS error of `shm_open` (`AlreadyExists` for an existing name), of sizing, or of `mmap`.
    /// The name is unlinked again when a step after `shm_open` fails.
    pub fn create(path: &CStr, len: usize) -> io::Result<Self> {
        let file = shm_open(path, libc::O_CREAT | libc::O_EXCL | libc::O_RDWR)?;
        let mapped =
            file.set_len(len as u64).and_then(|()| reserve(&file, len)).and_then(|()| map(&file, len));
        if mapped.is_err() {
            // Best effort: the original error is the one worth reporting.
            let _ = unlink(path);
        }
        mapped
    }

    /// Opens and maps the existing object `path` in full.
    ///
    /// # Errors
    /// [`OpenError::Io`] when it cannot be opened or mapped (`NotFound` when it does not exist),
    /// [`OpenError::TooSmall`] when it is shorter than `min_len` bytes.
    pub fn open(path: &CStr, min_len: usize) -> Result<Self, OpenError> {
        let file = shm_open(path, libc::O_RDWR).map_err(OpenError::Io)?;
        let len = file.metadata().map_err(OpenError::Io)?.len();
        if len < min_len as u64 {
            return Err(OpenError::TooSmall(len));
        }
        let len = usize::try_from(len).map_err(|_| OpenError::TooSmall(len))?;
        map(&file, len).map_err(OpenError::Io)
    }

    /// Base address, aligned to the page size.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }
}

fn map(file: &File, len: usize) -> io::Result<Mapping> {
    use std::os::fd::AsRawFd;
    // Fault every page in now: the first frames through a fresh ring should not pay page faults.
    #[cfg(target_os = "linux")]
    let flags = libc::MAP_SHARED | libc::MAP_POPULATE;
    #[cfg(not(target_os = "linux"))]
    let flags = libc::MAP_SHARED;
    // SAFETY: a fresh mapping chosen by the kernel (null hint) of an open descriptor; it aliases
    // no Rust object. The descriptor may be closed afterwards; the mapping stays valid.
    let ptr = unsafe {
        libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, flags, file.as_raw_fd(), 0)
    };
    if ptr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    let ptr =
        NonNull::new(ptr.cast::<u8>()).ok_or_else(|| io::Error::from(io::ErrorKind::AddrNotAvailable))?;
    Ok(Mapping { ptr, len })
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly what mmap returned, and this is their only owner; no
        // reference derived from the mapping outlives it (the ring borrows from `&self`).
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}

/// Removes the name `path`; existing mappings stay valid.
///
/// # Errors
/// The OS error of `shm_unlink` (`NotFound` when there is no such name).
pub fn unlink(path: &CStr) -> io::Result<()> {
    // SAFETY: `path` is a NUL-terminated string that outlives the call.
    if unsafe { libc::shm_unlink(path.as_ptr()) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(tag: &str) -> CString {
        shm_path(&format!("kconnect-shm-test-{}-{tag}", std::process::id())).unwrap()
    }

    #[test]
    fn names_are_validated() {
        assert_eq!(shm_path("ctl-1").unwrap().as_bytes(), b"/ctl-1");
        assert_eq!(name_problem(""), Some("it must be 1 to 200 bytes long"));
        assert_eq!(name_problem(&"x".repeat(201)), Some("it must be 1 to 200 bytes long"));
        assert_eq!(name_problem("a/b"), Some("it must not contain '/' or NUL"));
        assert_eq!(name_problem("a\0b"), Some("it must not contain '/' or NUL"));
        assert_eq!(name_problem(".."), Some("it must not be '.' or '..'"));
        assert_eq!(name_problem(&"x".repeat(200)), None);
    }

    #[test]
    fn create_map_share_and_unlink() {
        let path = path("share");
        let a = Mapping::create(&path, 8192).unwrap();
        assert_eq!(a.len(), 8192);
        assert_eq!(a.as_ptr() as usize % 4096, 0);
        let b = Mapping::open(&path, 16).unwrap();
        // SAFETY: both mappings are 8192 bytes long and this test is their only user.
        unsafe {
            assert_eq!(*b.as_ptr().add(100), 0);
            *a.as_ptr().add(100) = 7;
            assert_eq!(*b.as_ptr().add(100), 7);
        }
        assert_eq!(Mapping::create(&path, 64).unwrap_err().kind(), io::ErrorKind::AlreadyExists);
        unlink(&path).unwrap();
        // The mapping outlives the name.
        // SAFETY: as above.
        unsafe { assert_eq!(*b.as_ptr().add(100), 7) };
        assert_eq!(unlink(&path).unwrap_err().kind(), io::ErrorKind::NotFound);
        assert!(
            matches!(Mapping::open(&path, 0), Err(OpenError::Io(e)) if e.kind() == io::ErrorKind::NotFound)
        );
    }

    #[test]
    fn open_refuses_short_objects() {
        let path = path("short");
        drop(Mapping::create(&path, 100).unwrap());
        assert!(matches!(Mapping::open(&path, 384), Err(OpenError::TooSmall(100))));
        unlink(&path).unwrap();
    }
}
