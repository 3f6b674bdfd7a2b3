//! Release-mode timing of the issue-3 chain in plain Rust, without the Python boundary.
//!
//! The same work as `bench/test_pipeline.py::test_native_chain`: 10,000 ~200-byte records in
//! JsonConverter's `schemas.enable=true` envelope (the `bench/records.py` shape) through
//! RegexRouter and ReplaceField$Value and back to JSON, one `Pipeline::sink_all` per batch into
//! one `RecordBatch`. Run with
//! `cargo test --release -p connect-native --lib perf -- --ignored --nocapture`;
//! `KCONNECT_PERF_ROUNDS` sets the number of timed batches and `KCONNECT_PERF_BYTES` the output
//! bytes reserved per record (default: as many as the input has, as `sink_batch` reserves).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::convert::ConverterProps;
use crate::pipeline::{Pipeline, RecordBatch, RecordIn, Slot};
use crate::smt::StageConfig;

const COUNT: u32 = 10_000;
const ROUNDS: usize = 200;

const SCHEMA: &str = r#"{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"},{"type":"string","optional":false,"field":"customer"},{"type":"string","optional":true,"field":"email"},{"type":"double","optional":false,"field":"amount"},{"type":"boolean","optional":false,"field":"paid"},{"type":"string","optional":true,"field":"note"},{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"created"}],"optional":false,"name":"shop.Order"}"#;

/// `bench/records.py::envelope_records`, with a small LCG in place of Python's `random`.
fn envelope_records(count: usize) -> Vec<Vec<u8>> {
    let mut state: u64 = 7;
    let mut next = |bound: u64| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % bound
    };
    (0..count)
        .map(|i| {
            let mut s = String::with_capacity(720);
            let (customer, user) = (next(10_000), next(100_000));
            let amount = next(499_900) + 100;
            let paid = next(2) == 0;
            write!(
                s,
                r#"{{"schema":{SCHEMA},"payload":{{"id":{i},"customer":"customer-{customer:05}","email":"user{user}@example.com","amount":{}.{:02},"paid":{paid},"note":"gift wrap, leave at the door; call before delivery please","created":{}}}}}"#,
                amount / 100,
                amount % 100,
                1_700_000_000_000u64 + i as u64 * 1_000,
            )
            .unwrap();
            s.into_bytes()
        })
        .collect()
}

fn chain_pipeline() -> Pipeline {
    let json: ConverterProps = [("schemas.enable".to_owned(), "true".to_owned())].into();
    let stages = vec![
        StageConfig::unguarded(
            "route",
            "org.apache.kafka.connect.transforms.RegexRouter",
            &[("regex", "orders-(.*)"), ("replacement", "shop.$1")],
        ),
        StageConfig::unguarded(
            "fields",
            "org.apache.kafka.connect.transforms.ReplaceField$Value",
            &[("exclude", "note"), ("renames", "customer:customer_id")],
        ),
    ];
    let conv = ("org.apache.kafka.connect.json.JsonConverter", &json);
    Pipeline::new(conv, conv, None, stages).unwrap()
}

fn run_batch(pipeline: &mut Pipeline, values: &[Vec<u8>], bytes_per_record: Option<usize>) -> RecordBatch {
    let bytes = bytes_per_record.map_or_else(|| values.iter().map(Vec::len).sum(), |b| b * values.len());
    let mut batch = RecordBatch::with_data_capacity(values.len(), bytes);
    let inputs = values.iter().enumerate().map(|(i, value)| RecordIn {
        topic: "orders-eu",
        partition: Some(0),
        offset: Some(i as i64),
        timestamp: Some(1_700_000_000_000),
        key: None,
        value: Some(value),
        headers: &[],
    });
    pipeline.sink_all(inputs, &mut batch);
    batch
}

/// CPU time of the calling thread, in seconds.
fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &raw mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32).as_secs_f64()
}

#[test]
#[ignore = "timing, run in release mode"]
fn perf_chain() {
    let values = envelope_records(COUNT as usize);
    let mut pipeline = chain_pipeline();
    let bytes_per_record = std::env::var("KCONNECT_PERF_BYTES").ok().map(|v| v.parse().unwrap());
    let batch = run_batch(&mut pipeline, &values, bytes_per_record);
    assert_eq!(batch.topics, ["shop.eu"]);
    let Slot::Record(first) = &batch.slots[0] else { panic!("{:?}", batch.slots[0]) };
    let text = std::str::from_utf8(batch.bytes(first.value.unwrap())).unwrap();
    assert!(text.contains(r#""field":"customer_id""#) && !text.contains("note"), "{text}");
    assert!(batch.slots.iter().all(|s| matches!(s, Slot::Record(_))));

    let rounds = std::env::var("KCONNECT_PERF_ROUNDS").map_or(ROUNDS, |v| v.parse().unwrap());
    let (mut wall, mut cpu): (Vec<f64>, Vec<f64>) = (0..rounds)
        .map(|_| {
            let (start, start_cpu) = (Instant::now(), thread_cpu_seconds());
            std::hint::black_box(run_batch(&mut pipeline, std::hint::black_box(&values), bytes_per_record));
            (start.elapsed().as_secs_f64(), thread_cpu_seconds() - start_cpu)
        })
        .unzip();
    wall.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    let rate = |seconds: f64| f64::from(COUNT) / seconds / 1e3;
    // The machine is shared: the thread's CPU time is steadier than the wall clock.
    println!(
        "perf_chain: {} bytes/record; thread CPU median {:.0}k records/s (best {:.0}k); wall median {:.0}k",
        values[0].len(),
        rate(cpu[cpu.len() / 2]),
        rate(cpu[0]),
        rate(wall[wall.len() / 2]),
    );
}
