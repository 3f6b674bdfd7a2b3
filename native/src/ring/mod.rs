//! Shared-memory single-producer/single-consumer ring buffers between the supervisor and its task
//! processes.
//!
//! Each task gets a pair: control in (start, stop, pause, config, commit) and events out (status,
//! acked source offsets, metrics, errors). A ring is a named POSIX shared-memory object
//! (`/dev/shm/<name>` on Linux) holding a [`layout`] header and a power-of-two byte area of
//! length-prefixed frames ([`spsc`]). Pushing and popping are lock-free and make no system call
//! unless the other side sleeps; waiting sleeps in the kernel on a futex ([`wait`]) and always
//! returns by its timeout.
//!
//! There is no Connect counterpart: Connect runs tasks as threads of one JVM. The design follows
//! the issue "worker as supervisor plus task processes" (issue 4).
//!
//! ```no_run
//! use std::time::Duration;
//! use _native::ring::RingBuffer;
//!
//! // Supervisor: create, then start the task process, which opens the ring by name.
//! let mut events = RingBuffer::create("kconnect-task-7-events", 1 << 20)?;
//! let mut frame = Vec::new();
//! if events.wait_readable(Some(Duration::from_millis(100))) {
//!     while let Some(len) = events.try_pop_into(&mut frame)? {
//!         assert_eq!(len, frame.len());
//!     }
//! }
//! RingBuffer::unlink("kconnect-task-7-events")?;
//! # Ok::<(), _native::ring::RingError>(())
//! ```

mod error;
mod layout;
mod shm;
mod spsc;
mod wait;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

pub use error::RingError;
pub use layout::{MAX_CAPACITY, MIN_CAPACITY};
pub use spsc::LEN_PREFIX;

use layout::HEADER_SIZE;
use shm::{Mapping, OpenError};
use spsc::Ring;

fn path_of(name: &str) -> Result<std::ffi::CString, RingError> {
    shm::shm_path(name).map_err(|reason| RingError::InvalidName { name: name.to_owned(), reason })
}

/// One end's handle on a shared-memory ring of variable-length byte frames.
///
/// # Contract
/// A ring has exactly one producer and one consumer at a time, normally in two processes: the
/// supervisor creates it and pushes (control ring) or pops (events ring), the task process opens
/// it by name and does the opposite. The methods that push or pop take `&mut self`, so within a
/// process a handle cannot be used from two threads at once; nothing stops two *processes* from
/// both pushing, and doing so corrupts the ring (a consumer then reports
/// [`RingError::Corrupt`] rather than reading out of bounds). Waiting and closing take `&self`,
/// and [`RingSignal`] offers them to other threads.
///
/// Frames are at most [`max_frame_len`](Self::max_frame_len) bytes: half the capacity less the
/// 4-byte length prefix, so that any legal frame fits once the ring has drained.
///
/// Dropping the handle unmaps the ring; the name stays until [`RingBuffer::unlink`].
#[derive(Debug)]
pub struct RingBuffer {
    ring: Arc<Ring>,
    name: String,
    /// The producer's copy of the consumer's `head`: never ahead of the real one.
    head_copy: u64,
    /// The consumer's copy of the producer's `tail`: never ahead of the real one.
    tail_copy: u64,
}

impl RingBuffer {
    /// Creates the ring `name` with a data area of `capacity` bytes, empty and open.
    ///
    /// # Errors
    /// [`RingError::InvalidName`] when `name` is empty, longer than 200 bytes, or contains `/` or
    /// NUL; [`RingError::InvalidCapacity`] unless `capacity` is a power of two from
    /// [`MIN_CAPACITY`] to [`MAX_CAPACITY`]; [`RingError::Os`] when the object already exists
    /// (`AlreadyExists`: unlink a stale one first) or the system refuses the memory.
    pub fn create(name: &str, capacity: usize) -> Result<Self, RingError> {
        let path = path_of(name)?;
        if !layout::valid_capacity(capacity) {
            return Err(RingError::InvalidCapacity { capacity });
        }
        let map =
            Mapping::create(&path, HEADER_SIZE + capacity).map_err(|e| RingError::os("create", name, e))?;
        spsc::header_of(&map).initialise(capacity);
        Ok(Self::wrap(Ring::new(map, capacity), name))
    }

