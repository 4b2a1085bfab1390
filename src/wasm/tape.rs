//! A compact, typed encoding of any `Serialize` value for handing results to JavaScript fast.
//!
//! Why: a 1 000-position report is about 1 MB of JSON. Writing it costs the core ~1.6 ms in
//! WebAssembly and `JSON.parse` another ~3.4 ms in V8, twice the computation itself. The tape carries
//! the same value as flat arrays that cross the boundary without copying: numbers as `f64` (no decimal
//! formatting or parsing), every distinct string and every distinct object shape (key sequence) once.
//! `src/wasm/tape.js` rebuilds the plain JS value; it is deep-equal to `JSON.parse` of the JSON text
//! (`serde_json` rules: `None` and `()` become `null`, enum variants are externally tagged, map keys
//! are strings), which the tests check on every golden report.
//!
//! NaN and Infinity are refused, as by every writer of results (`report::finite`): the number path
//! checks each `f64` with one comparison, and a failure names its JSON path in the `NUMERIC` error,
//! each array and object adding its index or key as the error unwinds (so the happy path pays
//! nothing, and the guard's separate walk is not needed in the wasm). (serde_json's text-kept
//! numbers are finite as read; their digits are checked all the same, like the guard checks them.)
//!
//! Layout:
//! - `ops`: the value in prefix order. `NULL`, `FALSE`, `TRUE`, `NUMBER` (next of `nums`),
//!   `STRING id`, `ARRAY len items…`, `OBJECT shape values…`.
//! - `nums`: numbers in order of appearance.
//! - `text` + `string_ends`: the string table, `string_ends[i]` being the UTF-16 end offset of
//!   string `i` in `text` (JS string offsets).
//! - `shapes`: `len key-ids…` per shape, shape `i` being the `i`-th such group.
//! - `spans`: `(op, ops end, nums end)` for every array of at least [`LAZY_MIN`] items, the
//!   array's `ARRAY` at `ops[op]` and its items ending before `ops[ops end]` and `nums[nums end]`.
//!   The decoder leaves such an array unread when it is an object's field and reads it on first
//!   access (the 1 000 positions of a report cost as much to rebuild as the rest of it).

use crate::error::Error;
use serde::ser::{self, Serialize};
use std::fmt;

pub const NULL: u32 = 0;
pub const FALSE: u32 = 1;
pub const TRUE: u32 = 2;
pub const NUMBER: u32 = 3;
pub const STRING: u32 = 4;
pub const ARRAY: u32 = 5;
pub const OBJECT: u32 = 6;

/// serde_json's private marker for numbers kept as text (`arbitrary_precision`).
const JSON_NUMBER_TOKEN: &str = "$serde_json::private::Number";

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Tape {
    pub ops: Vec<u32>,
    pub nums: Vec<f64>,
    pub text: String,
    pub string_ends: Vec<u32>,
    pub shapes: Vec<u32>,
    pub spans: Vec<u32>,
}

/// Arrays of at least this many items get a span (see the layout above).
pub const LAZY_MIN: u32 = 64;

/// Why writing or reading a tape failed: a non-finite number (no message) at a path whose
/// segments are collected innermost first while the error unwinds, or a message. Boxed: the
/// writer's `Result` is one word, which keeps the code of every `Serialize` impl it runs small.
#[derive(Debug)]
pub struct TapeError(Box<TapeFailure>);

#[derive(Debug)]
struct TapeFailure {
    path: Vec<String>,
    message: Option<String>,
}

impl fmt::Display for TapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            self.0
                .message
                .as_deref()
                .unwrap_or("a number is not finite"),
        )
    }
}

impl std::error::Error for TapeError {}

impl ser::Error for TapeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        TapeError::message(msg.to_string())
    }
}

impl TapeError {
    #[cold]
    #[inline(never)]
    fn not_finite() -> TapeError {
        TapeError(Box::new(TapeFailure {
            path: Vec::new(),
            message: None,
        }))
    }

    #[cold]
    #[inline(never)]
    fn message(msg: String) -> TapeError {
        TapeError(Box::new(TapeFailure {
            path: Vec::new(),
            message: Some(msg),
        }))
    }

    /// The error passing out of element `index` of an array.
    #[cold]
    #[inline(never)]
    fn at_index(mut self, index: u32) -> TapeError {
        if self.0.message.is_none() {
            self.0.path.push(format!("[{index}]"));
        }
        self
    }

