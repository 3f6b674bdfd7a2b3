//! The Connect data model in plain Rust: schemas, values and records.
//!
//! It mirrors `org.apache.kafka.connect.data` (`ConnectSchema`, `Struct`, the logical types) and
//! `ConnectRecord`, so converters and transforms can follow Connect's semantics exactly.

pub mod calendar;
pub mod decimal;
pub mod display;
pub mod record;
pub mod schema;
pub mod value;

pub use record::{Header, Record};
pub use schema::{logical, Field, Schema, SchemaRef, Type};
pub use value::{Decimal, Struct, Value};