    /// Opens the existing ring `name`, checking that it is a complete ring of this layout.
    ///
    /// # Errors
    /// [`RingError::InvalidName`] as for [`create`](Self::create); [`RingError::Os`] with
    /// `NotFound` when there is no such object; [`RingError::Incompatible`] when the object is too
    /// short, has the wrong magic number (a stale or foreign file), another layout version, or a
    /// size that does not match its capacity.
    pub fn open(name: &str) -> Result<Self, RingError> {
        let path = path_of(name)?;
        let map = Mapping::open(&path, HEADER_SIZE).map_err(|e| match e {
            OpenError::Io(e) => RingError::os("open", name, e),
            OpenError::TooSmall(len) => RingError::Incompatible {
                name: name.to_owned(),
                reason: format!("the file is {len} bytes, smaller than the {HEADER_SIZE}-byte header"),
            },
        })?;
        let capacity = spsc::header_of(&map)
            .validate(map.len())
            .map_err(|reason| RingError::Incompatible { name: name.to_owned(), reason })?;
        Ok(Self::wrap(Ring::new(map, capacity), name))
    }

    fn wrap(ring: Ring, name: &str) -> Self {
        let header = ring.header();
        let head_copy = header.consumer.head.load(std::sync::atomic::Ordering::Acquire);
        let tail_copy = header.producer.tail.load(std::sync::atomic::Ordering::Acquire);
        Self { ring: Arc::new(ring), name: name.to_owned(), head_copy, tail_copy }
    }

    /// Removes the name `name`. Handles that are open keep working; the memory is freed when the
    /// last one is dropped.
    ///
    /// # Errors
    /// [`RingError::InvalidName`]; [`RingError::Os`] with `NotFound` when there is no such object.
    pub fn unlink(name: &str) -> Result<(), RingError> {
        shm::unlink(&path_of(name)?).map_err(|e| RingError::os("unlink", name, e))
    }

    /// The name the ring was created or opened with.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Size of the data area in bytes.
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// The largest frame this ring accepts: `capacity / 2 - 4` bytes.
    pub fn max_frame_len(&self) -> usize {
        spsc::max_frame_len(self.ring.capacity())
    }

    fn check_push(&self, len: usize) -> Result<(), RingError> {
        if self.ring.is_closed() {
            return Err(RingError::Closed { name: self.name.clone() });
        }
        if len > self.max_frame_len() {
            return Err(RingError::FrameTooLarge { name: self.name.clone(), len, max: self.max_frame_len() });
        }
        Ok(())
    }

    /// Producer: appends one frame if it fits; `Ok(false)` when the ring is full.
    ///
    /// # Errors
    /// [`RingError::FrameTooLarge`] beyond [`max_frame_len`](Self::max_frame_len);
    /// [`RingError::Closed`] once either side closed the ring.
    pub fn try_push(&mut self, frame: &[u8]) -> Result<bool, RingError> {
        self.push_batch(&[frame]).map(|pushed| pushed == 1)
    }

    /// Producer: appends one frame of `len` bytes that `fill` writes in place, straight into
    /// shared memory (the slice holds stale bytes, not zeroes). `fill` is not called, and
    /// `Ok(false)` returned, when the ring is full.
    ///
    /// # Errors
    /// As for [`try_push`](Self::try_push).
    pub fn try_push_with(&mut self, len: usize, fill: impl FnOnce(&mut [u8])) -> Result<bool, RingError> {
        self.check_push(len)?;
        let mut tail = self.ring.tail();
        let Some(at) = self.ring.claim(&mut tail, &mut self.head_copy, len) else {
            return Ok(false);
        };
        self.ring.write_with(at, len, fill);
        self.ring.publish(tail);
        Ok(true)
    }

    /// Producer: appends the longest prefix of `frames` that fits, publishing it with one release
    /// store and at most one wake-up, and returns how many frames that is (0 when full).
    ///
    /// # Errors
    /// [`RingError::FrameTooLarge`] when any frame of the batch is too large, and
    /// [`RingError::Closed`] once either side closed the ring; nothing is pushed then.
    pub fn push_batch<B: AsRef<[u8]>>(&mut self, frames: &[B]) -> Result<usize, RingError> {
        let longest = frames.iter().map(|frame| frame.as_ref().len()).max().unwrap_or(0);
        self.check_push(longest)?;
        let mut tail = self.ring.tail();
        let mut pushed = 0;
        for frame in frames {
            let frame = frame.as_ref();
            let Some(at) = self.ring.claim(&mut tail, &mut self.head_copy, frame.len()) else {
                break;
            };
            self.ring.write_payload(at, frame);
            pushed += 1;
        }
        if pushed > 0 {
            self.ring.publish(tail);
        }
        Ok(pushed)
    }

