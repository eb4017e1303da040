//! Memory-mapped files: the only `unsafe` of the board backend.
//!
//! A [`Mapping`] maps `len` bytes of a file (`/dev/uioN` for registers, `/dev/udmabufN` for the
//! DMA buffer, or a regular file in tests) shared and read-write. Every access is checked against
//! the mapping's length before it happens; registers are read and written as single aligned
//! 32-bit volatile accesses, in program order (the compiler may neither merge, split, elide nor
//! reorder them), and bulk copies are followed by a full fence so that the device sees a buffer
//! complete before the register write that starts it.

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::atomic::{Ordering, fence};

/// Why a mapping could not be made or an access was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MmioError {
    /// The file does not exist.
    #[error(
        "{path} does not exist: is the device tree overlay loaded (hw/boards/bring-up.md, step 4)?"
    )]
    NotFound {
        /// The file.
        path: PathBuf,
    },
    /// The file exists but may not be opened read-write.
    #[error(
        "{path}: permission denied: run as root or install the udev rule (hw/boards/bring-up.md, step 5)"
    )]
    PermissionDenied {
        /// The file.
        path: PathBuf,
    },
    /// Opening or mapping failed otherwise.
    #[error("{path}: {what} failed: {message}")]
    Os {
        /// The file.
        path: PathBuf,
        /// `open` or `mmap`.
        what: &'static str,
        /// The OS's words.
        message: String,
    },
    /// A regular file is shorter than the mapping asked for (touching the rest would be SIGBUS).
    #[error("{path} has {file_bytes} bytes, fewer than the {len} to map")]
    TooShort {
        /// The file.
        path: PathBuf,
        /// Its size.
        file_bytes: u64,
        /// Bytes asked for.
        len: usize,
    },
    /// An access reaches beyond the mapping.
    #[error(
        "{path}: access of {bytes} bytes at offset {offset:#x} is outside the {len}-byte mapping"
    )]
    OutOfBounds {
        /// The file.
        path: PathBuf,
        /// Offset of the access.
        offset: usize,
        /// Its width.
        bytes: usize,
        /// The mapping's length.
        len: usize,
    },
    /// A register access is not 32-bit aligned.
    #[error("{path}: register access at offset {offset:#x} is not 4-byte aligned")]
    Misaligned {
        /// The file.
        path: PathBuf,
        /// Offset of the access.
        offset: usize,
    },
}

impl MmioError {
    /// The error for failing to open `path` with `e`.
    pub fn open(path: &Path, e: &std::io::Error) -> Self {
        let path = path.to_path_buf();
        match e.kind() {
            std::io::ErrorKind::NotFound => MmioError::NotFound { path },
            std::io::ErrorKind::PermissionDenied => MmioError::PermissionDenied { path },
            _ => MmioError::Os {
                path,
                what: "open",
                message: e.to_string(),
            },
        }
    }
}

/// A shared read-write mapping of part of a file. See the module docs.
#[derive(Debug)]
pub struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
    path: PathBuf,
}