    /// The error passing out of the content of the variant `name`.
    #[cold]
    #[inline(never)]
    fn at_name(mut self, name: &str) -> TapeError {
        if self.0.message.is_none() {
            self.0.path.push(format!(".{name}"));
        }
        self
    }

    /// The error passing out of the value of the last key of an object in `state`.
    #[cold]
    #[inline(never)]
    fn at_key(mut self, w: &Writer, state: u32) -> TapeError {
        if self.0.message.is_none() {
            let key = w
                .states
                .get(state as usize)
                .and_then(|st| w.string_spans.get(st.key as usize))
                .and_then(|(from, to, _)| w.tape.text.get(*from as usize..*to as usize))
                .unwrap_or_default();
            self.0.path.push(format!(".{key}"));
        }
        self
    }

    fn into_error(self) -> Error {
        let TapeFailure { path, message } = *self.0;
        crate::report::finite::writer_error(&path, message)
    }
}

fn tape_error(msg: &str) -> TapeError {
    TapeError::message(msg.into())
}

type Res<T = ()> = std::result::Result<T, TapeError>;

/// Encode a value. A NaN or Infinity anywhere in it is `NUMERIC`, naming its JSON path (in the
/// syntax of `report::finite`, whose walk the native writers use).
pub fn to_tape<T: Serialize + ?Sized>(value: &T) -> crate::error::Result<Tape> {
    let mut w = Writer::new();
    match value.serialize(&mut w) {
        Ok(()) => Ok(w.tape),
        Err(e) => Err(e.into_error()),
    }
}

