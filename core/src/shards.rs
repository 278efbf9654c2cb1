//! A hash table split into independently locked shards, hashing each key
//! once.
//!
//! The transaction table (tm) and the location table (usrloc) are read or
//! written by nearly every message. With a `Mutex<HashMap>` per shard a
//! lookup hashed its key twice — once to pick the shard, once inside the
//! shard's map. Here one keyed SipHash (std's `RandomState`: random per
//! process, so a remote party cannot aim its Call-IDs or branches at one
//! bucket) picks the shard and is reused inside the shard's table.
//!
//! Entries carry their own key ([`Keyed`]), so a record whose key is one
//! of its fields (an AoR's record) is not stored with a second copy of it.

use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::{Mutex, MutexGuard};

use hashbrown::HashTable;

/// An entry that knows its key.
pub trait Keyed {
    type Key: ?Sized + Hash + Eq;
    fn key(&self) -> &Self::Key;
}

impl<V> Keyed for (String, V) {
    type Key = str;
    fn key(&self) -> &str {
        &self.0
    }
}

impl<V> Keyed for (u64, V) {
    type Key = u64;
    fn key(&self) -> &u64 {
        &self.0
    }
}

pub struct Sharded<T> {
    state: RandomState,
    shards: Box<[Mutex<HashTable<T>>]>,
}

/// One locked shard, positioned on one key's hash.
pub struct Slot<'a, T: Keyed> {
    table: MutexGuard<'a, HashTable<T>>,
    hash: u64,
    state: &'a RandomState,
}

/// A shard's lock outlives a panic in another thread: the table is left
/// as the panicking thread left it, which is still a valid table.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<T: Keyed> Sharded<T> {
    pub fn new(shards: usize) -> Self {
        Sharded { state: RandomState::new(), shards: (0..shards.max(1)).map(|_| Mutex::new(HashTable::new())).collect() }
    }

    /// Lock the shard of `key`.
    pub fn lock(&self, key: &T::Key) -> Slot<'_, T> {
        let hash = self.state.hash_one(key);
        // The table uses the low bits (bucket) and the top 7 (tag) of
        // the hash: the shard is picked from bits in between, so the
        // entries of one shard still spread over its buckets.
        let i = (hash >> 32) as usize % self.shards.len();
        Slot { table: lock(&self.shards[i]), hash, state: &self.state }
    }

    /// Every shard, locked one after the other (for purges, dumps, counts).
    pub fn each_shard(&self, mut f: impl FnMut(&mut HashTable<T>)) {
        for s in self.shards.iter() {
            f(&mut lock(s));
        }
    }

    /// Entries in all shards.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T: Keyed> Slot<'_, T> {
    pub fn get(&self, key: &T::Key) -> Option<&T> {
        self.table.find(self.hash, |e| e.key() == key)
    }

    pub fn get_mut(&mut self, key: &T::Key) -> Option<&mut T> {
        self.table.find_mut(self.hash, |e| e.key() == key)
    }

    /// Add an entry for the locked key, which the caller found absent.
    pub fn insert_new(&mut self, entry: T) {
        debug_assert_eq!(self.state.hash_one(entry.key()), self.hash, "entry of another key");
        let state = self.state;
        self.table.insert_unique(self.hash, entry, |e| state.hash_one(e.key()));
    }

    pub fn remove(&mut self, key: &T::Key) -> Option<T> {
        self.table.find_entry(self.hash, |e| e.key() == key).ok().map(|e| e.remove().0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_find_remove_across_shards_and_growth() {
        let m: Sharded<(String, u32)> = Sharded::new(8);
        for i in 0..5000u32 {
            let k = format!("key-{i}");
            let mut s = m.lock(&k);
            assert!(s.get(&k).is_none());
            s.insert_new((k.clone(), i));
        }
        assert_eq!(m.len(), 5000);
        for i in (0..5000u32).step_by(7) {
            let k = format!("key-{i}");
            assert_eq!(m.lock(&k).get(&k).map(|e| e.1), Some(i));
            m.lock(&k).get_mut(&k).unwrap().1 += 1;
            assert_eq!(m.lock(&k).remove(&k).map(|e| e.1), Some(i + 1));
            assert!(m.lock(&k).get(&k).is_none());
        }
        assert_eq!(m.len(), 5000 - 715);
        let mut per_shard = Vec::new();
        m.each_shard(|t| per_shard.push(t.len()));
        assert_eq!(per_shard.len(), 8);
        assert!(per_shard.iter().all(|&n| n > 300), "keys spread over the shards: {per_shard:?}");
        assert!(m.lock("absent").remove("absent").is_none());
    }

    #[test]
    fn integer_keys() {
        let m: Sharded<(u64, &str)> = Sharded::new(4);
        m.lock(&7).insert_new((7, "seven"));
        assert_eq!(m.lock(&7).get(&7).map(|e| e.1), Some("seven"));
        assert!(m.lock(&8).get(&8).is_none());
    }
}
