//! The file system as the spec loader sees it, behind a small trait: the real
//! one ([`RealFs`]) with vanish's read policy, and an in-memory one
//! ([`MemFs`]) for tests and for the snapshot that `gather` hands to `build`.
//!
//! The read policy (both implementations):
//! - regular files only: a FIFO, a device (`/dev/zero`), a socket or a
//!   directory is an error naming what it is, read without blocking;
//! - nothing under `/proc`, `/sys` or `/dev`, judged after resolving symlinks
//!   (a compose file must not copy `/proc/self/environ` into a task);
//! - at most [`MAX_FILE_BYTES`] per file, and UTF-8 text: an invalid byte is
//!   an error naming its line.
//!
//! Errors are `std::io::Error`s (kind + a [`ReadError`] as the message), so
//! that callers keep matching `ErrorKind::NotFound` for optional files.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, ErrorKind, Read};
use std::path::{Path, PathBuf};

/// Largest file the spec reads (compose, ecs-params, `.env`, `env_file`).
pub const MAX_FILE_BYTES: u64 = 4 << 20;
/// Most bytes one load may take from a [`MemFs`] in all (an `env_file` list
/// naming one big file a thousand times is bounded too).
pub const MAX_SERVED_BYTES: u64 = 32 << 20;
/// Places no spec file may come from.
pub const REFUSED_PLACES: [&str; 3] = ["/proc", "/sys", "/dev"];

/// Why a file was not read (the kinds vanish adds to the operating system's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("it is {0}, not a regular file")]
    NotRegular(&'static str),
    #[error("it is larger than {} MiB", MAX_FILE_BYTES >> 20)]
    TooLarge,
    #[error("it resolves to {0}, under {1}: vanish reads no spec file from /proc, /sys or /dev")]
    Refused(String, &'static str),
    #[error("it is not UTF-8 text (line {0})")]
    InvalidUtf8(usize),
    #[error("the spec reads more than {} MiB of files in all", MAX_SERVED_BYTES >> 20)]
    TooMuch,
}

impl ReadError {
    fn kind(&self) -> ErrorKind {
        match self {
            ReadError::NotRegular(_) => ErrorKind::InvalidInput,
            ReadError::TooLarge | ReadError::TooMuch => ErrorKind::FileTooLarge,
            ReadError::Refused(..) => ErrorKind::PermissionDenied,
            ReadError::InvalidUtf8(_) => ErrorKind::InvalidData,
        }
    }
}

impl From<ReadError> for io::Error {
    fn from(e: ReadError) -> Self {
        io::Error::new(e.kind(), e)
    }
}

/// What the spec loader needs from a file system.
pub trait Fs {
    /// The text of a regular file, under the read policy.
    fn read_to_string(&self, path: &Path) -> io::Result<String>;
    /// Whether `path` names a regular file (for finding default file names).
    fn is_file(&self, path: &Path) -> bool;
}

/// The refused place `path` lies in, if any (`path` already resolved).
pub fn refused_place(path: &Path) -> Option<&'static str> {
    REFUSED_PLACES.iter().find(|p| path.starts_with(p)).copied()
}

/// Checks size and encoding of bytes read (pure).
pub fn decode(bytes: Vec<u8>) -> Result<String, ReadError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge);
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        ReadError::InvalidUtf8(good.iter().filter(|b| **b == b'\n').count() + 1)
    })
}

