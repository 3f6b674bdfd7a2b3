//! `engine._native.RingBuffer`: a shared-memory ring seen from Python, one call per batch.
//!
//! Frames go straight between `bytes` objects and shared memory: `push_many` copies each `bytes`
//! payload into the ring, `pop_many` builds each `bytes` from the ring's own slice. Waits release
//! the GIL (`py.detach`) and sleep in the kernel in slices of [`SIGNAL_CHECK_INTERVAL`], so Ctrl-C
//! still interrupts a wait without a timeout.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use pyo3::exceptions::{PyBrokenPipeError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

use crate::ring::{RingBuffer, RingError, RingSignal};

/// Longest GIL-free sleep before checking for signals (KeyboardInterrupt) and waiting again.
const SIGNAL_CHECK_INTERVAL: Duration = Duration::from_millis(100);

/// `RingError` as the Python exception a caller would expect: `OSError` subclasses chosen by errno
/// (`FileNotFoundError`, `FileExistsError`, ...), `BrokenPipeError` for a closed ring,
/// `RuntimeError` for corruption, `ValueError` for bad arguments or an unusable file.
fn to_py_err(err: &RingError) -> PyErr {
    match err {
        // OSError(errno, message) instantiates the subclass that matches errno.
        RingError::Os { source, .. } => match source.raw_os_error() {
            Some(errno) => PyOSError::new_err((errno, err.to_string())),
            None => PyOSError::new_err(err.to_string()),
        },
        RingError::Closed { .. } => PyBrokenPipeError::new_err(err.to_string()),
        RingError::Corrupt { .. } => PyRuntimeError::new_err(err.to_string()),
        RingError::InvalidName { .. }
        | RingError::InvalidCapacity { .. }
        | RingError::FrameTooLarge { .. }
        | RingError::Incompatible { .. } => PyValueError::new_err(err.to_string()),
    }
}

/// A timeout in seconds as a deadline: `None` or infinity wait without limit.
fn deadline(timeout: Option<f64>) -> PyResult<Option<Instant>> {
    match timeout {
        None => Ok(None),
        Some(seconds) if seconds.is_infinite() && seconds > 0.0 => Ok(None),
        Some(seconds) => {
            let duration = Duration::try_from_secs_f64(seconds).map_err(|_| {
                PyValueError::new_err(format!(
                    "timeout must be a non-negative number of seconds, got {seconds}"
                ))
            })?;
            Ok(Instant::now().checked_add(duration))
        }
    }
}

/// How long the next GIL-free sleep may last, or `None` once the deadline has passed.
fn next_sleep(deadline: Option<Instant>) -> Option<Duration> {
    match deadline {
        None => Some(SIGNAL_CHECK_INTERVAL),
        Some(deadline) => deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
            .map(|left| left.min(SIGNAL_CHECK_INTERVAL)),
    }
}

/// One end of a shared-memory ring. The mutex keeps the single-producer/single-consumer contract
/// within this process even when several Python threads share the object; it is never held while
/// waiting, so `close()` from another thread always gets through.
#[pyclass(name = "RingBuffer", module = "engine._native", frozen)]
pub struct PyRingBuffer {
    ring: Mutex<RingBuffer>,
    signal: RingSignal,
    name: String,
    capacity: usize,
    max_frame_size: usize,
}

impl PyRingBuffer {
    fn wrap(ring: RingBuffer) -> Self {
        Self {
            signal: ring.signal(),
            name: ring.name().to_owned(),
            capacity: ring.capacity(),
            max_frame_size: ring.max_frame_len(),
            ring: Mutex::new(ring),
        }
    }

    fn lock(&self) -> MutexGuard<'_, RingBuffer> {
        // The guarded state is two index copies that are always safe to reuse after a panic.
        self.ring.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[pymethods]
impl PyRingBuffer {
    /// Creates the ring `name` with `capacity` bytes of data area.
    #[staticmethod]
    fn create(name: &str, capacity: usize) -> PyResult<Self> {
        RingBuffer::create(name, capacity).map(Self::wrap).map_err(|e| to_py_err(&e))
    }

