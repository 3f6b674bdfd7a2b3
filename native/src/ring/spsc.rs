//! The single-producer/single-consumer byte ring: frame format, index arithmetic, and the
//! acquire/release protocol over a mapped [`Header`] plus data area.
//!
//! Indices are byte positions that only grow (`u64`, wrapping arithmetic), so `tail - head` is
//! the number of bytes in use and `index & (capacity - 1)` the offset in the data area. A frame is
//! a record of a 4-byte native-endian length, the payload, and padding to 8 bytes, so every length
//! prefix is aligned. A record never straddles the end of the data area: when it does not fit
//! before the end, the producer writes the marker `u32::MAX` there and places the record at offset
//! 0, and the consumer skips from the marker to the start. A reader can therefore hand out every
//! payload as one contiguous slice.
//!
//! Publication: the producer writes records past `tail`, then stores the new `tail` with release
//! ordering; the consumer loads `tail` with acquire ordering before reading them. Symmetrically,
//! the consumer stores `head` with release ordering once it no longer reads the records, and the
//! producer loads `head` with acquire ordering before overwriting them. Each side also keeps a
//! private copy of the other side's index (it can only be behind the real one, which is safe) so
//! it touches the other side's cache line only when the copy says the ring is full or empty.

use std::ptr;
use std::sync::atomic::Ordering;

use super::layout::{Header, HEADER_SIZE};
use super::shm::Mapping;
use super::wait::Event;

/// Bytes of the length prefix in front of every payload.
pub const LEN_PREFIX: usize = 4;
/// Records start at multiples of this, so length prefixes are aligned loads and stores.
const RECORD_ALIGN: usize = 8;
/// The length-prefix value that means "skip to the start of the data area".
const WRAP_MARKER: u32 = u32::MAX;

/// Bytes a payload of `len` bytes takes in the ring: prefix, payload, padding to 8.
pub const fn record_len(len: usize) -> usize {
    (LEN_PREFIX + len + RECORD_ALIGN - 1) & !(RECORD_ALIGN - 1)
}

/// Largest payload a ring of `capacity` bytes accepts: its record must fit in half the ring.
///
/// Half, so that an empty ring always has room for any legal frame wherever its indices stand:
/// either before the end, or after a wrap marker at offset 0.
pub const fn max_frame_len(capacity: usize) -> usize {
    capacity / 2 - LEN_PREFIX
}

/// Where the producer places a record of `record` bytes when its tail is at `tail`.
///
/// Returns `(skip, start)`: the bytes of wrap padding before the record, and the record's offset
/// in the data area.
pub const fn placement(tail: u64, record: usize, capacity: usize) -> (usize, usize) {
    let offset = tail as usize & (capacity - 1);
    let to_end = capacity - offset;
    if record <= to_end {
        (0, offset)
    } else {
        (to_end, 0)
    }
}

/// The header at the start of `map`, which must be at least [`HEADER_SIZE`] bytes long.
// mmap returns page-aligned memory, more than Header's 128-byte alignment.
#[allow(clippy::cast_ptr_alignment)]
pub fn header_of(map: &Mapping) -> &Header {
    assert!(map.len() >= HEADER_SIZE);
    // SAFETY: the mapping is page-aligned (so 128-aligned) and at least HEADER_SIZE long, and
    // every field of `Header` is an atomic, valid for any bit pattern (including a fresh file's
    // zeroes) and safe to access concurrently from other processes. The reference borrows `map`,
    // which keeps the memory mapped.
    unsafe { &*map.as_ptr().cast::<Header>() }
}

/// The mapped ring: header, data area and the arithmetic both sides share.
///
/// The producer methods (`claim`, `publish`) must only be called by the one producer and the
/// consumer methods (`pop_with`) by the one consumer; `RingBuffer` enforces that within a process
/// with `&mut self`, and the contract between processes is documented there.
#[derive(Debug)]
pub struct Ring {
    map: Mapping,
    capacity: usize,
}

/// What `pop_with` found wrong in the data area. Only a peer that broke the protocol (or something
/// that scribbled on the file) can cause it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corruption(pub String);

impl Ring {
    /// Wraps a mapping whose header has been initialised or validated for `capacity`.
    pub fn new(map: Mapping, capacity: usize) -> Self {
        debug_assert_eq!(map.len(), HEADER_SIZE + capacity);
        debug_assert!(capacity.is_power_of_two());
        Self { map, capacity }
    }

    /// The shared header.
    pub fn header(&self) -> &Header {
        header_of(&self.map)
    }

