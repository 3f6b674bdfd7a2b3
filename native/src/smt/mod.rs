//! Single-message transforms and predicates, one per module, named as Connect names them.
//!
//! A transform is built once from its configuration and then applied to every record; the chain
//! (`chain.rs`) applies a list of them, each optionally guarded by a predicate, over a batch.

pub mod config;
pub mod regex_router;
pub mod registry;

use crate::data::Record;
use crate::errors::TransformError;

pub use config::Props;
pub use regex_router::RegexRouter;

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
/// caches, so one instance serves every record of a task.
pub trait Transform: Send + Sync {
    /// Transforms one record.
    ///
    /// # Errors
    /// [`TransformError::Data`] when the record cannot be transformed.
    fn apply(&self, record: Record) -> Result<Option<Record>, TransformError>;
}

/// A record predicate (Connect's `Predicate`), used to apply a transform conditionally.
pub trait Predicate: Send + Sync {
    /// Whether the record matches.
    fn test(&self, record: &Record) -> bool;
}

impl Transform for RegexRouter {
    fn apply(&self, mut record: Record) -> Result<Option<Record>, TransformError> {
        if let std::borrow::Cow::Owned(routed) = self.route(&record.topic) {
            record.topic = routed;
        }
        Ok(Some(record))
    }
}
