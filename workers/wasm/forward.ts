// The forward pass as a WebAssembly SIMD kernel, in AssemblyScript. It computes what
// workers/forward.ts computes, four lanes at a time, in the memory it imports: a shared
// WebAssembly.Memory that holds the weights once for every worker, and a private scratch
// region for each.
//
// Layout of a network in memory, as the coordinator writes it (src/kernels/wasm-network.ts):
//   table: i32 depth, i32 activation, then per layer five i32: inputs, outputs, padded
//          outputs (a multiple of 8), weights pointer, biases pointer
//   W: (inputs, padded outputs) row-major f32, the padding columns zero
//   b: (padded outputs) f32, the padding zero
//
// Precision. The reference sums each x·W in float64; summing every term in float64 here
// would halve the lanes per instruction. So products and runs of CHUNK of them are summed in
// float32, four outputs per lane group, and each run's sum is added to a float64 total, which
// bounds the rounding error by that of CHUNK terms rather than of all of them. The sigmoid is
// computed in float32, softmax in float64. On the MNIST test and train splits the
// probabilities are within 7e-7 of the reference's (numpy's own float32 loop is within 6e-7),
// and no prediction differs.

const SIGMOID: i32 = 0;
const RELU: i32 = 1;
const HEADER: usize = 8;
const LAYER_FIELDS: usize = 20;
// float32 terms summed before their sum joins a float64 total: 16 keeps the kernel within
// 7e-7 of the reference on MNIST, where 32 reaches 1e-6
const CHUNK: i32 = 16;
const ROUNDING_MAGIC: f64 = 6755399441055744.0;
const ROUNDING_MAGIC_BITS: i64 = 0x4338000000000000;

// exp on two float64 lanes: 2^k · e^r with |r| ≤ ln2/2, e^r by its Taylor polynomial of
// degree 10 (relative error below 4e-13), 2^k built in the exponent bits. Inputs are
// clamped to ±700, far beyond where float32 results are 0, 1 or infinite anyway.
@inline
function exp2lanes(x: v128): v128 {
  x = f64x2.min(f64x2.max(x, f64x2.splat(-700.0)), f64x2.splat(700.0));
  const k = f64x2.nearest(f64x2.mul(x, f64x2.splat(1.4426950408889634)));
  let r = f64x2.sub(x, f64x2.mul(k, f64x2.splat(0.6931471803691238)));
  r = f64x2.sub(r, f64x2.mul(k, f64x2.splat(1.9082149292705877e-10)));

  let p = f64x2.splat(1.0 / 3628800.0);
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 362880.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 40320.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 5040.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 720.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 120.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 24.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0 / 6.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(0.5));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1.0));

  // 2^k as a float64: k + 1023 in the exponent bits. Adding 1.5·2^52 puts the integer k in
  // the low bits of the sum's representation, which saves converting lane by lane.
  const shifted = f64x2.add(k, f64x2.splat(ROUNDING_MAGIC));
  const scale = i64x2.shl(i64x2.sub(shifted, i64x2.splat(ROUNDING_MAGIC_BITS - 1023)), 52);
  return f64x2.mul(p, scale);
}

// Writes the non-zero values of x (n floats) at `values`, and the byte offsets of their
// rows of W (`rowBytes` long) at `rows`; returns how many there are. Zero inputs add nothing
// to any sum.
@inline
function gatherNonZero(x: usize, n: i32, rowBytes: usize, rows: usize, values: usize): i32 {
  let count = 0;
  for (let i = 0; i < n; i++) {
    const value = load<f32>(x + (<usize>i << 2));
    if (value == 0) continue;
    store<u32>(rows + (<usize>count << 2), <u32>(<usize>i * rowBytes));
    store<f32>(values + (<usize>count << 2), value);
    count++;
  }
  return count;
}

