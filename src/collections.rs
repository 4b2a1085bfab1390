//! Map building without `FromIterator`.
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
}
