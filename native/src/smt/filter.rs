//! `Filter`: drop every record; meant to be used with a predicate.
//!
//! Connect compat: `org.apache.kafka.connect.transforms.Filter` has no configuration and returns
//! null from `apply`, which ends the chain for that record.

use crate::data::Record;
use crate::errors::TransformError;

use super::Transform;

/// The `Filter` transform.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter;

impl Transform for Filter {
    fn apply(&self, _record: Record) -> Result<Option<Record>, TransformError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_every_record() {
        assert_eq!(Filter.apply(Record::default()), Ok(None));
    }
}