    /// Consumer: replaces the contents of `out` with the oldest frame and returns its length, or
    /// `None` when the ring is empty.
    ///
    /// # Errors
    /// [`RingError::Corrupt`] when the ring holds something the protocol cannot produce.
    pub fn try_pop_into(&mut self, out: &mut Vec<u8>) -> Result<Option<usize>, RingError> {
        let mut len = None;
        self.pop_with(1, |frame| {
            out.clear();
            out.extend_from_slice(frame);
            len = Some(frame.len());
        })?;
        Ok(len)
    }

    /// Consumer: appends up to `max` frames, oldest first, to `out` and each one's length to
    /// `lens`, releasing their space in one store; returns how many (0 when empty).
    ///
    /// # Errors
    /// As for [`try_pop_into`](Self::try_pop_into); frames appended before the error are consumed.
    pub fn pop_batch_into(
        &mut self,
        max: usize,
        out: &mut Vec<u8>,
        lens: &mut Vec<usize>,
    ) -> Result<usize, RingError> {
        self.pop_with(max, |frame| {
            out.extend_from_slice(frame);
            lens.push(frame.len());
        })
    }

    /// Consumer: calls `visit` with up to `max` frames, oldest first, each a contiguous slice of
    /// the shared memory itself (no copy), then releases their space in one store; returns how
    /// many.
    ///
    /// # Errors
    /// As for [`try_pop_into`](Self::try_pop_into); frames visited before the error are consumed.
    pub fn pop_with(&mut self, max: usize, visit: impl FnMut(&[u8])) -> Result<usize, RingError> {
        self.ring
            .pop_with(&mut self.tail_copy, max, visit)
            .map_err(|c| RingError::Corrupt { name: self.name.clone(), reason: c.0 })
    }

    /// Consumer: sleeps until a frame is available, the ring is closed, or `timeout` passes
    /// (`None`: no limit). Returns whether a frame is available, so `false` means timed out, or
    /// closed and drained.
    pub fn wait_readable(&self, timeout: Option<Duration>) -> bool {
        wait_readable(&self.ring, timeout)
    }

    /// Producer: sleeps until a frame of `len` bytes fits, the ring is closed, or `timeout`
    /// passes. Returns whether it fits now; always `false` for a frame over the limit.
    pub fn wait_writable(&self, len: usize, timeout: Option<Duration>) -> bool {
        wait_writable(&self.ring, len, timeout)
    }

    /// Marks the ring closed for both sides and wakes every waiter. Frames already pushed can
    /// still be popped; pushing fails with [`RingError::Closed`]. Closing is permanent.
    pub fn close(&self) {
        self.ring.close();
    }

    /// Whether either side closed the ring.
    pub fn is_closed(&self) -> bool {
        self.ring.is_closed()
    }

    /// A handle for other threads to wait on or close this ring while this one pushes or pops.
    pub fn signal(&self) -> RingSignal {
        RingSignal { ring: Arc::clone(&self.ring) }
    }
}

/// The waiting and closing half of a [`RingBuffer`], cheap to clone and shareable across threads:
/// for example a thread that sleeps in [`wait_readable`](Self::wait_readable) without holding the
/// lock that guards the handle, while another thread calls [`close`](Self::close).
#[derive(Debug, Clone)]
pub struct RingSignal {
    ring: Arc<Ring>,
}

impl RingSignal {
    /// As [`RingBuffer::wait_readable`].
    pub fn wait_readable(&self, timeout: Option<Duration>) -> bool {
        wait_readable(&self.ring, timeout)
    }

    /// As [`RingBuffer::wait_writable`].
    pub fn wait_writable(&self, len: usize, timeout: Option<Duration>) -> bool {
        wait_writable(&self.ring, len, timeout)
    }

    /// As [`RingBuffer::close`].
    pub fn close(&self) {
        self.ring.close();
    }

    /// As [`RingBuffer::is_closed`].
    pub fn is_closed(&self) -> bool {
        self.ring.is_closed()
    }
}

fn wait_readable(ring: &Ring, timeout: Option<Duration>) -> bool {
    ring.readable_event().wait_until(wait::deadline(timeout), || ring.has_data(), || ring.is_closed())
}

fn wait_writable(ring: &Ring, len: usize, timeout: Option<Duration>) -> bool {
    if len > spsc::max_frame_len(ring.capacity()) {
        return false;
    }
    ring.writable_event().wait_until(wait::deadline(timeout), || ring.fits(len), || ring.is_closed())
}