fn kind_name(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// `open(2)` without blocking on a FIFO (Linux's `O_NONBLOCK`); the file type
/// is checked before and after opening either way.
#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
const O_NONBLOCK: i32 = 0o4000;
#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
const O_NONBLOCK: i32 = 0;

/// The machine's file system, under the read policy.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealFs;

impl Fs for RealFs {
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        use std::os::unix::fs::OpenOptionsExt;
        let real = std::fs::canonicalize(path)?;
        if let Some(place) = refused_place(&real) {
            return Err(ReadError::Refused(real.display().to_string(), place).into());
        }
        let t = std::fs::metadata(&real)?.file_type();
        if !t.is_file() {
            return Err(ReadError::NotRegular(kind_name(&t)).into());
        }
        let file = File::options()
            .read(true)
            .custom_flags(O_NONBLOCK)
            .open(&real)?;
        let t = file.metadata()?.file_type();
        if !t.is_file() {
            return Err(ReadError::NotRegular(kind_name(&t)).into());
        }
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
        Ok(decode(bytes)?)
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
}

/// One entry of a [`MemFs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A regular file's bytes.
    File(Vec<u8>),
    /// Something else ("a FIFO", "a directory"...), refused when read.
    Special(&'static str),
    /// A read that failed, as recorded: kind and message.
    Failed(ErrorKind, String),
}

/// An in-memory file system: paths are taken as given (no symlinks), the read
/// policy applies as in [`RealFs`].
#[derive(Debug, Default, Clone)]
pub struct MemFs {
    entries: BTreeMap<PathBuf, Entry>,
    served: Cell<u64>,
}

impl MemFs {
    pub fn new() -> Self {
        MemFs::default()
    }

    /// Adds (or replaces) a regular file.
    pub fn file(mut self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> Self {
        self.entries.insert(path.into(), Entry::File(bytes.into()));
        self
    }

    /// Adds an entry of any kind.
    pub fn insert(&mut self, path: impl Into<PathBuf>, entry: Entry) {
        self.entries.insert(path.into(), entry);
    }

    /// Records the outcome of reading `path` elsewhere (the gather snapshot).
    pub fn record(&mut self, path: &Path, read: &io::Result<String>) {
        let entry = match read {
            Ok(text) => Entry::File(text.clone().into_bytes()),
            Err(e) => Entry::Failed(e.kind(), e.to_string()),
        };
        self.entries.insert(path.to_path_buf(), entry);
    }

    /// Starts a new count of the bytes served (one per load).
    pub fn reset_budget(&self) {
        self.served.set(0);
    }

    pub fn contains(&self, path: &Path) -> bool {
        self.entries.contains_key(path)
    }
}

impl Fs for MemFs {
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        if let Some(place) = refused_place(path) {
            return Err(ReadError::Refused(path.display().to_string(), place).into());
        }
        match self.entries.get(path) {
            None => Err(io::Error::new(
                ErrorKind::NotFound,
                "No such file or directory (os error 2)",
            )),
            Some(Entry::Special(what)) => Err(ReadError::NotRegular(what).into()),
            Some(Entry::Failed(kind, msg)) => Err(io::Error::new(*kind, msg.clone())),
            Some(Entry::File(bytes)) => {
                let served = self.served.get().saturating_add(bytes.len() as u64);
                if served > MAX_SERVED_BYTES {
                    return Err(ReadError::TooMuch.into());
                }
                self.served.set(served);
                Ok(decode(bytes.clone())?)
            }
        }
    }

    fn is_file(&self, path: &Path) -> bool {
        matches!(self.entries.get(path), Some(Entry::File(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_checks_size_and_names_the_bad_line() {
        assert_eq!(decode(b"a=1\n".to_vec()), Ok("a=1\n".into()));
        assert_eq!(
            decode(b"A=1\nB=2\nC=\xff\n".to_vec()),
            Err(ReadError::InvalidUtf8(3))
        );
        assert_eq!(decode(b"\xc3".to_vec()), Err(ReadError::InvalidUtf8(1)));
        let big = vec![b'x'; MAX_FILE_BYTES as usize + 1];
        assert_eq!(decode(big), Err(ReadError::TooLarge));
    }

    #[test]
    fn refused_places_are_whole_components() {
        for (p, want) in [
            ("/proc/self/environ", Some("/proc")),
            ("/proc", Some("/proc")),
            ("/sys/kernel/x", Some("/sys")),
            ("/dev/zero", Some("/dev")),
            ("/device/x", None),
            ("/work/proc/x", None),
            ("relative/dev", None),
        ] {
            assert_eq!(refused_place(Path::new(p)), want, "{p}");
        }
    }

    #[test]
    fn memfs_applies_the_policy() {
        let mut fs = MemFs::new().file("/w/a.yml", "x: 1\n");
        fs.insert("/w/fifo", Entry::Special("a FIFO"));
        assert_eq!(
            fs.read_to_string(Path::new("/w/a.yml")).ok(),
            Some("x: 1\n".into())
        );
        let err = |p: &str| {
            fs.read_to_string(Path::new(p))
                .map_err(|e| (e.kind(), e.to_string()))
        };
        assert_eq!(
            err("/w/fifo"),
            Err((
                ErrorKind::InvalidInput,
                "it is a FIFO, not a regular file".into()
            ))
        );
        assert_eq!(err("/w/none").map_err(|e| e.0), Err(ErrorKind::NotFound));
        assert_eq!(
            err("/proc/self/environ").map_err(|e| e.0),
            Err(ErrorKind::PermissionDenied)
        );
        assert!(fs.is_file(Path::new("/w/a.yml")) && !fs.is_file(Path::new("/w/fifo")));
    }

    #[test]
    fn memfs_bounds_what_it_serves_in_all() {
        let fs = MemFs::new().file("/big", vec![b'x'; MAX_FILE_BYTES as usize]);
        let reads = (0..20)
            .take_while(|_| fs.read_to_string(Path::new("/big")).is_ok())
            .count() as u64;
        assert_eq!(reads, MAX_SERVED_BYTES / MAX_FILE_BYTES);
    }

    #[test]
    fn real_fs_refuses_what_is_not_a_regular_file() {
        let err = |p: &str| {
            RealFs
                .read_to_string(Path::new(p))
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            err("/dev/zero").err(),
            Some("it resolves to /dev/zero, under /dev: vanish reads no spec file from /proc, /sys or /dev".into())
        );
        assert!(err("/proc/self/environ").is_err());
        let dir = std::env::temp_dir();
        let got = err(dir.to_str().unwrap_or("/tmp"));
        assert_eq!(
            got.err(),
            Some("it is a directory, not a regular file".into())
        );
    }
}
