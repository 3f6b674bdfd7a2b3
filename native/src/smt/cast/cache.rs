//! A small LRU of schema rewrites, as Connect's SMTs keep (`SynchronizedCache(LRUCache(16))`).

use std::sync::{Arc, Mutex, PoisonError};

use crate::data::SchemaRef;
use crate::errors::TransformError;

/// How many input schemas are remembered; Connect's SMTs use 16.
const CAPACITY: usize = 16;

/// Maps input schemas to their rewritten schema, most recently used first.
///
/// Lookups compare by pointer first (converters share one `Arc` per schema) and then by value,
/// as Connect's cache keys on `Schema.equals`.
#[derive(Debug, Default)]
pub(crate) struct SchemaCache {
    entries: Mutex<Vec<(SchemaRef, SchemaRef)>>,
}

impl SchemaCache {
    /// An empty cache.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The cached rewrite of `key`, or the result of `build` (cached when it succeeds).
    pub(crate) fn get_or_build(
        &self,
        key: &SchemaRef,
        build: impl FnOnce() -> Result<SchemaRef, TransformError>,
    ) -> Result<SchemaRef, TransformError> {
        {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            let hit = entries
                .iter()
                .position(|(k, _)| Arc::ptr_eq(k, key))
                .or_else(|| entries.iter().position(|(k, _)| **k == **key));
            if let Some(i) = hit {
                let entry = entries.remove(i);
                let value = Arc::clone(&entry.1);
                entries.insert(0, entry);
                return Ok(value);
            }
        }
        // Built outside the lock: two threads may build the same schema once each, which is harmless.
        let rewritten = build()?;
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.insert(0, (Arc::clone(key), Arc::clone(&rewritten)));
        entries.truncate(CAPACITY);
        Ok(rewritten)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Schema, Type};

    #[test]
    fn hits_by_pointer_or_value_and_evicts_the_oldest() {
        let cache = SchemaCache::new();
        let mut builds = 0;
        let key = Arc::new(Schema::new(Type::Int32));
        for _ in 0..3 {
            cache
                .get_or_build(&key, || {
                    builds += 1;
                    Ok(Arc::new(Schema::new(Type::Int64)))
                })
                .unwrap();
        }
        let equal = Arc::new(Schema::new(Type::Int32));
        cache.get_or_build(&equal, || unreachable!("equal schemas hit")).unwrap();
        assert_eq!(builds, 1);
        for i in 0..CAPACITY {
            let other = Arc::new(Schema::new(Type::String).named(i.to_string()));
            cache.get_or_build(&other, || Ok(Arc::clone(&other))).unwrap();
        }
        let rebuilt = cache.get_or_build(&key, || Ok(Arc::new(Schema::new(Type::Boolean)))).unwrap();
        assert_eq!(rebuilt.kind, Type::Boolean);
    }
}