    /// Opens the existing ring `name`.
    #[staticmethod]
    fn open(name: &str) -> PyResult<Self> {
        RingBuffer::open(name).map(Self::wrap).map_err(|e| to_py_err(&e))
    }

    /// Removes the name `name`; open handles keep working.
    #[staticmethod]
    #[pyo3(signature = (name, *, missing_ok = false))]
    fn unlink(name: &str, missing_ok: bool) -> PyResult<()> {
        match RingBuffer::unlink(name) {
            Err(RingError::Os { source, .. })
                if missing_ok && source.kind() == std::io::ErrorKind::NotFound =>
            {
                Ok(())
            }
            result => result.map_err(|e| to_py_err(&e)),
        }
    }

    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    #[getter]
    fn capacity(&self) -> usize {
        self.capacity
    }

    #[getter]
    fn max_frame_size(&self) -> usize {
        self.max_frame_size
    }

    #[getter]
    fn closed(&self) -> bool {
        self.signal.is_closed()
    }

    /// Pushes one frame if it fits now.
    #[pyo3(signature = (frame, /))]
    fn push(&self, frame: &[u8]) -> PyResult<bool> {
        self.lock().try_push(frame).map_err(|e| to_py_err(&e))
    }

    /// Pushes frames in order until one does not fit, waiting up to `timeout` seconds for space
    /// (0: not at all; None: until all are pushed or the ring closes). Returns how many.
    #[pyo3(signature = (frames, /, timeout = Some(0.0)), text_signature = "(self, frames, /, timeout=0.0)")]
    fn push_many(&self, py: Python<'_>, frames: &Bound<'_, PyList>, timeout: Option<f64>) -> PyResult<usize> {
        let deadline = deadline(timeout)?;
        let owned = frames.iter().map(Bound::cast_into::<PyBytes>).collect::<Result<Vec<_>, _>>()?;
        let slices: Vec<&[u8]> = owned.iter().map(PyBytesMethods::as_bytes).collect();
        let mut pushed = 0;
        loop {
            match self.lock().push_batch(&slices[pushed..]) {
                Ok(n) => pushed += n,
                // Report what went in before the peer closed; the next call raises.
                Err(RingError::Closed { .. }) if pushed > 0 => return Ok(pushed),
                Err(e) => return Err(to_py_err(&e)),
            }
            if pushed == slices.len() || self.signal.is_closed() {
                return Ok(pushed);
            }
            let Some(sleep) = next_sleep(deadline) else {
                return Ok(pushed);
            };
            let (signal, len) = (&self.signal, slices[pushed].len());
            py.detach(|| signal.wait_writable(len, Some(sleep)));
            py.check_signals()?;
        }
    }

    /// Pops up to `max` frames, waiting up to `timeout` seconds for the first (None: until one
    /// arrives or the ring closes). Returns `[]` on timeout, or once the ring is closed and drained.
    #[pyo3(signature = (max, /, timeout = None))]
    fn pop_many<'py>(
        &self,
        py: Python<'py>,
        max: usize,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyList>> {
        let deadline = deadline(timeout)?;
        let mut frames = Vec::new();
        loop {
            // Read before popping: frames pushed before a close are then certain to be seen.
            let closed = self.signal.is_closed();
            self.lock()
                .pop_with(max, |frame| frames.push(PyBytes::new(py, frame)))
                .map_err(|e| to_py_err(&e))?;
            if !frames.is_empty() || max == 0 || closed {
                return PyList::new(py, frames);
            }
            let Some(sleep) = next_sleep(deadline) else {
                return PyList::new(py, frames);
            };
            let signal = &self.signal;
            py.detach(|| signal.wait_readable(Some(sleep)));
            py.check_signals()?;
        }
    }

    /// Marks the ring closed for both ends and wakes every waiter.
    fn close(&self) {
        self.signal.close();
    }

    fn __repr__(&self) -> String {
        format!(
            "RingBuffer(name='{}', capacity={}, closed={})",
            self.name,
            self.capacity,
            if self.signal.is_closed() { "True" } else { "False" }
        )
    }
}
