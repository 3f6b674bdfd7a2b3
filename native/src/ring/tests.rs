//! Ring tests: a model-based property test against a `VecDeque`, open validation, waits and close,
//! and stress across threads and across processes.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;

/// A unique ring name, unlinked when dropped (whether or not the test created it).
struct Name(String);

impl Name {
    fn new(tag: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        Self(format!("kconnect-ring-test-{}-{tag}-{n}", std::process::id()))
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Drop for Name {
    fn drop(&mut self) {
        let _ = RingBuffer::unlink(&self.0);
    }
}

/// Frame `seq` of a stream: its length varies with `seq` and every byte depends on it, so a
/// reordered, duplicated, torn or shifted frame is detected.
fn sequenced_frame(seq: u64, max_len: usize) -> Vec<u8> {
    let len = 8 + (seq as usize * 37) % (max_len - 7);
    let mut frame = seq.to_le_bytes().to_vec();
    frame.extend((8..len).map(|i| (seq as usize).wrapping_mul(31).wrapping_add(i) as u8));
    frame
}

fn check_sequenced(frame: &[u8], expected_seq: u64, max_len: usize) {
    let seq = u64::from_le_bytes(frame[..8].try_into().unwrap());
    assert_eq!(seq, expected_seq, "frames out of order");
    assert_eq!(frame, sequenced_frame(seq, max_len), "frame {seq} damaged");
}

// ---------------------------------------------------------------------------------------------
// Model-based property test.

#[derive(Debug, Clone)]
enum Op {
    Push(Vec<u8>),
    PushWith(usize, u8),
    PushBatch(Vec<Vec<u8>>),
    Pop,
    PopBatch(usize),
    PopWith(usize),
}

/// The reference: a queue of frames plus where each sits in an unbounded byte stream, placed by
/// the rule the ring documents (a record that would cross a multiple of the capacity starts at
/// that multiple instead) and admitted only if it ends at most `capacity` bytes after the start of
/// the oldest unread record's claim.
struct Model {
    capacity: u64,
    frames: VecDeque<(Vec<u8>, u64)>,
    tail: u64,
}

impl Model {
    fn head(&self) -> u64 {
        self.frames.front().map_or(self.tail, |(_, claim_start)| *claim_start)
    }

    fn push(&mut self, frame: &[u8]) -> bool {
        let record = (4 + frame.len() as u64).div_ceil(8) * 8;
        let offset = self.tail % self.capacity;
        let start =
            if offset + record <= self.capacity { self.tail } else { self.tail - offset + self.capacity };
        let end = start + record;
        if end - self.head() > self.capacity {
            return false;
        }
        self.frames.push_back((frame.to_vec(), self.tail));
        self.tail = end;
        true
    }

    fn pop(&mut self) -> Option<Vec<u8>> {
        self.frames.pop_front().map(|(frame, _)| frame)
    }
}

fn frame(max: usize) -> impl Strategy<Value = Vec<u8>> {
    // Mostly legal sizes, biased to both ends; sometimes just over the limit.
    prop_oneof![
        4 => 0..=max.min(16),
        4 => 0..=max,
        2 => max.saturating_sub(8)..=max,
        1 => (max + 1)..=(max + 9),
    ]
    .prop_flat_map(|len| proptest::collection::vec(any::<u8>(), len))
}

fn op(max: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => frame(max).prop_map(Op::Push),
        1 => (0..=max, any::<u8>()).prop_map(|(len, byte)| Op::PushWith(len, byte)),
        2 => proptest::collection::vec(frame(max), 0..8).prop_map(Op::PushBatch),
        3 => Just(Op::Pop),
        2 => (0_usize..6).prop_map(Op::PopBatch),
        1 => (1_usize..4).prop_map(Op::PopWith),
    ]
}

fn scenario() -> impl Strategy<Value = (usize, Vec<Op>)> {
    prop_oneof![Just(64_usize), Just(128), Just(256), Just(4096)].prop_flat_map(|capacity| {
        let max = spsc::max_frame_len(capacity);
        (Just(capacity), proptest::collection::vec(op(max), 1..120))
    })
}

fn run_scenario(capacity: usize, ops: &[Op]) {
    let name = Name::new("model");
    let mut producer = RingBuffer::create(&name, capacity).unwrap();
    let mut consumer = RingBuffer::open(&name).unwrap();
    let max = producer.max_frame_len();
    let mut model = Model { capacity: capacity as u64, frames: VecDeque::new(), tail: 0 };
    let mut out = Vec::new();
    for op in ops {
        match op {
            Op::Push(frame) => {
                let result = producer.try_push(frame);
                if frame.len() > max {
                    assert!(
                        matches!(result, Err(RingError::FrameTooLarge { len, max: m, .. }) if len == frame.len() && m == max)
                    );
                } else {
                    assert_eq!(result.unwrap(), model.push(frame), "push of {} bytes", frame.len());
                }
            }
            Op::PushWith(len, byte) => {
                let expected = vec![*byte; *len];
                let mut called = false;
                let pushed = producer
                    .try_push_with(*len, |slot| {
                        called = true;
                        slot.fill(*byte);
                    })
                    .unwrap();
                assert_eq!(pushed, model.push(&expected));
                assert_eq!(called, pushed);
            }
            Op::PushBatch(frames) => {
                let result = producer.push_batch(frames);
                if frames.iter().any(|f| f.len() > max) {
                    assert!(matches!(result, Err(RingError::FrameTooLarge { .. })));
                } else {
                    let expected = frames.iter().take_while(|f| model.push(f)).count();
                    assert_eq!(result.unwrap(), expected);
                }
            }
            Op::Pop => {
                let popped = consumer.try_pop_into(&mut out).unwrap();
                match model.pop() {
                    Some(expected) => {
                        assert_eq!(popped, Some(expected.len()));
                        assert_eq!(out, expected);
                    }
                    None => assert_eq!(popped, None),
                }
            }
            Op::PopBatch(n) => {
                let (mut bytes, mut lens) = (vec![0xEE], Vec::new());
                let count = consumer.pop_batch_into(*n, &mut bytes, &mut lens).unwrap();
                let expected: Vec<Vec<u8>> = (0..*n).map_while(|_| model.pop()).collect();
                assert_eq!(count, expected.len());
                assert_eq!(lens, expected.iter().map(Vec::len).collect::<Vec<_>>());
                // Appended after what was already in the buffer.
                assert_eq!(bytes, [vec![0xEE], expected.concat()].concat());
            }
            Op::PopWith(n) => {
                let mut seen = Vec::new();
                let count = consumer.pop_with(*n, |frame| seen.push(frame.to_vec())).unwrap();
                let expected: Vec<Vec<u8>> = (0..*n).map_while(|_| model.pop()).collect();
                assert_eq!(count, expected.len());
                assert_eq!(seen, expected);
            }
        }
        assert_eq!(consumer.wait_readable(Some(Duration::ZERO)), !model.frames.is_empty());
    }
    // Everything left comes out in order, and then the ring is empty.
    while let Some(expected) = model.pop() {
        assert_eq!(consumer.try_pop_into(&mut out).unwrap(), Some(expected.len()));
        assert_eq!(out, expected);
    }
    assert_eq!(consumer.try_pop_into(&mut out).unwrap(), None);
}

proptest! {
    #[test]
    fn behaves_like_a_bounded_queue((capacity, ops) in scenario()) {
        run_scenario(capacity, &ops);
    }
}

#[test]
fn fills_exactly_to_capacity_then_wraps() {
    // 64-byte ring: a 12-byte payload is a 16-byte record, so four fill it exactly.
    let name = Name::new("fill");
    let mut ring = RingBuffer::create(&name, 64).unwrap();
    for i in 0..4_u8 {
        assert!(ring.try_push(&[i; 12]).unwrap());
    }
    assert!(!ring.try_push(&[]).unwrap(), "a full ring takes not even an empty frame");
    let mut out = Vec::new();
    assert_eq!(ring.try_pop_into(&mut out).unwrap(), Some(12));
    assert_eq!(out, [0; 12]);
    // 16 bytes free at the start; a 20-byte record (24 with padding) does not fit there...
    assert!(!ring.try_push(&[9; 20]).unwrap());
    // ...but a 12-byte payload does: the tail stands exactly at the end, so it starts at offset 0.
    assert!(ring.try_push(&[4; 12]).unwrap());
    for i in 1..5_u8 {
        assert_eq!(ring.try_pop_into(&mut out).unwrap(), Some(12));
        assert_eq!(out, [i; 12]);
    }
    assert_eq!(ring.try_pop_into(&mut out).unwrap(), None);
}

#[test]
fn a_frame_that_does_not_fit_before_the_end_wraps_whole() {
    let name = Name::new("wrap");
    let mut ring = RingBuffer::create(&name, 64).unwrap();
    let mut out = Vec::new();
    // Move the indices to offset 40: a 32-byte record and an 8-byte one.
    assert!(ring.push_batch(&[&[1; 28][..], &[1; 4]]).unwrap() == 2);
    assert_eq!(ring.pop_batch_into(2, &mut out, &mut Vec::new()).unwrap(), 2);
    // 24 bytes to the end; a 28-byte frame (32-byte record) goes to offset 0, whole.
    assert!(ring.try_push(&[2; 28]).unwrap());
    let mut slices = Vec::new();
    ring.pop_with(8, |frame| slices.push(frame.to_vec())).unwrap();
    assert_eq!(slices, vec![vec![2; 28]]);
}

#[test]
fn frames_over_half_the_capacity_are_rejected_with_a_clear_message() {
    let name = Name::new("large");
    let mut ring = RingBuffer::create(&name, 4096).unwrap();
    assert_eq!(ring.max_frame_len(), 2044);
    assert!(ring.try_push(&[0; 2044]).unwrap());
    let err = ring.try_push(&[0; 2045]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "frame of 2045 bytes is too large for ring \"{}\": the limit is 2044 bytes (half the capacity, \
             less the 4-byte length prefix)",
            &*name
        )
    );
    // A batch with one oversized frame pushes nothing.
    let mut out = Vec::new();
    assert_eq!(ring.try_pop_into(&mut out).unwrap(), Some(2044));
    assert!(ring.push_batch(&[vec![1], vec![0; 3000]]).is_err());
    assert_eq!(ring.try_pop_into(&mut out).unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// Creating and opening.

#[test]
fn create_validates_name_and_capacity() {
    for capacity in [0, 32, 100, 1 << 33] {
        let err = RingBuffer::create("kconnect-never-created", capacity).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("ring capacity must be a power of two from 64 to 4294967296 bytes, got {capacity}")
        );
    }
    let err = RingBuffer::create("a/b", 64).unwrap_err();
    assert_eq!(err.to_string(), "invalid ring name \"a/b\": it must not contain '/' or NUL");
    assert!(matches!(RingBuffer::open(""), Err(RingError::InvalidName { .. })));
}

#[test]
fn create_refuses_an_existing_name() {
    let name = Name::new("exists");
    let _ring = RingBuffer::create(&name, 64).unwrap();
    let err = RingBuffer::create(&name, 64).unwrap_err();
    assert!(
        matches!(&err, RingError::Os { op: "create", source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists)
    );
    assert!(err.to_string().starts_with(&format!("cannot create ring \"{}\": ", &*name)), "{err}");
}

#[test]
fn open_of_a_missing_ring_is_not_found() {
    let name = Name::new("missing");
    let err = RingBuffer::open(&name).unwrap_err();
    assert!(
        matches!(&err, RingError::Os { op: "open", source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    );
    let err = RingBuffer::unlink(&name).unwrap_err();
    assert!(
        matches!(&err, RingError::Os { op: "unlink", source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    );
}

#[test]
fn open_sees_the_creators_capacity_and_frames() {
    let name = Name::new("open");
    let mut producer = RingBuffer::create(&name, 1 << 16).unwrap();
    assert!(producer.try_push(b"before open").unwrap());
    let mut consumer = RingBuffer::open(&name).unwrap();
    assert_eq!((consumer.capacity(), consumer.name()), (1 << 16, &*name));
    let mut out = Vec::new();
    assert_eq!(consumer.try_pop_into(&mut out).unwrap(), Some(11));
    assert_eq!(out, b"before open");
}

#[test]
fn unlinked_rings_keep_working_for_open_handles() {
    let name = Name::new("unlinked");
    let mut producer = RingBuffer::create(&name, 64).unwrap();
    let mut consumer = RingBuffer::open(&name).unwrap();
    RingBuffer::unlink(&name).unwrap();
    assert!(producer.try_push(b"still here").unwrap());
    let mut out = Vec::new();
    assert_eq!(consumer.try_pop_into(&mut out).unwrap(), Some(10));
    assert!(matches!(RingBuffer::open(&name), Err(RingError::Os { .. })));
}

#[cfg(target_os = "linux")]
mod open_validation {
    use std::fs::OpenOptions;
    use std::os::unix::fs::FileExt;

    use super::*;

    fn shm_file(name: &str) -> String {
        format!("/dev/shm/{name}")
    }

    fn open_error(name: &str) -> String {
        RingBuffer::open(name).unwrap_err().to_string()
    }

    fn prefix(name: &str) -> String {
        format!("shared memory \"{name}\" is not a usable kconnect ring: ")
    }

    #[test]
    fn a_short_file_is_refused() {
        let name = Name::new("short");
        std::fs::write(shm_file(&name), [0_u8; 10]).unwrap();
        assert_eq!(
            open_error(&name),
            format!("{}the file is 10 bytes, smaller than the 384-byte header; unlink it", prefix(&name))
        );
    }

    #[test]
    fn a_foreign_file_is_refused() {
        let name = Name::new("foreign");
        std::fs::write(shm_file(&name), [0xAB_u8; 4096]).unwrap();
        assert_eq!(
            open_error(&name),
            format!(
                "{}bad magic number 0xabababababababab (expected 0x474e49524e4f434b): a stale or foreign \
                 file; unlink it",
                prefix(&name)
            )
        );
    }

    #[test]
    fn a_half_created_file_is_refused() {
        let name = Name::new("zeroes");
        std::fs::write(shm_file(&name), [0_u8; 384 + 64]).unwrap();
        assert!(open_error(&name).contains("its header is not initialised"));
    }

    #[test]
    fn another_layout_version_is_refused() {
        let name = Name::new("version");
        drop(RingBuffer::create(&name, 64).unwrap());
        let file = OpenOptions::new().write(true).open(shm_file(&name)).unwrap();
        file.write_all_at(&2_u32.to_ne_bytes(), 8).unwrap();
        assert_eq!(
            open_error(&name),
            format!("{}layout version 2, but this build reads version 1; unlink it", prefix(&name))
        );
    }

    #[test]
    fn a_resized_file_is_refused() {
        let name = Name::new("resized");
        drop(RingBuffer::create(&name, 64).unwrap());
        OpenOptions::new().write(true).open(shm_file(&name)).unwrap().set_len(384 + 128).unwrap();
        assert_eq!(
            open_error(&name),
            format!(
                "{}the file is 512 bytes, but a ring of capacity 64 is 448 bytes; unlink it",
                prefix(&name)
            )
        );
    }

    #[test]
    fn a_corrupt_length_is_reported_not_read() {
        let name = Name::new("corrupt");
        let mut ring = RingBuffer::create(&name, 64).unwrap();
        assert!(ring.try_push(b"ok").unwrap());
        assert!(ring.try_push(b"will be damaged").unwrap());
        // Second record starts at data offset 8 (file offset 384 + 8): claim 1000 bytes.
        let file = OpenOptions::new().write(true).open(shm_file(&name)).unwrap();
        file.write_all_at(&1000_u32.to_ne_bytes(), 384 + 8).unwrap();
        let mut seen = Vec::new();
        let err = ring.pop_with(10, |f| seen.push(f.to_vec())).unwrap_err();
        assert_eq!(seen, vec![b"ok".to_vec()]);
        assert_eq!(
            err.to_string(),
            format!(
                "ring \"{}\" is corrupt: a frame length of 1000 bytes at offset 8 with 24 bytes published",
                &*name
            )
        );
        // The good frame before it was released, not handed out twice.
        let mut again = Vec::new();
        assert!(ring.pop_with(10, |f| again.push(f.to_vec())).is_err());
        assert!(again.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Waiting and closing.

#[test]
fn waits_return_by_their_timeout() {
    let name = Name::new("timeout");
    let mut ring = RingBuffer::create(&name, 64).unwrap();
    let start = Instant::now();
    assert!(!ring.wait_readable(Some(Duration::from_millis(50))));
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(50) && elapsed < Duration::from_secs(1), "{elapsed:?}");

    while ring.try_push(&[0; 28]).unwrap() {}
    let start = Instant::now();
    assert!(!ring.wait_writable(28, Some(Duration::from_millis(50))));
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(50) && elapsed < Duration::from_secs(1), "{elapsed:?}");
    assert!(ring.wait_readable(Some(Duration::ZERO)));
    // A frame that can never fit is not waited for.
    assert!(!ring.wait_writable(29, None));
}

#[cfg(target_os = "linux")]
#[test]
fn a_wait_sleeps_instead_of_spinning() {
    fn thread_cpu_time() -> Duration {
        let mut spec = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `spec` is a valid, writable timespec on this stack frame.
        assert_eq!(unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &raw mut spec) }, 0);
        Duration::new(spec.tv_sec as u64, spec.tv_nsec as u32)
    }
    let name = Name::new("sleep");
    let ring = RingBuffer::create(&name, 64).unwrap();
    let before = thread_cpu_time();
    assert!(!ring.wait_readable(Some(Duration::from_millis(300))));
    let used = thread_cpu_time().saturating_sub(before);
    assert!(used < Duration::from_millis(30), "a 300 ms wait used {used:?} of CPU");
}

#[test]
fn close_wakes_a_blocked_reader_and_writer() {
    let (name, empty_name) = (Name::new("close"), Name::new("close-empty"));
    let mut producer = RingBuffer::create(&name, 64).unwrap();
    let mut consumer = RingBuffer::open(&name).unwrap();
    let empty = RingBuffer::create(&empty_name, 64).unwrap();
    while producer.try_push(&[7; 28]).unwrap() {}
    // A writer blocked on the full ring, a reader blocked on the empty one; neither has a timeout.
    let writer = thread::spawn({
        let signal = producer.signal();
        move || signal.wait_writable(28, None)
    });
    let reader = thread::spawn({
        let signal = empty.signal();
        move || signal.wait_readable(None)
    });
    thread::sleep(Duration::from_millis(50));
    let start = Instant::now();
    consumer.close();
    empty.close();
    assert!(!writer.join().unwrap());
    assert!(!reader.join().unwrap());
    assert!(start.elapsed() < Duration::from_secs(2));
    // The flag is in shared memory: the other handle sees it too.
    assert!(producer.is_closed());
    assert_eq!(producer.try_push(b"x").unwrap_err().to_string(), format!("ring \"{}\" is closed", &*name));
    // What was pushed before closing still comes out; then waits return at once.
    assert_eq!(consumer.pop_with(usize::MAX, |f| assert_eq!(f, [7; 28])).unwrap(), 2);
    let start = Instant::now();
    assert!(!consumer.wait_readable(None));
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn a_consumer_wakes_a_producer_waiting_for_space() {
    let name = Name::new("space");
    let mut producer = RingBuffer::create(&name, 64).unwrap();
    let mut consumer = RingBuffer::open(&name).unwrap();
    while producer.try_push(&[1; 28]).unwrap() {}
    let waiter = thread::spawn(move || {
        let start = Instant::now();
        let ready = producer.wait_writable(28, Some(Duration::from_secs(10)));
        (ready, start.elapsed(), producer.try_push(&[2; 28]).unwrap())
    });
    thread::sleep(Duration::from_millis(30));
    let mut out = Vec::new();
    assert_eq!(consumer.try_pop_into(&mut out).unwrap(), Some(28));
    let (ready, elapsed, pushed) = waiter.join().unwrap();
    assert!(ready && pushed);
    assert!(elapsed < Duration::from_secs(5), "woken only by the timeout: {elapsed:?}");
}

// ---------------------------------------------------------------------------------------------
// Stress.

/// One thread pushes `count` sequenced frames in batches, the other pops them in batches; both
/// block on a small ring, so waits, wake-ups and wrap-around all happen thousands of times.
#[test]
fn cross_thread_stream_keeps_order_and_content() {
    const COUNT: u64 = 200_000;
    let name = Name::new("threads");
    let mut producer = RingBuffer::create(&name, 4096).unwrap();
    let mut consumer = RingBuffer::open(&name).unwrap();
    let max_len = 300;
    let pusher = thread::spawn(move || {
        let mut seq = 0;
        while seq < COUNT {
            let batch: Vec<Vec<u8>> =
                (seq..COUNT.min(seq + 1 + seq % 17)).map(|s| sequenced_frame(s, max_len)).collect();
            let mut sent = 0;
            while sent < batch.len() {
                let pushed = producer.push_batch(&batch[sent..]).unwrap();
                if pushed == 0 {
                    assert!(producer.wait_writable(batch[sent].len(), Some(Duration::from_secs(10))));
                }
                sent += pushed;
            }
            seq += batch.len() as u64;
        }
    });
    let (mut bytes, mut lens) = (Vec::new(), Vec::new());
    let mut next = 0;
    while next < COUNT {
        bytes.clear();
        lens.clear();
        if consumer.pop_batch_into(64, &mut bytes, &mut lens).unwrap() == 0 {
            assert!(consumer.wait_readable(Some(Duration::from_secs(10))), "stalled at frame {next}");
            continue;
        }
        let mut at = 0;
        for len in &lens {
            check_sequenced(&bytes[at..at + len], next, max_len);
            at += len;
            next += 1;
        }
    }
    pusher.join().unwrap();
    assert_eq!(consumer.try_pop_into(&mut bytes).unwrap(), None);
}

/// Ping-pong over two rings: every round trip sleeps on both sides, so a lost wake-up would stall
/// a round until the 10-second timeout and fail the test.
#[test]
fn ping_pong_never_loses_a_wake_up() {
    const ROUNDS: u32 = 20_000;
    let (there, back) = (Name::new("there"), Name::new("back"));
    let mut ping_tx = RingBuffer::create(&there, 256).unwrap();
    let mut pong_rx = RingBuffer::create(&back, 256).unwrap();
    let mut ping_rx = RingBuffer::open(&there).unwrap();
    let mut pong_tx = RingBuffer::open(&back).unwrap();
    let echo = thread::spawn(move || {
        let mut frame = Vec::new();
        for _ in 0..ROUNDS {
            assert!(ping_rx.wait_readable(Some(Duration::from_secs(10))));
            ping_rx.try_pop_into(&mut frame).unwrap().unwrap();
            assert!(pong_tx.try_push(&frame).unwrap());
        }
    });
    let mut frame = Vec::new();
    for round in 0..ROUNDS {
        assert!(ping_tx.try_push(&round.to_le_bytes()).unwrap());
        assert!(pong_rx.wait_readable(Some(Duration::from_secs(10))), "round {round} stalled");
        pong_rx.try_pop_into(&mut frame).unwrap().unwrap();
        assert_eq!(frame, round.to_le_bytes());
    }
    echo.join().unwrap();
}

const CHILD_RING_ENV: &str = "KCONNECT_RING_TEST_CHILD";
const CROSS_PROCESS_FRAMES: u64 = 100_000;

/// The child half of `cross_process_stream_keeps_order_and_content`: does nothing unless started
/// by it with the ring's name in the environment.
#[test]
fn child_pushes_a_sequenced_stream() {
    let Ok(name) = std::env::var(CHILD_RING_ENV) else {
        return;
    };
    let mut ring = RingBuffer::open(&name).unwrap();
    let max_len = 1000;
    for seq in 0..CROSS_PROCESS_FRAMES {
        let frame = sequenced_frame(seq, max_len);
        while !ring.try_push(&frame).unwrap() {
            assert!(ring.wait_writable(frame.len(), Some(Duration::from_secs(10))));
        }
    }
    ring.close();
}

#[test]
fn cross_process_stream_keeps_order_and_content() {
    let name = Name::new("process");
    let mut ring = RingBuffer::create(&name, 8192).unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["ring::tests::child_pushes_a_sequenced_stream", "--exact", "--test-threads=1", "--quiet"])
        .env(CHILD_RING_ENV, &*name)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut next = 0;
    let mut deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let popped = ring
            .pop_with(usize::MAX, |frame| {
                check_sequenced(frame, next, 1000);
                next += 1;
            })
            .unwrap();
        if popped > 0 {
            deadline = Instant::now() + Duration::from_secs(60);
        } else if ring.is_closed() && !ring.wait_readable(Some(Duration::ZERO)) {
            break;
        } else {
            assert!(Instant::now() < deadline, "child stalled at frame {next}");
            ring.wait_readable(Some(Duration::from_millis(200)));
        }
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "child failed: {status}");
    assert_eq!(next, CROSS_PROCESS_FRAMES);
}
