//! A Connect record (`ConnectRecord`, `SourceRecord`, `SinkRecord`) and its headers.

use super::schema::SchemaRef;
use super::value::Value;

/// A record header: a key and a Connect value with an optional schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub key: String,
    pub schema: Option<SchemaRef>,
    pub value: Value,
}

/// A record as transforms see it. `offset` is set only on sink records (InsertField needs it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    pub topic: String,
    pub partition: Option<i32>,
    pub offset: Option<i64>,
    pub timestamp: Option<i64>,
    pub key_schema: Option<SchemaRef>,
    pub key: Value,
    pub value_schema: Option<SchemaRef>,
    pub value: Value,
    pub headers: Vec<Header>,
}

impl Record {
    /// Whether the value is null (a tombstone), as `RecordIsTombstone` tests.
    pub fn is_tombstone(&self) -> bool {
        self.value.is_null()
    }
}
