// The forward pass as a WebAssembly SIMD kernel, in AssemblyScript. It computes what
// workers/forward.ts computes, in the same order and precision, several lanes at a time, in
// the memory it imports: a shared WebAssembly.Memory that holds the weights once for every
// worker, and a private scratch region for each.
//
// Layout of a network in memory, as the coordinator writes it (src/kernels/wasm-network.ts):
//   table: i32 depth, i32 activation, then per layer five i32: inputs, outputs, padded
//          outputs (a multiple of 8), weights pointer, biases pointer
//   W: (inputs, padded outputs) row-major f64, the padding columns zero; float64 copies
//      of the float32 weights, so that the sums need no conversion lane by lane
//   b: (padded outputs) f32, the padding zero
//
// As in the reference kernel, each sum x·W is accumulated in float64 over the non-zero
// inputs in ascending order, rounded to float32, then the bias is added in float32: the
// sums come out bit for bit the same. Only exp differs: a float64 polynomial here, the
// platform's Math.exp there, which after rounding to float32 rarely differs by one unit.

const SIGMOID: i32 = 0;
const RELU: i32 = 1;
const HEADER: usize = 8;
const LAYER_FIELDS: usize = 20;
const ROUNDING_MAGIC: f64 = 6755399441055744.0;
const ROUNDING_MAGIC_BITS: i64 = 0x4338000000000000;

// exp on two float64 lanes: 2^k · e^r with |r| ≤ ln2/2, e^r by its Taylor polynomial of
// degree 10 (relative error below 1e-13), 2^k built in the exponent bits. Inputs are
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

// Writes the non-zero values of x (n floats) as float64 at `values` and their indices at
// `indices`; returns how many there are. Zero inputs add nothing to any sum.
@inline
function gatherNonZero(x: usize, n: i32, indices: usize, values: usize): i32 {
  let count = 0;
  for (let i = 0; i < n; i++) {
    const value = load<f32>(x + (<usize>i << 2));
    if (value == 0) continue;
    store<i32>(indices + (<usize>count << 2), i);
    store<f64>(values + (<usize>count << 3), <f64>value);
    count++;
  }
  return count;
}

// z = x·W + b for one image, from its `count` non-zero inputs; eight outputs at a time, in
// four float64x2 accumulators that stay in registers.
@inline
function dense(count: i32, indices: usize, values: usize, padded: i32, W: usize, b: usize,
  z: usize): void {
  const rowBytes = <usize>padded << 3;
  for (let block: usize = 0; block < <usize>padded; block += 8) {
    let sum0 = f64x2.splat(0);
    let sum1 = f64x2.splat(0);
    let sum2 = f64x2.splat(0);
    let sum3 = f64x2.splat(0);
    const column = W + (block << 3);
    // two inputs per pass, each added in turn so that the order of the sums is unchanged
    let k = 0;
    for (; k + 1 < count; k += 2) {
      const xi = v128.load64_splat(values + (<usize>k << 3));
      const row = column + <usize>load<i32>(indices + (<usize>k << 2)) * rowBytes;
      const xj = v128.load64_splat(values + (<usize>k << 3), 8);
      const next = column + <usize>load<i32>(indices + (<usize>k << 2), 4) * rowBytes;
      sum0 = f64x2.add(f64x2.add(sum0, f64x2.mul(xi, v128.load(row))),
        f64x2.mul(xj, v128.load(next)));
      sum1 = f64x2.add(f64x2.add(sum1, f64x2.mul(xi, v128.load(row, 16))),
        f64x2.mul(xj, v128.load(next, 16)));
      sum2 = f64x2.add(f64x2.add(sum2, f64x2.mul(xi, v128.load(row, 32))),
        f64x2.mul(xj, v128.load(next, 32)));
      sum3 = f64x2.add(f64x2.add(sum3, f64x2.mul(xi, v128.load(row, 48))),
        f64x2.mul(xj, v128.load(next, 48)));
    }
    if (k < count) {
      const xi = v128.load64_splat(values + (<usize>k << 3));
      const row = column + <usize>load<i32>(indices + (<usize>k << 2)) * rowBytes;
      sum0 = f64x2.add(sum0, f64x2.mul(xi, v128.load(row)));
      sum1 = f64x2.add(sum1, f64x2.mul(xi, v128.load(row, 16)));
      sum2 = f64x2.add(sum2, f64x2.mul(xi, v128.load(row, 32)));
      sum3 = f64x2.add(sum3, f64x2.mul(xi, v128.load(row, 48)));
    }

    // round each sum to float32, then add the bias in float32, as numpy does
    const first = v128.shuffle<f32>(f32x4.demote_f64x2_zero(sum0),
      f32x4.demote_f64x2_zero(sum1), 0, 1, 4, 5);
    const second = v128.shuffle<f32>(f32x4.demote_f64x2_zero(sum2),
      f32x4.demote_f64x2_zero(sum3), 0, 1, 4, 5);
    const at = z + (block << 2);
    v128.store(at, f32x4.add(first, v128.load(b + (block << 2))));
    v128.store(at, f32x4.add(second, v128.load(b + (block << 2), 16)), 16);
  }
}

