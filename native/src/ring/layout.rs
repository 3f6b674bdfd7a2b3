//! The shared header at the start of every ring file: `#[repr(C)]`, identical in every process.
//!
//! Three 128-byte blocks, each written mostly by one party, so the producer's stores and the
//! consumer's stores never invalidate each other's cache lines (128 rather than 64 bytes because
//! x86's adjacent-line prefetcher pulls lines in pairs):
//!
//! | offset | block      | written by                 | fields                                          |
//! |--------|------------|----------------------------|-------------------------------------------------|
//! | 0      | identity   | creator once, then `close` | magic, version, header size, capacity, closed    |
//! | 128    | producer   | producer (+ consumer waits) | tail, data sequence, producer waiters          |
//! | 256    | consumer   | consumer (+ producer waits) | head, space sequence, consumer waiters         |
//! | 384    | data       | producer                   | `capacity` bytes of length-prefixed frames       |
//!
//! Every field is an atomic, so a process that maps a half-initialised or foreign file reads
//! garbage at worst, never causes a data race: the creator writes `magic` last, with release
//! ordering, and `open` checks it first, with acquire ordering.

use std::mem::{align_of, offset_of, size_of};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Identifies a kconnect ring file: the bytes `KCONRING` read as a little-endian `u64`.
pub const MAGIC: u64 = u64::from_le_bytes(*b"KCONRING");
/// Layout version; bumped whenever this header or the frame format changes.
pub const VERSION: u32 = 1;
/// Smallest capacity: half of it must hold a length prefix plus a useful payload.
pub const MIN_CAPACITY: usize = 64;
/// Largest capacity: a frame's length prefix is a `u32` and a frame may use half the ring.
pub const MAX_CAPACITY: usize = 1 << 32;
/// Bytes before the data area; the data area starts on a 128-byte boundary.
pub const HEADER_SIZE: usize = size_of::<Header>();

/// Written once by the creator; only `closed` changes afterwards.
#[repr(C, align(128))]
#[derive(Debug)]
pub struct Identity {
    /// [`MAGIC`] once the header is complete; 0 while the creator is still initialising it.
    pub magic: AtomicU64,
    /// [`VERSION`] of the creator.
    pub version: AtomicU32,
    /// [`HEADER_SIZE`] of the creator, so a reader never trusts a different layout.
    pub header_size: AtomicU32,
    /// Size of the data area in bytes, a power of two.
    pub capacity: AtomicU64,
    /// Non-zero once either side called `close`.
    pub closed: AtomicU32,
}

/// The producer's block: its write index and the word the consumer sleeps on.
#[repr(C, align(128))]
#[derive(Debug)]
pub struct ProducerBlock {
    /// Byte position one past the last published frame; only ever grows (wrapping at 2^64).
    pub tail: AtomicU64,
    /// Futex word the consumer sleeps on; the producer bumps it when it publishes to a waiter.
    pub data_seq: AtomicU32,
    /// How many producer threads sleep waiting for space (normally 0 or 1).
    pub producer_waiters: AtomicU32,
}

/// The consumer's block: its read index and the word the producer sleeps on.
#[repr(C, align(128))]
#[derive(Debug)]
pub struct ConsumerBlock {
    /// Byte position of the next unread frame; only ever grows (wrapping at 2^64).
    pub head: AtomicU64,
    /// Futex word the producer sleeps on; the consumer bumps it when it frees space for a waiter.
    pub space_seq: AtomicU32,
    /// How many consumer threads sleep waiting for data (normally 0 or 1).
    pub consumer_waiters: AtomicU32,
}

/// The whole header, mapped at offset 0 of the ring file.
#[repr(C)]
#[derive(Debug)]
pub struct Header {
    /// Immutable identity plus the closed flag.
    pub identity: Identity,
    /// Producer-owned indices.
    pub producer: ProducerBlock,
    /// Consumer-owned indices.
    pub consumer: ConsumerBlock,
}

// The layout is shared between processes and versions: pin it at compile time.
const _: () = {
    assert!(offset_of!(Header, identity) == 0);
    assert!(offset_of!(Header, producer) == 128);
    assert!(offset_of!(Header, consumer) == 256);
    assert!(HEADER_SIZE == 384);
    assert!(align_of::<Header>() == 128);
    assert!(MAX_CAPACITY / 2 <= u32::MAX as usize + 1);
};

impl Header {
    /// Fills in a freshly created, zeroed header; `magic` is stored last so an opener that sees it
    /// also sees every other field.
    pub fn initialise(&self, capacity: usize) {
        let identity = &self.identity;
        identity.version.store(VERSION, Ordering::Relaxed);
        identity.header_size.store(HEADER_SIZE as u32, Ordering::Relaxed);
        identity.capacity.store(capacity as u64, Ordering::Relaxed);
        identity.magic.store(MAGIC, Ordering::Release);
    }

