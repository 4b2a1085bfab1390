// The JS half of the WebAssembly boundary (src/wasm/facade.rs). Inputs: JSON text as UTF-8 bytes.
// Results: rebuilds a plain JS value from the tape written by src/wasm/tape.rs (the layout is documented there).
// The result is deep-equal to JSON.parse of the same value's JSON text, about five times faster for a
// large report: numbers arrive as float64 (no decimal parsing), strings and object shapes once each.
// The arrays are views into WebAssembly memory, valid only during this synchronous call.

const encoder = new TextEncoder();

/** A request (object, or JSON text as it is) as UTF-8 bytes of JSON text; null if not JSON-able. */
// A number JSON cannot carry (NaN, ±Infinity) becomes this marker and its name, which the Rust
// readers report as BAD_NUMBER at its path (src/input/json.rs, NON_FINITE_MARK), instead of the
// `null` of JSON.stringify that reads as absent. `undefined` stays absent, as in JSON.stringify.
const NON_FINITE = "\u0000non-finite:";
const replacer = (_key, v) => (typeof v === "number" && !Number.isFinite(v) ? NON_FINITE + String(v) : v);

export function jsonUtf8(value) {
  const text = typeof value === "string" ? value : JSON.stringify(value, replacer);
  return typeof text === "string" ? encoder.encode(text) : null;
}

const NULL = 0, FALSE = 1, TRUE = 2, NUMBER = 3, STRING = 4, ARRAY = 5, OBJECT = 6;

// the walk's state (a walk is synchronous; a lazy field's walk saves and restores it)
let ops, nums, strings, shapes, hasProto, op, num;
// op index of an array with a span -> [ops end, nums end] (src/wasm/tape.rs, `spans`); null inside
// a lazy field's walk (its arrays are read at once)
let spans = null;

/**
 * The field `key` of `obj` as an accessor that rebuilds the array spanning `ops[op..opsEnd)` and
 * `nums[num..numsEnd)` on first read and then becomes a plain data property. The slices are
 * copied: the tape's arrays are views into WebAssembly memory, valid only during the decode.
 */
function lazyField(obj, key, opsEnd, numsEnd) {
  const lazyOps = ops.slice(op, opsEnd), lazyNums = nums.slice(num, numsEnd);
  const lazyStrings = strings, lazyShapes = shapes, lazyProto = hasProto;
  op = opsEnd;
  num = numsEnd;
  Object.defineProperty(obj, key, {
    enumerable: true,
    configurable: true,
    get() {
      const saved = [ops, nums, strings, shapes, hasProto, op, num, spans];
      ops = lazyOps; nums = lazyNums; strings = lazyStrings; shapes = lazyShapes; hasProto = lazyProto;
      op = 0; num = 0; spans = null;
      let v;
      try {
        v = value();
      } finally {
        [ops, nums, strings, shapes, hasProto, op, num, spans] = saved;
      }
      Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
      return v;
    },
    set(v) {
      Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
    },
  });
}

function value() {
  const code = ops[op++];
  if (code === NUMBER) return nums[num++];
  if (code === OBJECT) {
    const shape = ops[op++];
    const keys = shapes[shape];
    const obj = {};
    if (hasProto[shape]) {
      // a key "__proto__" must become an own property, as JSON.parse makes it
      for (let j = 0; j < keys.length; j++) {
        Object.defineProperty(obj, keys[j], { value: value(), enumerable: true, writable: true, configurable: true });
      }
    } else if (spans !== null) {
      for (let j = 0; j < keys.length; j++) {
        const span = ops[op] === ARRAY ? spans.get(op) : undefined;
        if (span === undefined) obj[keys[j]] = value();
        else lazyField(obj, keys[j], span[0], span[1]);
      }
    } else {
      for (let j = 0; j < keys.length; j++) obj[keys[j]] = value();
    }
    return obj;
  }
  if (code === STRING) return strings[ops[op++]];
  if (code === ARRAY) {
    const len = ops[op++];
    const arr = new Array(len);
    for (let j = 0; j < len; j++) arr[j] = value();
    return arr;
  }
  if (code === NULL) return null;
  if (code === FALSE) return false;
  if (code === TRUE) return true;
  throw new Error(`portfolio-margin: corrupt result tape (op ${code})`);
}

/**
 * A shape's keys as V8 hands them back from an object built with them: stores through these are about
 * twice as fast as through the strings sliced from `text` (measured: 0.68 vs 1.35 ms for a
 * 1 000-position report), though both are internalized. Integer-like keys come back in another order;
 * then the keys are kept as they are.
 */
function ownKeys(keys) {
  const back = Object.keys(Object.fromEntries(keys.map((k) => [k, 0])));
  return back.length === keys.length && back.every((k, j) => k === keys[j]) ? back : keys;
}

/**
 * @param {Uint32Array} tapeOps
 * @param {Float64Array} tapeNums
 * @param {string} text
 * @param {Uint32Array} stringEnds UTF-16 end offset of each string in `text`
 * @param {Uint32Array} shapeTable `len key-ids…` per object shape
 * @param {Uint32Array} [spanTable] `(op, ops end, nums end)` of every large array, read lazily as a field
 */
export function decodeTape(tapeOps, tapeNums, text, stringEnds, shapeTable, spanTable) {
  strings = new Array(stringEnds.length);
  let start = 0;
  for (let i = 0; i < stringEnds.length; i++) {
    strings[i] = text.slice(start, stringEnds[i]);
    start = stringEnds[i];
  }
  shapes = [];
  hasProto = [];
  for (let i = 0; i < shapeTable.length; ) {
    const len = shapeTable[i++];
    const keys = new Array(len);
    let proto = false;
    for (let j = 0; j < len; j++) {
      keys[j] = strings[shapeTable[i++]];
      if (keys[j] === "__proto__") proto = true;
    }
    shapes.push(proto ? keys : ownKeys(keys));
    hasProto.push(proto);
  }
  spans = null;
  if (spanTable && spanTable.length) {
    spans = new Map();
    for (let i = 0; i + 2 < spanTable.length; i += 3) spans.set(spanTable[i], [spanTable[i + 1], spanTable[i + 2]]);
  }
  ops = tapeOps;
  nums = tapeNums;
  op = 0;
  num = 0;
  try {
    return value();
  } finally {
    ops = nums = strings = shapes = hasProto = spans = undefined;
  }
}
