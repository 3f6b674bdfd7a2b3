//! `RingError`: everything that can go wrong creating, opening or using a ring.

use std::fmt;
use std::io;

use super::layout::{MAX_CAPACITY, MIN_CAPACITY};
use super::spsc::LEN_PREFIX;

/// A ring could not be created, opened or used.
#[derive(Debug)]
pub enum RingError {
    /// The name cannot be used as a shared-memory name.
    InvalidName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The capacity is not a power of two within the supported range.
    InvalidCapacity {
        /// The capacity as given.
        capacity: usize,
    },
    /// A frame is larger than half the ring (less its length prefix); it could never be pushed.
    FrameTooLarge {
        /// The ring's name.
        name: String,
        /// The frame's length.
        len: usize,
        /// The largest frame this ring takes.
        max: usize,
    },
    /// Either side closed the ring; nothing more can be pushed.
    Closed {
        /// The ring's name.
        name: String,
    },
    /// The shared-memory object exists but is not a ring this build can use (stale, foreign,
    /// half-created, or from another layout version).
    Incompatible {
        /// The ring's name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The data area holds something the protocol cannot produce: a peer broke the
    /// single-producer/single-consumer contract, or something wrote into the file.
    Corrupt {
        /// The ring's name.
        name: String,
        /// What was found.
        reason: String,
    },
    /// A system call failed.
    Os {
        /// What was being done: "create", "open" or "unlink".
        op: &'static str,
        /// The ring's name.
        name: String,
        /// The OS error (`AlreadyExists`, `NotFound`, `PermissionDenied`, ...).
        source: io::Error,
    },
}

impl RingError {
    pub(crate) fn os(op: &'static str, name: &str, source: io::Error) -> Self {
        Self::Os { op, name: name.to_owned(), source }
    }
}

impl fmt::Display for RingError {
    #[cold]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidName { name, reason } => write!(f, "invalid ring name {name:?}: {reason}"),
            Self::InvalidCapacity { capacity } => write!(
                f,
                "ring capacity must be a power of two from {MIN_CAPACITY} to {MAX_CAPACITY} bytes, got {capacity}"
            ),
            Self::FrameTooLarge { name, len, max } => write!(
                f,
                "frame of {len} bytes is too large for ring {name:?}: the limit is {max} bytes (half the \
                 capacity, less the {LEN_PREFIX}-byte length prefix)"
            ),
            Self::Closed { name } => write!(f, "ring {name:?} is closed"),
            Self::Incompatible { name, reason } => {
                write!(f, "shared memory {name:?} is not a usable kconnect ring: {reason}; unlink it")
            }
            Self::Corrupt { name, reason } => write!(f, "ring {name:?} is corrupt: {reason}"),
            Self::Os { op, name, source } => write!(f, "cannot {op} ring {name:?}: {source}"),
        }
    }
}

impl std::error::Error for RingError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Os { source, .. } => Some(source),
            _ => None,
        }
    }
}