/// FxHash's step (rustc's hasher): the tables hold short keys written by the engine itself, so a
/// fast non-keyed hash fits (SipHash made interning a fifth of the report's time in WebAssembly).
fn fx(hash: u64, word: u64) -> u64 {
    (hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

fn hash_str(s: &str) -> u64 {
    let mut h = fx(0, s.len() as u64);
    let mut chunks = s.as_bytes().chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = fx(h, u64::from_le_bytes(w));
    }
    let rest = chunks.remainder();
    let mut w = [0u8; 8];
    w[..rest.len()].copy_from_slice(rest);
    fx(h, u64::from_le_bytes(w))
}

/// An open-addressing index of ids `0..n` whose keys live elsewhere (the string table, the shape
/// states): slots hold `id + 1`, 0 for empty; kept at most half full. Small and without the code
/// size of a general hash map, which the wasm budget feels. The slot count is a power of two.
struct IdIndex {
    slots: Vec<u32>,
    len: usize,
}

impl IdIndex {
    fn new() -> IdIndex {
        IdIndex {
            slots: vec![0; 64],
            len: 0,
        }
    }

    /// The id whose key `is` the one sought, or `None` and the slot where it belongs.
    fn find(&self, hash: u64, is: impl Fn(u32) -> bool) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let mut i = (hash >> 32) as usize & mask;
        loop {
            match self.slots[i] {
                0 => return Err(i),
                slot if is(slot - 1) => return Ok(slot - 1),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Put `id` in `slot` (from `find`); `hash_of` gives any stored id's hash, for growing.
    fn insert(&mut self, slot: usize, id: u32, hash_of: impl Fn(u32) -> u64) {
        self.slots[slot] = id + 1;
        self.len += 1;
        if self.len * 2 > self.slots.len() {
            let grown = vec![0; self.slots.len() * 2];
            let old = std::mem::replace(&mut self.slots, grown);
            let mask = self.slots.len() - 1;
            for slot in old.into_iter().filter(|&s| s != 0) {
                let mut i = (hash_of(slot - 1) >> 32) as usize & mask;
                while self.slots[i] != 0 {
                    i = (i + 1) & mask;
                }
                self.slots[i] = slot;
            }
        }
    }
}

struct ShapeState {
    parent: u32,
    key: u32,
    /// the id in `tape.shapes`, once an object of this shape is written
    shape: Option<u32>,
}

const FIELD_CACHE: usize = 256;

struct Writer {
    tape: Tape,
    utf16_len: u32,
    /// byte span in `tape.text` and hash of each string
    string_spans: Vec<(u32, u32, u64)>,
    string_index: IdIndex,
    /// struct field names by address (see `Compound::field`): a direct-mapped cache
    field_cache: Vec<(usize, usize, u32)>,
    /// object shapes as a tree of key sequences (V8's hidden classes): state 0 is `{}`, and
    /// `transitions[(state, key)]` the state after adding `key`
    states: Vec<ShapeState>,
    transitions: IdIndex,
    shape_count: u32,
}

impl Writer {
    #[inline(never)]
    fn string_id(&mut self, s: &str) -> u32 {
        let hash = hash_str(s);
        let (spans, text) = (&self.string_spans, &self.tape.text);
        let slot = match self.string_index.find(hash, |id| {
            let (from, to, h) = spans[id as usize];
            h == hash && text.as_bytes()[from as usize..to as usize] == *s.as_bytes()
        }) {
            Ok(id) => return id,
            Err(slot) => slot,
        };
        let id = self.tape.string_ends.len() as u32;
        let from = self.tape.text.len() as u32;
        self.tape.text.push_str(s);
        self.string_spans
            .push((from, self.tape.text.len() as u32, hash));
        self.utf16_len += if s.is_ascii() {
            s.len() as u32
        } else {
            s.encode_utf16().count() as u32
        };
        self.tape.string_ends.push(self.utf16_len);
        let spans = &self.string_spans;
        self.string_index
            .insert(slot, id, |id| spans[id as usize].2);
        id
    }

    fn new() -> Writer {
        Writer {
            tape: Tape::default(),
            utf16_len: 0,
            string_spans: Vec::new(),
            string_index: IdIndex::new(),
            field_cache: vec![(0, 0, 0); FIELD_CACHE],
            states: vec![ShapeState {
                parent: 0,
                key: 0,
                shape: None,
            }],
            transitions: IdIndex::new(),
            shape_count: 0,
        }
    }

    /// The state after adding `key` to an object in `state`.
    fn add_key(&mut self, state: u32, key: u32) -> u32 {
        let transition_hash = |parent: u32, key: u32| fx(fx(0, parent.into()), key.into());
        let states = &self.states;
        let slot = match self.transitions.find(transition_hash(state, key), |id| {
            let st = &states[id as usize];
            st.parent == state && st.key == key
        }) {
            Ok(id) => return id,
            Err(slot) => slot,
        };
        let id = self.states.len() as u32;
        self.states.push(ShapeState {
            parent: state,
            key,
            shape: None,
        });
        let states = &self.states;
        self.transitions.insert(slot, id, |id| {
            let st = &states[id as usize];
            transition_hash(st.parent, st.key)
        });
        id
    }

    /// The shape id of an object in `state`, emitting the shape on first use.
    #[inline(never)]
    fn shape_id(&mut self, state: u32) -> u32 {
        if let Some(id) = self.states[state as usize].shape {
            return id;
        }
        let mut keys = Vec::new();
        let mut at = state;
        while at != 0 {
            let st = &self.states[at as usize];
            keys.push(st.key);
            at = st.parent;
        }
        keys.reverse();
        let id = self.shape_count;
        self.shape_count += 1;
        self.tape.shapes.push(keys.len() as u32);
        self.tape.shapes.extend_from_slice(&keys);
        self.states[state as usize].shape = Some(id);
        id
    }

    /// A number; NaN and Infinity are refused (the one comparison of the finite guard here).
    #[inline(never)]
    fn number(&mut self, v: f64) -> Res {
        if !v.is_finite() {
            return Err(TapeError::not_finite());
        }
        self.tape.ops.push(NUMBER);
        // zeros unsigned, as in the JSON report (crate::api::to_json)
        self.tape.nums.push(if v == 0.0 { 0.0 } else { v });
        Ok(())
    }

    #[inline(never)]
    fn string(&mut self, s: &str) {
        let id = self.string_id(s);
        self.tape.ops.extend_from_slice(&[STRING, id]);
    }

    /// `{ variant: … }`: the one-key object wrapping a tagged enum variant's content.
    fn variant_wrapper(&mut self, variant: &str) {
        let key = self.string_id(variant);
        let state = self.add_key(0, key);
        let shape = self.shape_id(state);
        self.tape.ops.extend_from_slice(&[OBJECT, shape]);
    }

    #[inline(never)]
    fn open_array(&mut self) -> Compound<'_> {
        self.tape.ops.extend_from_slice(&[ARRAY, 0]);
        let slot = self.tape.ops.len() - 1;
        Compound::Array {
            slot,
            count: 0,
            w: self,
        }
    }

    #[inline(never)]
    fn open_object(&mut self) -> Compound<'_> {
        self.tape.ops.extend_from_slice(&[OBJECT, 0]);
        let slot = self.tape.ops.len() - 1;
        Compound::Object {
            slot,
            state: 0,
            w: self,
        }
    }
}

enum Compound<'a> {
    Array {
        w: &'a mut Writer,
        slot: usize,
        count: u32,
    },
    Object {
        w: &'a mut Writer,
        slot: usize,
        /// the shape so far (see `Writer::states`)
        state: u32,
    },
    /// serde_json's text-kept number: one field holding the digits
    Number { w: &'a mut Writer },
}

impl Compound<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        match self {
            Compound::Array { w, count, .. } => {
                *count += 1;
                let index = *count - 1;
                value.serialize(&mut **w).map_err(|e| e.at_index(index))
            }
            _ => Err(tape_error("internal: element outside an array")),
        }
    }

    /// A struct field name: looked up by its address (field names are `'static`) in a direct-mapped
    /// cache, without hashing its text.
    #[inline(never)]
    fn field(&mut self, key: &'static str) -> Res {
        match self {
            Compound::Object { w, state, .. } => {
                let (addr, len) = (key.as_ptr() as usize, key.len());
                let slot = (addr >> 2 ^ addr >> 10 ^ len) % FIELD_CACHE;
                let cached = w.field_cache[slot];
                let id = if cached.0 == addr && cached.1 == len {
                    cached.2
                } else {
                    let id = w.string_id(key);
                    w.field_cache[slot] = (addr, len, id);
                    id
                };
                *state = w.add_key(*state, id);
                Ok(())
            }
            _ => Err(tape_error("internal: key outside an object")),
        }
    }

    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Res {
        match self {
            Compound::Object { w, state, .. } => {
                // map keys become strings, as in JSON (serde_json's rule: strings, numbers, booleans)
                let id = match key_value(key)? {
                    serde_json::Value::String(k) => w.string_id(&k),
                    serde_json::Value::Number(n) => w.string_id(&n.to_string()),
                    serde_json::Value::Bool(b) => w.string_id(if b { "true" } else { "false" }),
                    _ => return Err(tape_error("map keys must be strings, numbers or booleans")),
                };
                *state = w.add_key(*state, id);
                Ok(())
            }
            _ => Err(tape_error("internal: key outside an object")),
        }
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        match self {
            Compound::Object { w, state, .. } => {
                let state = *state;
                value.serialize(&mut **w).map_err(|e| e.at_key(w, state))
            }
            Compound::Number { w } => {
                let digits = value.serialize(DigitsSerializer)?;
                let v: f64 = digits
                    .parse()
                    .map_err(|_| TapeError::message(format!("not a number: {digits}")))?;
                w.number(v)
            }
            _ => Err(tape_error("internal: value outside an object")),
        }
    }

    #[inline(never)]
    fn finish(self) -> Res {
        match self {
            Compound::Array { w, slot, count } => {
                w.tape.ops[slot] = count;
                if count >= LAZY_MIN {
                    let (ops_end, nums_end) = (w.tape.ops.len() as u32, w.tape.nums.len() as u32);
                    w.tape
                        .spans
                        .extend_from_slice(&[slot as u32 - 1, ops_end, nums_end]);
                }
            }
            Compound::Object { w, slot, state } => {
                let shape = w.shape_id(state);
                w.tape.ops[slot] = shape;
            }
            Compound::Number { .. } => {}
        }
        Ok(())
    }
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = TapeError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Res {
        self.tape.ops.push(if v { TRUE } else { FALSE });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Res {
        self.serialize_f64(v as f64)
    }
    fn serialize_i16(self, v: i16) -> Res {
        self.serialize_f64(v as f64)
    }
    fn serialize_i32(self, v: i32) -> Res {
        self.serialize_f64(v as f64)
    }
    fn serialize_i64(self, v: i64) -> Res {
        self.serialize_f64(v as f64)
    }
    fn serialize_u8(self, v: u8) -> Res {
        self.serialize_f64(v as f64)
    }
    fn serialize_u16(self, v: u16) -> Res {
        self.serialize_f64(v as f64)
    }
    fn serialize_u32(self, v: u32) -> Res {
        self.serialize_f64(v as f64)
    }
    fn serialize_u64(self, v: u64) -> Res {
        self.serialize_f64(v as f64)
    }
    fn serialize_f32(self, v: f32) -> Res {
        self.serialize_f64(v as f64)
    }
    fn serialize_f64(self, v: f64) -> Res {
        self.number(v)
    }
    fn serialize_char(self, v: char) -> Res {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Res {
        self.string(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Res {
        self.tape.ops.extend_from_slice(&[ARRAY, v.len() as u32]);
        for b in v {
            self.number(*b as f64)?;
        }
        Ok(())
    }
    fn serialize_none(self) -> Res {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Res {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Res {
        self.tape.ops.push(NULL);
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Res {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _name: &'static str, _i: u32, variant: &'static str) -> Res {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Res {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        value: &T,
    ) -> Res {
        self.variant_wrapper(variant);
        value.serialize(self).map_err(|e| e.at_name(variant))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Res<Compound<'a>> {
        Ok(self.open_array())
    }
    fn serialize_tuple(self, _len: usize) -> Res<Compound<'a>> {
        Ok(self.open_array())
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Res<Compound<'a>> {
        Ok(self.open_array())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Res<Compound<'a>> {
        self.variant_wrapper(variant);
        Ok(self.open_array())
    }
    fn serialize_map(self, _len: Option<usize>) -> Res<Compound<'a>> {
        Ok(self.open_object())
    }
    fn serialize_struct(self, name: &'static str, _len: usize) -> Res<Compound<'a>> {
        if name == JSON_NUMBER_TOKEN {
            return Ok(Compound::Number { w: self });
        }
        Ok(self.open_object())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Res<Compound<'a>> {
        self.variant_wrapper(variant);
        Ok(self.open_object())
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = TapeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        self.element(value)
    }
    fn end(self) -> Res {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = TapeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        self.element(value)
    }
    fn end(self) -> Res {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = TapeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        self.element(value)
    }
    fn end(self) -> Res {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = TapeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        self.element(value)
    }
    fn end(self) -> Res {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = TapeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Res {
        self.key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Res {
        self.value(value)
    }
    fn end(self) -> Res {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = TapeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Res {
        if let Compound::Number { .. } = self {
            return self.value(value);
        }
        self.field(key)?;
        self.value(value)
    }
    fn end(self) -> Res {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = TapeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Res {
        self.field(key)?;
        self.value(value)
    }
    fn end(self) -> Res {
        self.finish()
    }
}

/// A map key as serde_json sees it: few per report, so serde_json's own value serializer does
/// instead of another `Serializer` impl. (Not for values: `Compound::value` is generic over every
/// field type, and this would instantiate that serializer for all of them, +19 KB of wasm.)
fn key_value<T: Serialize + ?Sized>(key: &T) -> Res<serde_json::Value> {
    key.serialize(serde_json::value::Serializer)
        .map_err(|e| TapeError::message(e.to_string()))
}

/// The digits of a serde_json text-kept number (a string field).
struct DigitsSerializer;

macro_rules! not_digits {
    ($($f:ident: $t:ty),*) => {$(
        fn $f(self, _v: $t) -> Res<String> {
            Err(digits_error())
        }
    )*};
}

impl ser::Serializer for DigitsSerializer {
    type Ok = String;
    type Error = TapeError;
    type SerializeSeq = ser::Impossible<String, TapeError>;
    type SerializeTuple = ser::Impossible<String, TapeError>;
    type SerializeTupleStruct = ser::Impossible<String, TapeError>;
    type SerializeTupleVariant = ser::Impossible<String, TapeError>;
    type SerializeMap = ser::Impossible<String, TapeError>;
    type SerializeStruct = ser::Impossible<String, TapeError>;
    type SerializeStructVariant = ser::Impossible<String, TapeError>;

    fn serialize_str(self, v: &str) -> Res<String> {
        Ok(v.to_owned())
    }
    not_digits!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_f32: f32, serialize_f64: f64, serialize_char: char);
    fn serialize_bytes(self, _v: &[u8]) -> Res<String> {
        Err(digits_error())
    }
    fn serialize_none(self) -> Res<String> {
        Err(digits_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Res<String> {
        Err(digits_error())
    }
    fn serialize_unit(self) -> Res<String> {
        Err(digits_error())
    }
    fn serialize_unit_struct(self, _n: &'static str) -> Res<String> {
        Err(digits_error())
    }
    fn serialize_unit_variant(self, _n: &'static str, _i: u32, _v: &'static str) -> Res<String> {
        Err(digits_error())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _v: &T,
    ) -> Res<String> {
        Err(digits_error())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _value: &T,
    ) -> Res<String> {
        Err(digits_error())
    }
    fn serialize_seq(self, _l: Option<usize>) -> Res<Self::SerializeSeq> {
        Err(digits_error())
    }
    fn serialize_tuple(self, _l: usize) -> Res<Self::SerializeTuple> {
        Err(digits_error())
    }
    fn serialize_tuple_struct(
        self,
        _n: &'static str,
        _l: usize,
    ) -> Res<Self::SerializeTupleStruct> {
        Err(digits_error())
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _l: usize,
    ) -> Res<Self::SerializeTupleVariant> {
        Err(digits_error())
    }
    fn serialize_map(self, _l: Option<usize>) -> Res<Self::SerializeMap> {
        Err(digits_error())
    }
    fn serialize_struct(self, _n: &'static str, _l: usize) -> Res<Self::SerializeStruct> {
        Err(digits_error())
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _l: usize,
    ) -> Res<Self::SerializeStructVariant> {
        Err(digits_error())
    }
}

fn digits_error() -> TapeError {
    tape_error("internal: a JSON number without digits")
}

impl Tape {
    /// Rebuild the value as a `serde_json::Value` (the reference decoder; `src/wasm/tape.js` is the same
    /// walk in JavaScript). Numbers come back as `f64`.
    pub fn to_value(&self) -> Res<serde_json::Value> {
        let utf16: Vec<u16> = self.text.encode_utf16().collect();
        let mut strings = Vec::with_capacity(self.string_ends.len());
        let mut start = 0usize;
        for &end in &self.string_ends {
            let end = end as usize;
            let s = utf16
                .get(start..end)
                .ok_or_else(|| tape_error("string table out of range"))?;
            strings.push(String::from_utf16(s).map_err(|e| TapeError::message(e.to_string()))?);
            start = end;
        }
        let mut shapes = Vec::new();
        let mut i = 0;
        while i < self.shapes.len() {
            let len = self.shapes[i] as usize;
            let keys = self
                .shapes
                .get(i + 1..i + 1 + len)
                .ok_or_else(|| tape_error("shape table out of range"))?;
            shapes.push(keys.to_vec());
            i += 1 + len;
        }
        let mut reader = Reader {
            tape: self,
            strings: &strings,
            shapes: &shapes,
            op: 0,
            num: 0,
        };
        let value = reader.value()?;
        if reader.op != self.ops.len() || reader.num != self.nums.len() {
            return Err(tape_error("trailing data on the tape"));
        }
        Ok(value)
    }
}

struct Reader<'a> {
    tape: &'a Tape,
    strings: &'a [String],
    shapes: &'a [Vec<u32>],
    op: usize,
    num: usize,
}

impl Reader<'_> {
    fn next(&mut self) -> Res<u32> {
        let v = *self
            .tape
            .ops
            .get(self.op)
            .ok_or_else(|| tape_error("tape ends early"))?;
        self.op += 1;
        Ok(v)
    }

    fn string(&self, id: u32) -> Res<String> {
        self.strings
            .get(id as usize)
            .cloned()
            .ok_or_else(|| tape_error("string id out of range"))
    }

    fn value(&mut self) -> Res<serde_json::Value> {
        use serde_json::Value;
        Ok(match self.next()? {
            NULL => Value::Null,
            FALSE => Value::Bool(false),
            TRUE => Value::Bool(true),
            NUMBER => {
                let v = *self
                    .tape
                    .nums
                    .get(self.num)
                    .ok_or_else(|| tape_error("numbers end early"))?;
                self.num += 1;
                serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
            }
            STRING => {
                let id = self.next()?;
                Value::String(self.string(id)?)
            }
            ARRAY => {
                let len = self.next()?;
                let mut items = Vec::new();
                for _ in 0..len {
                    items.push(self.value()?);
                }
                Value::Array(items)
            }
            OBJECT => {
                let shape = self.next()? as usize;
                let keys = self
                    .shapes
                    .get(shape)
                    .ok_or_else(|| tape_error("shape id out of range"))?;
                let mut map = serde_json::Map::new();
                for &k in keys {
                    let key = self.string(k)?;
                    let v = self.value()?;
                    map.insert(key, v);
                }
                Value::Object(map)
            }
            op => return Err(TapeError::message(format!("unknown op {op}"))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;

    /// Numbers as f64 everywhere, so `1` and `1.0` compare equal (JS has one number type).
    fn normal(v: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::Number(n) => n
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number),
            Value::Array(a) => Value::Array(a.into_iter().map(normal).collect()),
            Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, normal(v))).collect()),
            v => v,
        }
    }

    fn same_as_json<T: Serialize>(v: &T) {
        // the JSON report's writer (unsigned zeros, like the tape)
        let via_json: serde_json::Value =
            serde_json::from_str(&crate::api::to_json(v).unwrap()).unwrap();
        let via_tape = to_tape(v).unwrap().to_value().unwrap();
        assert_eq!(normal(via_tape), normal(via_json));
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Sample {
        name: String,
        value_usd: f64,
        missing: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        kind: Kind,
        tagged: Vec<Tagged>,
        by_key: std::collections::BTreeMap<u32, bool>,
        #[serde(flatten)]
        extra: serde_json::Value,
        unit: (),
        pair: (i64, char),
    }

    #[derive(Serialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Option,
    }

    #[derive(Serialize)]
    enum Tagged {
        New(f64),
        Tuple(u8, u8),
        Struct { a: i32 },
    }

    #[test]
    fn any_value_reads_back_as_json_would() {
        same_as_json(&Sample {
            name: "BTC-27DEC26-100000-C é ✓ 𝄞 \"quoted\"".into(),
            value_usd: -1234.5678e-9,
            missing: None,
            skipped: None,
            kind: Kind::Option,
            tagged: vec![
                Tagged::New(1.5),
                Tagged::Tuple(1, 2),
                Tagged::Struct { a: -3 },
            ],
            by_key: [(1, true), (20, false)].into_iter().collect(),
            extra: json!({"flat": [1, 2.5, "x", null, {"deep": {"__proto__": 1}}], "big": 1e300}),
            unit: (),
            pair: (-7, 'z'),
        });
        same_as_json(&json!([]));
        same_as_json(&json!({}));
        same_as_json(&json!("only a string"));
        same_as_json(&-0.0f64);
    }

    #[test]
    fn strings_and_shapes_are_stored_once() {
        let rows: Vec<_> = (0..100)
            .map(|i| json!({"instrument": "BTC-PERPETUAL", "quantity": i}))
            .collect();
        let t = to_tape(&rows).unwrap();
        assert_eq!(t.string_ends.len(), 3);
        assert_eq!(t.shapes.len(), 3); // one shape of two keys
        assert_eq!(t.nums.len(), 100);
    }

    #[test]
    fn many_strings_and_shapes_survive_the_tables_growing() {
        // 5 000 distinct strings, 300 shapes sharing prefixes, repeated strings among them
        let rows: Vec<serde_json::Value> = (0..5000)
            .map(|i| {
                let mut row = serde_json::Map::new();
                for k in 0..(i % 300) % 7 + 1 {
                    row.insert(format!("k{}", (i % 300) * 7 + k), json!(format!("v{i}")));
                }
                row.insert("same".into(), json!("shared"));
                serde_json::Value::Object(row)
            })
            .collect();
        same_as_json(&rows);
    }

    #[test]
    fn a_non_finite_number_is_refused_with_its_path() {
        let e = to_tape(&(1u8, [("BTC", [Some(1.0), None, Some(f64::NAN)])])).unwrap_err();
        assert_eq!(e.code, crate::error::ErrorCode::Numeric);
        assert_eq!(e.path.as_deref(), Some("[1][0][1][2]"));
        assert_eq!(
            e.message,
            "[1][0][1][2] is not a finite number; check the inputs for extreme values"
        );
        let e = to_tape(&Tagged::New(f64::INFINITY)).unwrap_err();
        assert_eq!(e.path.as_deref(), Some("New"));
        // text-kept JSON numbers beyond f64 are refused too, like the guard refuses them
        let big: serde_json::Value = serde_json::from_str(r#"{"x": [1e400]}"#).unwrap();
        assert_eq!(to_tape(&big).unwrap_err().path.as_deref(), Some("x[0]"));
    }

    #[test]
    fn string_offsets_count_utf16_units() {
        let t = to_tape(&json!(["𝄞", "é", "a"])).unwrap();
        assert_eq!(t.string_ends, vec![2, 3, 4]);
    }
}