// The first layer's non-zero inputs straight from the pixels: a pixel p becomes float32(p) /
// 255 exactly as numpy computes it, read from a table of the 256 values. Sixteen pixels are
// tested at once, and only the set bits of their non-zero mask visited.
@inline
function gatherPixels(source: usize, n: i32, rowBytes: usize, pixelValues: usize, rows: usize,
  values: usize): i32 {
  let count = 0;
  let start = 0;
  for (; start + 16 <= n; start += 16) {
    let mask = i8x16.bitmask(i8x16.ne(v128.load(source + start), i8x16.splat(0)));
    while (mask != 0) {
      const i = start + ctz(mask);
      mask &= mask - 1;
      store<u32>(rows + (<usize>count << 2), <u32>(<usize>i * rowBytes));
      const pixel = <usize>load<u8>(source + i);
      store<f32>(values + (<usize>count << 2), load<f32>(pixelValues + (pixel << 2)));
      count++;
    }
  }
  for (let i = start; i < n; i++) {
    const pixel = <usize>load<u8>(source + i);
    if (pixel == 0) continue;
    store<u32>(rows + (<usize>count << 2), <u32>(<usize>i * rowBytes));
    store<f32>(values + (<usize>count << 2), load<f32>(pixelValues + (pixel << 2)));
    count++;
  }
  return count;
}

// sum + xi·W[row + offset] + xj·W[next + offset], four lanes, added in that order
@inline
function addTwoTerms(sum: v128, xi: v128, row: usize, xj: v128, next: usize,
  offset: usize): v128 {
  return f32x4.add(f32x4.add(sum, f32x4.mul(xi, v128.load(row + offset))),
    f32x4.mul(xj, v128.load(next + offset)));
}

@inline
function addTerm(sum: v128, xi: v128, row: usize, offset: usize): v128 {
  return f32x4.add(sum, f32x4.mul(xi, v128.load(row + offset)));
}

// total + the low (or high) two lanes of a float32 sum, in float64
@inline
function widenLow(total: v128, sum: v128): v128 {
  return f64x2.add(total, f64x2.promote_low_f32x4(sum));
}

@inline
function widenHigh(total: v128, sum: v128): v128 {
  return f64x2.add(total, f64x2.promote_low_f32x4(v128.shuffle<f32>(sum, sum, 2, 3, 0, 1)));
}

// Two float64x2 totals rounded to four float32 lanes, plus four biases in float32, as numpy
// adds them.
@inline
function roundAndAddBias(low: v128, high: v128, bias: usize): v128 {
  const rounded = v128.shuffle<f32>(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high),
    0, 1, 4, 5);
  return f32x4.add(rounded, v128.load(bias));
}

// Sixteen outputs of z = x·W + b from the `count` non-zero inputs, `column` pointing at the
// block's first weight: four float32 accumulators and eight float64 totals, all in registers.
@inline
function sixteenOutputs(count: i32, rows: usize, values: usize, column: usize, bias: usize,
  z: usize): void {
  let total0 = f64x2.splat(0);
  let total1 = f64x2.splat(0);
  let total2 = f64x2.splat(0);
  let total3 = f64x2.splat(0);
  let total4 = f64x2.splat(0);
  let total5 = f64x2.splat(0);
  let total6 = f64x2.splat(0);
  let total7 = f64x2.splat(0);

  for (let chunk = 0; chunk < count; chunk += CHUNK) {
    const chunkEnd = min(chunk + CHUNK, count);
    let sum0 = f32x4.splat(0);
    let sum1 = f32x4.splat(0);
    let sum2 = f32x4.splat(0);
    let sum3 = f32x4.splat(0);

    // two inputs per pass, added in turn so that the order of the terms is the reference's
    let k = chunk;
    for (; k + 1 < chunkEnd; k += 2) {
      const xi = v128.load32_splat(values + (<usize>k << 2));
      const row = column + <usize>load<u32>(rows + (<usize>k << 2));
      const xj = v128.load32_splat(values + (<usize>k << 2), 4);
      const next = column + <usize>load<u32>(rows + (<usize>k << 2), 4);
      sum0 = addTwoTerms(sum0, xi, row, xj, next, 0);
      sum1 = addTwoTerms(sum1, xi, row, xj, next, 16);
      sum2 = addTwoTerms(sum2, xi, row, xj, next, 32);
      sum3 = addTwoTerms(sum3, xi, row, xj, next, 48);
    }
    if (k < chunkEnd) {
      const xi = v128.load32_splat(values + (<usize>k << 2));
      const row = column + <usize>load<u32>(rows + (<usize>k << 2));
      sum0 = addTerm(sum0, xi, row, 0);
      sum1 = addTerm(sum1, xi, row, 16);
      sum2 = addTerm(sum2, xi, row, 32);
      sum3 = addTerm(sum3, xi, row, 48);
    }

    total0 = widenLow(total0, sum0);
    total1 = widenHigh(total1, sum0);
    total2 = widenLow(total2, sum1);
    total3 = widenHigh(total3, sum1);
    total4 = widenLow(total4, sum2);
    total5 = widenHigh(total5, sum2);
    total6 = widenLow(total6, sum3);
    total7 = widenHigh(total7, sum3);
  }

  v128.store(z, roundAndAddBias(total0, total1, bias));
  v128.store(z, roundAndAddBias(total2, total3, bias + 16), 16);
  v128.store(z, roundAndAddBias(total4, total5, bias + 32), 32);
  v128.store(z, roundAndAddBias(total6, total7, bias + 48), 48);
}