// The first layer's non-zero inputs straight from the pixels: a pixel p becomes float32(p) /
// 255 exactly as numpy computes it, read from a table of the 256 values kept as float64.
// Sixteen pixels are tested at once, and only the set bits of their non-zero mask visited.
@inline
function gatherPixels(source: usize, n: i32, pixelValues: usize, indices: usize,
  values: usize): i32 {
  let count = 0;
  let start = 0;
  for (; start + 16 <= n; start += 16) {
    let mask = i8x16.bitmask(i8x16.ne(v128.load(source + start), i8x16.splat(0)));
    while (mask != 0) {
      const i = start + ctz(mask);
      mask &= mask - 1;
      store<i32>(indices + (<usize>count << 2), i);
      const pixel = <usize>load<u8>(source + i);
      store<f64>(values + (<usize>count << 3), load<f64>(pixelValues + (pixel << 3)));
      count++;
    }
  }
  for (let i = start; i < n; i++) {
    const pixel = <usize>load<u8>(source + i);
    if (pixel == 0) continue;
    store<i32>(indices + (<usize>count << 2), i);
    store<f64>(values + (<usize>count << 3), load<f64>(pixelValues + (pixel << 3)));
    count++;
  }
  return count;
}

// The hidden activation in place, computed in float64 and rounded once to float32.
@inline
function activate(activation: i32, z: usize, padded: i32): void {
  const end = z + (<usize>padded << 2);
  if (activation == SIGMOID) {
    const one = f64x2.splat(1.0);
    for (let at = z; at < end; at += 16) {
      const x = v128.load(at);
      const low = exp2lanes(f64x2.neg(f64x2.promote_low_f32x4(x)));
      const high = exp2lanes(f64x2.neg(f64x2.promote_low_f32x4(
        v128.shuffle<f32>(x, x, 2, 3, 0, 1))));
      const sigmoidLow = f32x4.demote_f64x2_zero(f64x2.div(one, f64x2.add(one, low)));
      const sigmoidHigh = f32x4.demote_f64x2_zero(f64x2.div(one, f64x2.add(one, high)));
      v128.store(at, v128.shuffle<f32>(sigmoidLow, sigmoidHigh, 0, 1, 4, 5));
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
 * scratch areas for two layers' activations; `indices` and `values` hold the widest layer's
 * non-zero inputs, and `values` also serves softmax. `pixelValues` holds the 256 float64
 * values of a pixel byte.
 */
export function classify(
  table: usize,
  pixels: usize,
  count: i32,
  pixelsPerImage: i32,
  out: usize,
  first: usize,
  second: usize,
  indices: usize,
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
      const nonZero = layer == 0 ?
        gatherPixels(source, pixelsPerImage, pixelValues, indices, values) :
        gatherNonZero(x, load<i32>(fields), indices, values);
      const padded = load<i32>(fields, 8);
      dense(nonZero, indices, values, padded, load<usize>(fields, 12), load<usize>(fields, 16), z);
      if (layer < depth - 1) activate(activation, z, padded);
      x = z;
      z = z == first ? second : first;
    }

    softmax(x, classes, values);
    memory.copy(out + <usize>image * classes * 4, x, <usize>classes * 4);
  }
}
