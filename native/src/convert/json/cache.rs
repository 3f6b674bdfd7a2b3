//! A small LRU cache, as Kafka's `LRUCache` (an access-ordered `LinkedHashMap`).
//!
//! JsonConverter keeps one per direction (`schemas.cache.size` entries each). Entries live in a
//! slab linked in recency order; the map stores slab indices. A capacity of zero or less caches
//! nothing, as Kafka's cache evicts every entry immediately then. Keys hash with a fast
//! non-cryptographic hasher: the keys are schema JSON bytes and schemas, not attacker-chosen
//! map keys, and SipHash over a few hundred bytes would cost more than the lookup saves.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A multiply-rotate hasher over 8-byte words (FxHash-like), fine for trusted keys.
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The hasher builder used by the caches.
pub(crate) type FastBuild = BuildHasherDefault<FastHasher>;

const NIL: usize = usize::MAX;

struct Entry<K, V> {
    key: K,
    value: V,
    prev: usize,
    next: usize,
}

/// A least-recently-used cache of at most `capacity` entries.
pub(crate) struct Lru<K, V> {
    capacity: usize,
    map: HashMap<K, usize, FastBuild>,
    slab: Vec<Entry<K, V>>,
    /// Most recently used.
    head: usize,
    /// Least recently used.
    tail: usize,
}

impl<K: Hash + Eq + Clone, V> Lru<K, V> {
    /// A cache holding at most `capacity` entries; zero or negative disables it.
    pub(crate) fn new(capacity: i32) -> Self {
        let capacity = usize::try_from(capacity).unwrap_or(0);
        Self { capacity, map: HashMap::default(), slab: Vec::new(), head: NIL, tail: NIL }
    }

    /// Number of cached entries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    fn unlink(&mut self, i: usize) {
        let (prev, next) = (self.slab[i].prev, self.slab[i].next);
        if prev == NIL {
            self.head = next;
        } else {
            self.slab[prev].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.slab[next].prev = prev;
        }
    }

    fn push_front(&mut self, i: usize) {
        self.slab[i].prev = NIL;
        self.slab[i].next = self.head;
        if self.head != NIL {
            self.slab[self.head].prev = i;
        }
        self.head = i;
        if self.tail == NIL {
            self.tail = i;
        }
    }

    /// Looks `key` up and marks it most recently used.
    pub(crate) fn get<Q>(&mut self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = *self.map.get(key)?;
        if self.head != i {
            self.unlink(i);
            self.push_front(i);
        }
        Some(&self.slab[i].value)
    }

    /// Like [`Lru::get`], also returning the stored key (so callers can share it).
    pub(crate) fn get_entry<Q>(&mut self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = *self.map.get(key)?;
        if self.head != i {
            self.unlink(i);
            self.push_front(i);
        }
        let e = &self.slab[i];
        Some((&e.key, &e.value))
    }

    /// Inserts (or replaces) an entry, evicting the least recently used one when full.
    pub(crate) fn put(&mut self, key: K, value: V) {
        if self.capacity == 0 {
            return;
        }
        if let Some(&i) = self.map.get(&key) {
            self.slab[i].value = value;
            self.unlink(i);
            self.push_front(i);
            return;
        }
        let i = if self.slab.len() < self.capacity {
            self.slab.push(Entry { key: key.clone(), value, prev: NIL, next: NIL });
            self.slab.len() - 1
        } else {
            let lru = self.tail;
            self.unlink(lru);
            let old = std::mem::replace(
                &mut self.slab[lru],
                Entry { key: key.clone(), value, prev: NIL, next: NIL },
            );
            self.map.remove(&old.key);
            lru
        };
        self.map.insert(key, i);
        self.push_front(i);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn evicts_least_recently_used() {
        let mut lru: Lru<Arc<[u8]>, i32> = Lru::new(2);
        lru.put(Arc::from(&b"a"[..]), 1);
        lru.put(Arc::from(&b"b"[..]), 2);
        assert_eq!(lru.get(&b"a"[..]), Some(&1)); // a is now most recent
        lru.put(Arc::from(&b"c"[..]), 3);
        assert_eq!(lru.get(&b"b"[..]), None);
        assert_eq!(lru.get(&b"a"[..]), Some(&1));
        assert_eq!(lru.get(&b"c"[..]), Some(&3));
        assert_eq!(lru.len(), 2);
        lru.put(Arc::from(&b"c"[..]), 4);
        assert_eq!(lru.get(&b"c"[..]), Some(&4));
        assert_eq!(lru.len(), 2);
    }

    #[test]
    fn zero_or_negative_capacity_caches_nothing() {
        for cap in [0, -1] {
            let mut lru: Lru<Arc<[u8]>, i32> = Lru::new(cap);
            lru.put(Arc::from(&b"a"[..]), 1);
            assert_eq!(lru.get(&b"a"[..]), None);
        }
    }

    #[test]
    fn hasher_separates_lengths_and_contents() {
        let h = |b: &[u8]| {
            let mut s = FastHasher::default();
            s.write(b);
            s.finish()
        };
        assert_ne!(h(b"abc"), h(b"abd"));
        assert_ne!(h(b"a"), h(b"a\0"));
        assert_ne!(h(b"12345678"), h(b"123456789"));
    }
}