    /// Size of the data area.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn data(&self) -> *mut u8 {
        // SAFETY: HEADER_SIZE is within the mapping (its length is HEADER_SIZE + capacity).
        unsafe { self.map.as_ptr().add(HEADER_SIZE) }
    }

    /// The event the consumer waits on for data.
    pub fn readable_event(&self) -> Event<'_> {
        let header = self.header();
        Event { seq: &header.producer.data_seq, waiters: &header.consumer.consumer_waiters }
    }

    /// The event the producer waits on for space.
    pub fn writable_event(&self) -> Event<'_> {
        let header = self.header();
        Event { seq: &header.consumer.space_seq, waiters: &header.producer.producer_waiters }
    }

    /// Whether at least one record is published and unread.
    pub fn has_data(&self) -> bool {
        let header = self.header();
        let tail = header.producer.tail.load(Ordering::Acquire);
        tail != header.consumer.head.load(Ordering::Acquire)
    }

    /// Whether a payload of `len` bytes fits now.
    pub fn fits(&self, len: usize) -> bool {
        let header = self.header();
        let tail = header.producer.tail.load(Ordering::Acquire);
        let head = header.consumer.head.load(Ordering::Acquire);
        self.room(tail, head, len).is_some()
    }

    /// Whether `close` was called by either side.
    pub fn is_closed(&self) -> bool {
        self.header().identity.closed.load(Ordering::Acquire) != 0
    }

    /// Marks the ring closed and wakes every waiter on both sides.
    pub fn close(&self) {
        self.header().identity.closed.store(1, Ordering::Release);
        self.readable_event().notify_always();
        self.writable_event().notify_always();
    }

    /// `(skip, start, new_tail)` for a payload of `len` bytes at `tail`, or `None` when the bytes
    /// between `head` and `tail` leave no room for it.
    fn room(&self, tail: u64, head: u64, len: usize) -> Option<(usize, usize, u64)> {
        let record = record_len(len);
        let (skip, start) = placement(tail, record, self.capacity);
        let needed = (skip + record) as u64;
        let used = tail.wrapping_sub(head);
        // `used > capacity` only after a contract violation; treating it as full keeps us from
        // overwriting unread records.
        (used <= self.capacity as u64 && needed <= self.capacity as u64 - used).then_some((
            skip,
            start,
            tail.wrapping_add(needed),
        ))
    }

    /// Producer: reserves room for a payload of `len` (at most `max_frame_len`) bytes at `*tail`,
    /// writes its length prefix (and a wrap marker if needed), advances `*tail` past it, and returns
    /// the payload's offset in the data area. `head` is the producer's copy of the consumer's
    /// index, refreshed here only when it says the ring is full. Nothing is visible to the
    /// consumer until [`Self::publish`].
    pub fn claim(&self, tail: &mut u64, head: &mut u64, len: usize) -> Option<usize> {
        debug_assert!(len <= max_frame_len(self.capacity));
        let mut room = self.room(*tail, *head, len);
        if room.is_none() {
            *head = self.header().consumer.head.load(Ordering::Acquire);
            room = self.room(*tail, *head, len);
        }
        let (skip, start, new_tail) = room?;
        let data = self.data();
        if skip > 0 {
            let at = *tail as usize & (self.capacity - 1);
            // SAFETY: `at` is 8-aligned and at least 8 bytes before the end of the data area (the
            // skip is a whole number of 8-byte units), and the bytes from `tail` on are not
            // readable by the consumer until published, so nobody else accesses them.
            unsafe { ptr::write(data.add(at).cast::<[u8; 4]>(), WRAP_MARKER.to_ne_bytes()) };
        }
        // SAFETY: `start + record_len(len) <= capacity` by `placement`, `start` is 8-aligned, and
        // the room was checked free against the consumer's released head (acquire load), so the
        // consumer no longer reads these bytes and will not until they are published.
        unsafe { ptr::write(data.add(start).cast::<[u8; 4]>(), (len as u32).to_ne_bytes()) };
        *tail = new_tail;
        Some(start + LEN_PREFIX)
    }

    /// Producer: copies `payload` to the claimed offset `at` (from [`Self::claim`]).
    pub fn write_payload(&self, at: usize, payload: &[u8]) {
        // One compare per frame keeps a wrong offset from ever writing outside the mapping.
        assert!(at + payload.len() <= self.capacity, "payload outside the data area");
        // SAFETY: the range is inside the data area (checked above); `claim` handed it to the
        // producer, and the consumer does not read it until published. `ptr::copy` (memmove)
        // stays correct even if `payload` were a slice of this very ring.
        unsafe { ptr::copy(payload.as_ptr(), self.data().add(at), payload.len()) };
    }

    /// Producer: lets `fill` write the `len` claimed payload bytes at `at` in place.
    pub fn write_with(&self, at: usize, len: usize, fill: impl FnOnce(&mut [u8])) {
        assert!(at + len <= self.capacity, "payload outside the data area");
        // SAFETY: as for `write_payload`; the slice lives only for this call, nothing else in this
        // process holds a slice of the unpublished bytes, and the consumer does not read them
        // until they are published. Shared memory is always initialised (zero-filled at creation).
        fill(unsafe { std::slice::from_raw_parts_mut(self.data().add(at), len) });
    }

    /// Producer: makes every record claimed up to `tail` visible and wakes a waiting consumer.
    pub fn publish(&self, tail: u64) {
        self.header().producer.tail.store(tail, Ordering::Release);
        self.readable_event().notify();
    }

    /// The producer's current tail (only the producer writes it).
    pub fn tail(&self) -> u64 {
        self.header().producer.tail.load(Ordering::Relaxed)
    }

    /// Consumer: hands up to `max` payloads to `visit`, oldest first, each as one contiguous slice
    /// into the ring, then releases their space in one store (and wakes a waiting producer).
    /// `tail` is the consumer's copy of the producer's index, refreshed only when it says empty.
    ///
    /// # Errors
    /// [`Corruption`] when a length prefix or the indices are impossible; records visited before
    /// it are released.
    pub fn pop_with(
        &self,
        tail: &mut u64,
        max: usize,
        mut visit: impl FnMut(&[u8]),
    ) -> Result<usize, Corruption> {
        let header = self.header();
        let mut head = header.consumer.head.load(Ordering::Relaxed);
        let start_head = head;
        let mut count = 0;
        let result = loop {
            if count == max {
                break Ok(count);
            }
            let mut available = tail.wrapping_sub(head);
            // Our copy is exhausted, or behind `head` (another handle consumed since we last
            // looked): read the real tail.
            if available == 0 || available > self.capacity as u64 {
                *tail = header.producer.tail.load(Ordering::Acquire);
                available = tail.wrapping_sub(head);
                if available == 0 {
                    break Ok(count);
                }
                if available > self.capacity as u64 {
                    break Err(Corruption(format!(
                        "head {head} and tail {tail} are more than the capacity apart"
                    )));
                }
            }
            let offset = head as usize & (self.capacity - 1);
            let to_end = self.capacity - offset;
            if offset % RECORD_ALIGN != 0 || available < LEN_PREFIX as u64 {
                break Err(Corruption(format!("a record at unaligned or partial position {head}")));
            }
            // SAFETY: `offset` is 8-aligned and `offset + 4 <= capacity` (capacity and offset are
            // multiples of 8); the producer published these bytes with a release store of `tail`
            // that our acquire load observed, and does not touch them until we move `head` past.
            let prefix = u32::from_ne_bytes(unsafe { ptr::read(self.data().add(offset).cast::<[u8; 4]>()) });
            if prefix == WRAP_MARKER {
                if available < to_end as u64 {
                    break Err(Corruption("a wrap marker beyond the published bytes".to_owned()));
                }
                head = head.wrapping_add(to_end as u64);
                continue;
            }
            let len = prefix as usize;
            let record = record_len(len);
            if len > max_frame_len(self.capacity) || record > to_end || record as u64 > available {
                break Err(Corruption(format!(
                    "a frame length of {len} bytes at offset {offset} with {available} bytes published"
                )));
            }
            // SAFETY: as for the prefix; `offset + 4 + len <= capacity` was just checked. The slice
            // lives only for this call of `visit`, before `head` is released.
            let payload = unsafe { std::slice::from_raw_parts(self.data().add(offset + LEN_PREFIX), len) };
            visit(payload);
            head = head.wrapping_add(record as u64);
            count += 1;
        };
        if head != start_head {
            header.consumer.head.store(head, Ordering::Release);
            self.writable_event().notify();
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_prefix_plus_payload_rounded_to_eight() {
        assert_eq!(record_len(0), 8);
        assert_eq!(record_len(4), 8);
        assert_eq!(record_len(5), 16);
        assert_eq!(record_len(12), 16);
        assert_eq!(record_len(13), 24);
    }

    #[test]
    fn the_largest_frame_is_half_the_ring_less_the_prefix() {
        assert_eq!(max_frame_len(64), 28);
        assert_eq!(record_len(max_frame_len(64)), 32);
        assert_eq!(max_frame_len(1 << 20), (1 << 19) - 4);
    }

    #[test]
    fn placement_wraps_only_when_the_record_passes_the_end() {
        // 64-byte ring, tail at offset 48: 16 bytes to the end.
        assert_eq!(placement(48, 16, 64), (0, 48));
        assert_eq!(placement(48, 24, 64), (16, 0));
        // Indices keep growing past the capacity; only the offset matters.
        assert_eq!(placement(64 * 5 + 48, 24, 64), (16, 0));
        assert_eq!(placement(64 * 5, 32, 64), (0, 0));
    }

    #[test]
    fn a_maximal_record_fits_an_empty_ring_at_every_offset() {
        for capacity in [64_usize, 128, 4096] {
            let record = record_len(max_frame_len(capacity));
            for offset in (0..capacity).step_by(RECORD_ALIGN) {
                let (skip, _) = placement(offset as u64, record, capacity);
                assert!(skip + record <= capacity, "capacity {capacity}, offset {offset}");
            }
        }
    }
}
