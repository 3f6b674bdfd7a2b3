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

use crate::data::Record;
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
}