// Eight outputs, as sixteenOutputs does: the last block of a layer whose padded width is not
// a multiple of sixteen. The two are written out apiece because their accumulators must be
// separate locals to stay in registers; AssemblyScript has no way to make their number a
// compile-time parameter.
@inline
function eightOutputs(count: i32, rows: usize, values: usize, column: usize, bias: usize,
  z: usize): void {
  let total0 = f64x2.splat(0);
  let total1 = f64x2.splat(0);
  let total2 = f64x2.splat(0);
  let total3 = f64x2.splat(0);

  for (let chunk = 0; chunk < count; chunk += CHUNK) {
    const chunkEnd = min(chunk + CHUNK, count);
    let sum0 = f32x4.splat(0);
    let sum1 = f32x4.splat(0);

    let k = chunk;
    for (; k + 1 < chunkEnd; k += 2) {
      const xi = v128.load32_splat(values + (<usize>k << 2));
      const row = column + <usize>load<u32>(rows + (<usize>k << 2));
      const xj = v128.load32_splat(values + (<usize>k << 2), 4);
      const next = column + <usize>load<u32>(rows + (<usize>k << 2), 4);
      sum0 = addTwoTerms(sum0, xi, row, xj, next, 0);
      sum1 = addTwoTerms(sum1, xi, row, xj, next, 16);
    }
    if (k < chunkEnd) {
      const xi = v128.load32_splat(values + (<usize>k << 2));
      const row = column + <usize>load<u32>(rows + (<usize>k << 2));
      sum0 = addTerm(sum0, xi, row, 0);
      sum1 = addTerm(sum1, xi, row, 16);
    }

    total0 = widenLow(total0, sum0);
    total1 = widenHigh(total1, sum0);
    total2 = widenLow(total2, sum1);
    total3 = widenHigh(total3, sum1);
  }

  v128.store(z, roundAndAddBias(total0, total1, bias));
  v128.store(z, roundAndAddBias(total2, total3, bias + 16), 16);
}

// z = x·W + b for one image, from its `count` non-zero inputs: sixteen outputs at a time,
// then eight.
@inline
function dense(count: i32, rows: usize, values: usize, padded: i32, W: usize, b: usize,
  z: usize): void {
  let block: usize = 0;
  for (; block + 16 <= <usize>padded; block += 16) {
    sixteenOutputs(count, rows, values, W + (block << 2), b + (block << 2), z + (block << 2));
  }
  if (block < <usize>padded) {
    eightOutputs(count, rows, values, W + (block << 2), b + (block << 2), z + (block << 2));
  }
}