impl Mapping {
    /// Maps `len` bytes of `path` from byte `offset` (a multiple of the page size; UIO selects
    /// map N with offset N x page size). `O_SYNC` asks drivers for an uncached mapping, which
    /// u-dma-buf honours and registers need.
    pub fn open(path: &Path, offset: u64, len: usize) -> Result<Self, MmioError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_SYNC)
            .open(path)
            .map_err(|e| MmioError::open(path, &e))?;
        let meta = file.metadata().map_err(|e| MmioError::open(path, &e))?;
        if meta.is_file() && meta.len() < offset.saturating_add(len as u64) {
            return Err(MmioError::TooShort {
                path: path.to_path_buf(),
                file_bytes: meta.len(),
                len,
            });
        }
        if len == 0 {
            return Err(MmioError::Os {
                path: path.to_path_buf(),
                what: "mmap",
                message: "a mapping of 0 bytes".into(),
            });
        }
        let os_offset = libc::off_t::try_from(offset).map_err(|_| MmioError::Os {
            path: path.to_path_buf(),
            what: "mmap",
            message: format!("offset {offset:#x} is too large"),
        })?;
        // SAFETY: a fresh shared mapping of an open file descriptor; the kernel checks the
        // arguments and returns MAP_FAILED on any problem. The mapping outlives the descriptor
        // (closing a file does not unmap it).
        let raw = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                os_offset,
            )
        };
        if raw == libc::MAP_FAILED {
            return Err(MmioError::Os {
                path: path.to_path_buf(),
                what: "mmap",
                message: std::io::Error::last_os_error().to_string(),
            });
        }
        let ptr = NonNull::new(raw.cast::<u8>()).ok_or_else(|| MmioError::Os {
            path: path.to_path_buf(),
            what: "mmap",
            message: "the kernel returned a null mapping".into(),
        })?;
        Ok(Mapping {
            ptr,
            len,
            path: path.to_path_buf(),
        })
    }

    /// Bytes mapped.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for an empty mapping (never: [`Mapping::open`] refuses 0 bytes).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The mapped file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn check(&self, offset: usize, bytes: usize) -> Result<(), MmioError> {
        if offset.checked_add(bytes).is_none_or(|end| end > self.len) {
            return Err(MmioError::OutOfBounds {
                path: self.path.clone(),
                offset,
                bytes,
                len: self.len,
            });
        }
        Ok(())
    }

    fn check_register(&self, offset: usize) -> Result<(), MmioError> {
        if !offset.is_multiple_of(4) {
            return Err(MmioError::Misaligned {
                path: self.path.clone(),
                offset,
            });
        }
        self.check(offset, 4)
    }

    /// One volatile, aligned 32-bit read (little-endian, as AXI4-Lite on Zynq).
    pub fn read_u32(&self, offset: usize) -> Result<u32, MmioError> {
        self.check_register(offset)?;
        // SAFETY: offset + 4 <= len (checked) and offset is 4-aligned in a page-aligned mapping,
        // so the pointer is valid and aligned for u32.
        let v = unsafe { self.ptr.as_ptr().add(offset).cast::<u32>().read_volatile() };
        Ok(u32::from_le(v))
    }

    /// One volatile, aligned 32-bit write.
    pub fn write_u32(&mut self, offset: usize, value: u32) -> Result<(), MmioError> {
        self.check_register(offset)?;
        // SAFETY: as in read_u32; &mut self makes this the only access through this mapping.
        unsafe {
            self.ptr
                .as_ptr()
                .add(offset)
                .cast::<u32>()
                .write_volatile(value.to_le())
        };
        Ok(())
    }

    /// Copies `data` to `offset`, then fences (the device reads it after a later register write).
    ///
    /// Every store is an aligned volatile access (bytes up to an 8-byte boundary, then 8-byte
    /// words, then bytes): an uncached mapping of device memory (u-dma-buf with `O_SYNC`, Arm's
    /// Device or Strongly-ordered types) faults on the unaligned accesses a `memcpy` may make.
    pub fn write_bytes(&mut self, offset: usize, data: &[u8]) -> Result<(), MmioError> {
        self.check(offset, data.len())?;
        let base = self.ptr.as_ptr();
        let head = (offset.next_multiple_of(8) - offset).min(data.len());
        let (bytes, rest) = data.split_at(head);
        let (words, tail) = rest.split_at(rest.len() / 8 * 8);
        // SAFETY: every address written lies in [offset, offset + data.len()), inside the mapping
        // (checked above); the 8-byte stores start at offset + head, a multiple of 8 in a
        // page-aligned mapping, so they are aligned.
        unsafe {
            for (i, &b) in bytes.iter().enumerate() {
                base.add(offset + i).write_volatile(b);
            }
            for (i, w) in words.chunks_exact(8).enumerate() {
                let word = u64::from_ne_bytes(w.try_into().expect("8 bytes"));
                base.add(offset + head + 8 * i)
                    .cast::<u64>()
                    .write_volatile(word);
            }
            let at = offset + head + words.len();
            for (i, &b) in tail.iter().enumerate() {
                base.add(at + i).write_volatile(b);
            }
        }
        fence(Ordering::SeqCst);
        Ok(())
    }

    /// Fences (the device's writes before its completion are visible), then copies to `out`
    /// with aligned volatile loads, as [`Mapping::write_bytes`] stores.
    pub fn read_bytes(&self, offset: usize, out: &mut [u8]) -> Result<(), MmioError> {
        self.check(offset, out.len())?;
        fence(Ordering::SeqCst);
        let base = self.ptr.as_ptr();
        let head = (offset.next_multiple_of(8) - offset).min(out.len());
        let (bytes, rest) = out.split_at_mut(head);
        let words_len = rest.len() / 8 * 8;
        let (words, tail) = rest.split_at_mut(words_len);
        // SAFETY: as in write_bytes: every address read is inside the mapping and the 8-byte
        // loads are aligned.
        unsafe {
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = base.add(offset + i).read_volatile();
            }
            for (i, w) in words.chunks_exact_mut(8).enumerate() {
                let word = base
                    .add(offset + head + 8 * i)
                    .cast::<u64>()
                    .read_volatile();
                w.copy_from_slice(&word.to_ne_bytes());
            }
            let at = offset + head + words_len;
            for (i, b) in tail.iter_mut().enumerate() {
                *b = base.add(at + i).read_volatile();
            }
        }
        Ok(())
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: ptr and len are exactly what mmap returned and took; unmapped once.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// Waits until `file` is readable (a UIO interrupt arrived) or `timeout` passes; true if readable.
pub fn wait_readable(file: &std::fs::File, timeout: std::time::Duration) -> std::io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd: file.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = i32::try_from(timeout.as_millis().max(1)).unwrap_or(i32::MAX);
    // SAFETY: one valid pollfd, alive for the duration of the call.
    let n = unsafe { libc::poll(&mut pfd, 1, ms) };
    if n < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(n > 0)
}
