//! Single-message transforms and predicates, one per module, named as Connect names them.
//!
//! A transform is built once from its configuration and then applied to every record; the chain
//! (`chain.rs`) applies a list of them, each optionally guarded by a predicate, over a batch.

pub mod cast;
pub mod chain;
pub mod config;
pub mod datetime;
pub mod extract_field;
mod fields;
pub mod filter;
pub mod flatten;
pub mod headers;
pub mod hoist_field;
pub mod insert_field;
pub(crate) mod literal;
pub mod mask_field;
pub mod predicates;
pub mod regex_router;
pub mod registry;
pub mod replace_field;
pub mod set_schema_metadata;
#[cfg(test)]
mod test_support;
pub mod timestamp_converter;
pub mod timestamp_router;
pub mod value_to_key;

use crate::data::{Record, Value};
use crate::errors::TransformError;

pub use chain::{ChainError, Outcome, PredicateConfig, StageConfig, TransformChain};
pub use config::Props;
pub use extract_field::ExtractField;
pub use filter::Filter;
pub use headers::{DropHeaders, HeaderFrom, InsertHeader};
pub use hoist_field::HoistField;
pub use insert_field::InsertField;
pub use mask_field::MaskField;
pub use predicates::{HasHeaderKey, RecordIsTombstone, TopicNameMatches};
pub use regex_router::RegexRouter;
pub use replace_field::ReplaceField;
pub use set_schema_metadata::SetSchemaMetadata;
pub use value_to_key::ValueToKey;

/// Which part of the record a `$Key`/`$Value` transform operates on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Key,
    Value,
}

/// A single-message transform (Connect's `Transformation`).
///
/// # Contract
/// `apply` takes the record by value and returns it (changed or not), `Ok(None)` to drop it, or an
/// error naming what went wrong in Connect's words. Implementations hold only configuration and
/// caches, so one instance serves every record of a task. [`Transform::apply_in_place`] is the
/// same operation on a borrowed record, which is what the chain calls.
pub trait Transform: Send + Sync {
    /// Transforms one record.
    ///
    /// # Errors
    /// [`TransformError::Data`] when the record cannot be transformed.
    fn apply(&self, record: Record) -> Result<Option<Record>, TransformError>;

    /// Transforms one record where it is; `Ok(false)` drops it. After an error the record is
    /// unspecified (the chain discards it).
    ///
    /// The default goes through [`Transform::apply`]. A record is ~200 bytes, and moving it in
    /// and out of every stage shows up in the chain's profile (`perf::perf_chain`), so the
    /// transforms on the hot path override this and `apply` calls it instead.
    ///
    /// # Errors
    /// As [`Transform::apply`].
    fn apply_in_place(&self, record: &mut Record) -> Result<bool, TransformError> {
        match self.apply(std::mem::take(record))? {
            Some(next) => {
                *record = next;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// [`Transform::apply_in_place`] for the transform's only user: a task's pipeline owns its
    /// chain and runs one record at a time, so a transform may use its caches without a lock,
    /// and it may put the parts of the record it drops into `leftovers` instead of freeing
    /// them, for the converter that read them to reuse ([`Leftovers`]). The default is
    /// `apply_in_place`.
    ///
    /// # Errors
    /// As [`Transform::apply`].
    fn apply_exclusive(
        &mut self,
        record: &mut Record,
        leftovers: &mut Leftovers,
    ) -> Result<bool, TransformError> {
        let _ = leftovers;
        self.apply_in_place(record)
    }
}

/// Values that transforms took out of records and no longer need, by the side they came from.
///
/// The pipeline hands them back to the key or value converter that read them
/// (`Converter::recycle`), so that their allocations serve the next record instead of being
/// freed here and allocated again there: ReplaceField dropping a string field costs a `free`
/// and the next record's read a `malloc` otherwise (`perf::perf_chain`).
#[derive(Debug, Default)]
pub struct Leftovers {
    /// Parts of record keys.
    pub key: Vec<Value>,
    /// Parts of record values.
    pub value: Vec<Value>,
}

impl Leftovers {
    /// The list for `target`'s side of the record.
    pub fn of(&mut self, target: Target) -> &mut Vec<Value> {
        match target {
            Target::Key => &mut self.key,
            Target::Value => &mut self.value,
        }
    }

    /// Drops everything held (for callers with no converter to give it to).
    pub fn clear(&mut self) {
        self.key.clear();
        self.value.clear();
    }
}

/// A record predicate (Connect's `Predicate`), used to apply a transform conditionally.
pub trait Predicate: Send + Sync {
    /// Whether the record matches.
    fn test(&self, record: &Record) -> bool;
}

impl Transform for RegexRouter {
    fn apply(&self, mut record: Record) -> Result<Option<Record>, TransformError> {
        self.apply_in_place(&mut record)?;
        Ok(Some(record))
    }

    fn apply_in_place(&self, record: &mut Record) -> Result<bool, TransformError> {
        self.route_in_place(&mut record.topic);
        Ok(true)
    }

    fn apply_exclusive(&mut self, record: &mut Record, _: &mut Leftovers) -> Result<bool, TransformError> {
        self.route_in_place_exclusive(&mut record.topic);
        Ok(true)
    }
}