// exp on four float32 lanes: 2^k · e^r with |r| ≤ ln2/2, e^r by its Taylor polynomial of
// degree 7 (its truncation error below 1e-8, under float32 rounding), 2^k in the exponent bits.
@inline
function exp4lanes(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const k = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504)));
  let r = f32x4.sub(x, f32x4.mul(k, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(k, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.0 / 5040.0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(k), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

// The hidden activation in place, in float32.
@inline
function activate(activation: i32, z: usize, padded: i32): void {
  const end = z + (<usize>padded << 2);
  if (activation == SIGMOID) {
    const one = f32x4.splat(1.0);
    for (let at = z; at < end; at += 16) {
      const e = exp4lanes(f32x4.neg(v128.load(at)));
      v128.store(at, f32x4.div(one, f32x4.add(one, e)));
    }
  } else if (activation == RELU) {
    const zero = f32x4.splat(0.0);
    for (let at = z; at < end; at += 16) v128.store(at, f32x4.max(v128.load(at), zero));
  } else {
    const zero = f32x4.splat(0.0);
    const one = f32x4.splat(1.0);
    for (let at = z; at < end; at += 16) {
      v128.store(at, v128.and(f32x4.gt(v128.load(at), zero), one));
    }
  }
}

// Softmax of the `count` logits at z, in float64 like the reference, in place; `exps` is
// scratch for the exponentials.
@inline
function softmax(z: usize, count: i32, exps: usize): void {
  let max = <f64>load<f32>(z);
  for (let k = 1; k < count; k++) max = Math.max(max, <f64>load<f32>(z + (<usize>k << 2)));

  // subtract the maximum so that exp never overflows; two lanes at a time, the padding
  // lanes included but left out of the sum
  const shift = f64x2.splat(max);
  for (let k = 0; k < count; k += 2) {
    const logits = f64x2.promote_low_f32x4(v128.load64_zero(z + (<usize>k << 2)));
    v128.store(exps + (<usize>k << 3), exp2lanes(f64x2.sub(logits, shift)));
  }
  let sum: f64 = 0;
  for (let k = 0; k < count; k++) sum += load<f64>(exps + (<usize>k << 3));
  for (let k = 0; k < count; k++) {
    store<f32>(z + (<usize>k << 2), <f32>(load<f64>(exps + (<usize>k << 3)) / sum));
  }
}

/**
 * Classifies `count` images of `pixelsPerImage` bytes at `pixels`, writing `classes`
 * float32 probabilities per image to `out`. `first` and `second` are 16-byte aligned
 * scratch areas for two layers' activations; `rows` and `values` hold the widest layer's
 * non-zero inputs (their rows' byte offsets and their values), and `values` also serves
 * softmax as float64. `pixelValues` holds the 256 float32 values of a pixel byte.
 */
export function classify(
  table: usize,
  pixels: usize,
  count: i32,
  pixelsPerImage: i32,
  out: usize,
  first: usize,
  second: usize,
  rows: usize,
  values: usize,
  pixelValues: usize,
): void {
  const depth = <i32>load<i32>(table);
  const activation = load<i32>(table, 4);
  const lastLayer = table + HEADER + <usize>(depth - 1) * LAYER_FIELDS;
  const classes = load<i32>(lastLayer, 4);

  for (let image = 0; image < count; image++) {
    const source = pixels + <usize>image * pixelsPerImage;
    let x: usize = 0;
    let z = first;
    for (let layer = 0; layer < depth; layer++) {
      const fields = table + HEADER + <usize>layer * LAYER_FIELDS;
      const padded = load<i32>(fields, 8);
      const rowBytes = <usize>padded << 2;
      const nonZero = layer == 0 ?
        gatherPixels(source, pixelsPerImage, rowBytes, pixelValues, rows, values) :
        gatherNonZero(x, load<i32>(fields), rowBytes, rows, values);
      dense(nonZero, rows, values, padded, load<usize>(fields, 12), load<usize>(fields, 16), z);
      if (layer < depth - 1) activate(activation, z, padded);
      x = z;
      z = z == first ? second : first;
    }

    softmax(x, classes, values);
    memory.copy(out + <usize>image * classes * 4, x, <usize>classes * 4);
  }
}
