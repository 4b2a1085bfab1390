//! Map building without `FromIterator`, and a small table of distinct fixed-size keys.
//!
//! `BTreeMap: FromIterator` sorts its input with the standard library's stable sort, and each key
//! and value type gets its own copy of that sort (about 6 KB of WebAssembly apiece, before
//! compression). Inserting one pair at a time uses the map's own code, already present, and keeps
//! the same result: pairs in key order, the last value of a repeated key.
use std::collections::BTreeMap;

/// `.collect_map()` on any iterator of pairs.
pub trait CollectMap<K: Ord, V>: Iterator<Item = (K, V)> + Sized {
    fn collect_map(self) -> BTreeMap<K, V> {
        let mut map = BTreeMap::new();
        for (k, v) in self {
            map.insert(k, v);
        }
        map
    }
}

impl<K: Ord, V, I: Iterator<Item = (K, V)>> CollectMap<K, V> for I {}

/// `collect::<Result<BTreeMap<_, _>, _>>()`, stopping at the first error.
pub fn try_collect_map<K: Ord, V, E>(
    pairs: impl IntoIterator<Item = Result<(K, V), E>>,
) -> Result<BTreeMap<K, V>, E> {
    let mut map = BTreeMap::new();
    for pair in pairs {
        let (k, v) = pair?;
        map.insert(k, v);
    }
    Ok(map)
}

/// The distinct keys of a sequence, each given the index of its first appearance: open
/// addressing with linear probing, FxHash's multiply-rotate over the words. The margin sweep's
/// netting (`crate::margin::netting`) and the Monte Carlo grid's (`crate::risk::montecarlo`) key
/// by the bits of pricing inputs; std's `HashMap` was measured at +2.3 KB of WebAssembly.
pub struct KeyTable<const N: usize> {
    /// 1 + the index of a key, or 0 for empty.
    slots: Vec<u32>,
    keys: Vec<[u64; N]>,
}

impl<const N: usize> KeyTable<N> {
    /// A table for up to `n` distinct keys (a load factor of at most 1/2).
    pub fn new(n: usize) -> Self {
        KeyTable {
            slots: vec![0; (2 * n).next_power_of_two().max(2)],
            keys: Vec::new(),
        }
    }

    /// The index of `key` and whether it was there before; a new key is added with the next
    /// index. Past `n` keys a new one may take over an occupied slot: that key then reads as new
    /// again (a later index), never as another key's.
    pub fn index(&mut self, key: &[u64; N]) -> (usize, bool) {
        let mask = self.slots.len() - 1;
        let h = key.iter().fold(0u64, |h, w| {
            (h.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
        });
        let mut slot = (h >> 32) as usize & mask;
        for _ in 0..self.slots.len() {
            match self.slots[slot] as usize {
                0 => break,
                at if self.keys[at - 1] == *key => return (at - 1, true),
                _ => slot = (slot + 1) & mask,
            }
        }
        self.keys.push(*key);
        self.slots[slot] = self.keys.len() as u32;
        (self.keys.len() - 1, false)
    }

    /// Distinct keys so far.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_as_collect_with_repeated_keys() {
        let pairs = [(3, "c"), (1, "a"), (3, "z"), (2, "b")];
        let ours = pairs.iter().copied().collect_map();
        let std: BTreeMap<_, _> = pairs.iter().copied().collect();
        assert_eq!(ours, std);
        assert_eq!(ours[&3], "z");
        let err: Result<BTreeMap<i32, i32>, &str> =
            try_collect_map([Ok((1, 1)), Err("bad"), Ok((2, 2))]);
        assert_eq!(err, Err("bad"));
    }

    #[test]
    fn key_table_indexes_first_appearances_even_when_full() {
        let mut t = KeyTable::<2>::new(3);
        assert_eq!(t.index(&[1, 2]), (0, false));
        assert_eq!(t.index(&[2, 1]), (1, false));
        assert_eq!(t.index(&[1, 2]), (0, true));
        // more keys than it was sized for: never another key's index, never a hang
        for k in 0..40u64 {
            let (i, _) = t.index(&[k, 7]);
            assert_eq!(t.index(&[k, 7]).0, i);
        }
        // an early key may have lost its slot: then it reads as new, never as another key
        match t.index(&[2, 1]) {
            (i, true) => assert_eq!(i, 1),
            (i, false) => assert!(i >= 42),
        }
    }
}