    /// Checks that a mapped file of `file_len` bytes is a ring this build can use, and returns its
    /// capacity.
    ///
    /// # Errors
    /// A sentence saying what is wrong, for [`RingError::Incompatible`](super::RingError).
    pub fn validate(&self, file_len: usize) -> Result<usize, String> {
        let identity = &self.identity;
        let magic = identity.magic.load(Ordering::Acquire);
        if magic == 0 {
            return Err("its header is not initialised (the creator has not finished, or crashed while \
                        creating it)"
                .to_owned());
        }
        if magic != MAGIC {
            return Err(format!(
                "bad magic number {magic:#018x} (expected {MAGIC:#018x}): a stale or foreign file"
            ));
        }
        let version = identity.version.load(Ordering::Relaxed);
        if version != VERSION {
            return Err(format!("layout version {version}, but this build reads version {VERSION}"));
        }
        let header_size = identity.header_size.load(Ordering::Relaxed);
        if header_size as usize != HEADER_SIZE {
            return Err(format!("header size {header_size}, but this build uses {HEADER_SIZE}"));
        }
        let capacity = identity.capacity.load(Ordering::Relaxed);
        let capacity = usize::try_from(capacity).unwrap_or(usize::MAX);
        if !valid_capacity(capacity) {
            return Err(format!(
                "capacity {capacity} is not a power of two in {MIN_CAPACITY}..={MAX_CAPACITY}"
            ));
        }
        if file_len != HEADER_SIZE + capacity {
            return Err(format!(
                "the file is {file_len} bytes, but a ring of capacity {capacity} is {} bytes",
                HEADER_SIZE + capacity
            ));
        }
        Ok(capacity)
    }
}

/// Whether `capacity` is a power of two in `MIN_CAPACITY..=MAX_CAPACITY`.
pub fn valid_capacity(capacity: usize) -> bool {
    capacity.is_power_of_two() && (MIN_CAPACITY..=MAX_CAPACITY).contains(&capacity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zeroed() -> Box<Header> {
        Box::new(Header {
            identity: Identity {
                magic: AtomicU64::new(0),
                version: AtomicU32::new(0),
                header_size: AtomicU32::new(0),
                capacity: AtomicU64::new(0),
                closed: AtomicU32::new(0),
            },
            producer: ProducerBlock {
                tail: AtomicU64::new(0),
                data_seq: AtomicU32::new(0),
                producer_waiters: AtomicU32::new(0),
            },
            consumer: ConsumerBlock {
                head: AtomicU64::new(0),
                space_seq: AtomicU32::new(0),
                consumer_waiters: AtomicU32::new(0),
            },
        })
    }

    #[test]
    fn magic_spells_kconring_in_file_order() {
        assert_eq!(&MAGIC.to_le_bytes(), b"KCONRING");
    }

    #[test]
    fn initialised_header_validates() {
        let header = zeroed();
        header.initialise(4096);
        assert_eq!(header.validate(HEADER_SIZE + 4096), Ok(4096));
    }

    #[test]
    fn validation_names_the_problem() {
        let header = zeroed();
        assert!(header.validate(HEADER_SIZE + 64).unwrap_err().contains("not initialised"));
        header.identity.magic.store(0x1234, Ordering::Relaxed);
        assert_eq!(
            header.validate(HEADER_SIZE + 64).unwrap_err(),
            "bad magic number 0x0000000000001234 (expected 0x474e49524e4f434b): a stale or foreign file"
        );
        header.initialise(64);
        header.identity.version.store(9, Ordering::Relaxed);
        assert_eq!(
            header.validate(HEADER_SIZE + 64).unwrap_err(),
            "layout version 9, but this build reads version 1"
        );
        header.initialise(64);
        header.identity.header_size.store(256, Ordering::Relaxed);
        assert_eq!(
            header.validate(HEADER_SIZE + 64).unwrap_err(),
            "header size 256, but this build uses 384"
        );
        header.initialise(100);
        assert_eq!(
            header.validate(HEADER_SIZE + 100).unwrap_err(),
            "capacity 100 is not a power of two in 64..=4294967296"
        );
        header.initialise(128);
        assert_eq!(
            header.validate(HEADER_SIZE + 64).unwrap_err(),
            "the file is 448 bytes, but a ring of capacity 128 is 512 bytes"
        );
    }

    #[test]
    fn capacity_bounds() {
        assert!(!valid_capacity(0));
        assert!(!valid_capacity(32));
        assert!(valid_capacity(64));
        assert!(!valid_capacity(96));
        assert!(valid_capacity(1 << 32));
        assert!(!valid_capacity(1 << 33));
    }
}
