// The forward pass as a WebAssembly SIMD kernel, in AssemblyScript. It computes what
// workers/forward.ts computes, a block of images at a time, in the memory it imports: a
// shared WebAssembly.Memory that holds the weights once for every worker, and a private
// scratch region for each.
//
// Layout of a network in memory, as the coordinator writes it (src/kernels/wasm-network.ts):
//   table: i32 depth, activation, pixel values pointer, pack table pointer, then per layer
//          five i32: inputs, outputs, padded outputs (a multiple of 4), W pointer, b pointer
//   W: f32 panels of outputs, each (inputs, panel width) row-major, as wide as the block of
//      outputs the kernel computes at a time (see sparseDense and denseRows); the padding
//      columns zero
//   b: (padded outputs) f32, the padding zero
// A worker's scratch, as workers/kernels.ts lays it out: five i32 pointers to two (B, widest
// padded) f32 activation areas, float64 totals for two images' blocks of outputs, and an
// image's non-zero pixels: their rows' byte offsets and their values.
//
// Speed. The first layer takes an image's non-zero pixels only (about a fifth of MNIST's),
// found sixteen at a time without a branch per pixel, and twenty-eight outputs at a time. The
// other layers take two images at once, so that each weight loaded from memory serves both.
// The weights lie in panels as wide as the outputs computed at a time, so that the rows the
// kernel walks lie next to each other in memory. Layers are padded to whole vectors of four
// outputs, no more: the book's 50 hidden outputs cost 13 vectors where blocks of eight cost
// 14, and its 10 classes 3 where they cost 4.
//
// The two dense steps are functions of their own rather than inlined into classify(): V8
// first runs a module's functions as baseline code and optimizes each one once it is hot, on
// background threads, several at once. Compiling the steps apart took 7 ms where classify()
// whole took 11, so the first batches of a run spend that much less time in the slower code.
// (Binaryen inlines the smaller steps, which are called once, back into classify(); giving
// each block width a function of its own as well changed nothing measurable.)
//
// Two builds of this one file (package.json's build:wasm). forward.wasm uses standard SIMD
// only: a product, then a sum, each rounded, the same on every processor. forward-fma.wasm is
// built with relaxed SIMD, whose multiply-add V8 compiles to one fused instruction where the
// processor has FMA: one worker took about 10% less time per image, and the sums round once
// per term instead of twice. Node.js 22 and later compile it as they are; Node.js 20 only
// behind a V8 flag, which the project does not set: a flag set at run time makes V8 refuse
// Node's cached compilation of its own modules, and every worker thread then took 30 to 50
// ms longer to start, more than the whole classification.
//
// Precision. The reference sums each x·W in float64; doing so here would halve the lanes per
// instruction. Each accumulator takes at most CHUNK products in float32, then its sum joins a
// float64 total, which bounds the rounding error by that of CHUNK terms rather than of all of
// them. The sigmoid is computed in float32, and so are softmax's exponentials; softmax sums
// and divides in float64. On the MNIST test and train splits the probabilities are within
// 6.6e-7 of the reference's (numpy's own float32 loop is within 1.3e-6), and no prediction
// differs.

const SIGMOID: i32 = 0;
const RELU: i32 = 1;
const HEADER: usize = 16;
const LAYER_FIELDS: usize = 20;
// float32 products an accumulator sums before its sum joins a float64 total
const CHUNK: i32 = 16;
// The first layer's row offsets are kept in units of one vector's bytes, as a shift: a row
// of a panel of W is that times the panel's vectors.
const VECTOR_SHIFT: i32 = 4;
// bytes of float64 totals for one image's block of outputs, twenty-eight at most
const TOTALS_STRIDE: usize = 224;
const EXP_ROUNDING_MAGIC: f32 = 12582912.0;
const EXP_ROUNDING_MAGIC_BITS: i32 = 0x4b400000;

// a + b·c on four float32 lanes: fused where relaxed SIMD is enabled and the processor has
// FMA, else a rounded product, then a rounded sum
@inline
function madd(b: v128, c: v128, a: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(b, c, a);
  return f32x4.add(f32x4.mul(b, c), a);
}

// exp on four float32 lanes: 2^k · e^r with |r| ≤ ln2/2, e^r by its Taylor polynomial of
// degree 7 (its truncation error below 1e-8, under float32 rounding), 2^k in the exponent
// bits. The polynomial is evaluated as two halves side by side (Estrin's scheme), which
// shortens the chain of dependent instructions: the sigmoids took a fifth less time than
// with Horner's. Adding 1.5·2^23 rounds x·log2(e) to the integer k and leaves k in the low
// bits of the sum's representation, which spares WebAssembly's slower rounding and
// conversion; the pseudo-minimum and -maximum clamp in one instruction each and let NaN
// through.
@inline
function exp4lanes(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const shifted = f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504)),
    f32x4.splat(EXP_ROUNDING_MAGIC));
  const k = f32x4.sub(shifted, f32x4.splat(EXP_ROUNDING_MAGIC));
  let r = madd(k, f32x4.splat(-0.693359375), x);
  r = madd(k, f32x4.splat(2.12194440e-4), r);
  const r2 = f32x4.mul(r, r);
  const r4 = f32x4.mul(r2, r2);
  const low = f32x4.add(madd(r2, madd(r, f32x4.splat(1.0 / 6.0), f32x4.splat(0.5)), r),
    f32x4.splat(1.0));
  const high = madd(r2, madd(r, f32x4.splat(1.0 / 5040.0), f32x4.splat(1.0 / 720.0)),
    madd(r, f32x4.splat(1.0 / 120.0), f32x4.splat(1.0 / 24.0)));
  const p = madd(r4, high, low);
  const scale = i32x4.shl(i32x4.sub(shifted, i32x4.splat(EXP_ROUNDING_MAGIC_BITS - 127)), 23);
  return f32x4.mul(p, scale);
}

// Appends the row offsets (in vectors' bytes) of base + the positions of the set bits of an
// eight-bit mask to the u32 list at `rows`, which holds `count`; returns the new count. The
// pack table holds, for each of the 256 masks, the positions of its set bits packed to the
// front, so all eight offsets are stored whatever the mask: those past the new count are
// overwritten or never read.
@inline
function appendSetBits(mask: i32, base: i32, packTable: usize, rows: usize, count: i32): i32 {
  const packed = i16x8.extend_low_i8x16_u(v128.load64_zero(packTable + (<usize>mask << 3)));
  const start = i32x4.splat(base);
  const at = rows + (<usize>count << 2);
  const low = i32x4.add(i32x4.extend_low_i16x8_u(packed), start);
  const high = i32x4.add(i32x4.extend_high_i16x8_u(packed), start);
  v128.store(at, i32x4.shl(low, VECTOR_SHIFT));
  v128.store(at, i32x4.shl(high, VECTOR_SHIFT), 16);
  return count + popcnt(mask);
}

// The first layer's non-zero inputs straight from the pixels: their positions times a
// vector's bytes at `rows`, and their values at `values`, a pixel p becoming
// float32(p) / 255 exactly as numpy computes it, read from a table of the 256 values. Returns
// how many there are. Zero pixels add nothing to any sum.
function gatherPixels(source: usize, n: i32, network: usize, rows: usize,
  values: usize): i32 {
  const pixelValues = <usize>load<i32>(network, 8);
  const packTable = <usize>load<i32>(network, 12);
  let count = 0;
  let start = 0;
  for (; start + 16 <= n; start += 16) {
    const mask = i8x16.bitmask(i8x16.ne(v128.load(source + start), i8x16.splat(0)));
    count = appendSetBits(mask & 0xff, start, packTable, rows, count);
    count = appendSetBits(mask >> 8, start + 8, packTable, rows, count);
  }
  for (let i = start; i < n; i++) {
    store<u32>(rows + (<usize>count << 2), <u32>i << VECTOR_SHIFT);
    if (load<u8>(source + i) != 0) count++;
  }

  for (let k = 0; k < count; k++) {
    const pixel = <usize>load<u8>(source + (<usize>load<u32>(rows + (<usize>k << 2)) >>
      VECTOR_SHIFT));
    store<f32>(values + (<usize>k << 2), load<f32>(pixelValues + (pixel << 2)));
  }
  return count;
}

// total (two float64 lanes, then two more) += the four float32 lanes of sum
@inline
function addToTotal(total: usize, sum: v128): void {
  v128.store(total, f64x2.add(v128.load(total), f64x2.promote_low_f32x4(sum)));
  const high = v128.shuffle<f32>(sum, sum, 2, 3, 0, 1);
  v128.store(total, f64x2.add(v128.load(total, 16), f64x2.promote_low_f32x4(high)), 16);
}

// The `vectors` arguments below are constants where these functions are inlined, so each
// use compiles to code for that many four-lane vectors of outputs alone, all in registers.

// a block's float64 totals += its float32 sums, the first `vectors` of them (seven at most;
// the arguments past those are never read)
@inline
function addToTotals(vectors: i32, totals: usize, s0: v128, s1: v128, s2: v128, s3: v128,
  s4: v128, s5: v128, s6: v128): void {
  addToTotal(totals, s0);
  if (vectors > 1) addToTotal(totals + 32, s1);
  if (vectors > 2) addToTotal(totals + 64, s2);
  if (vectors > 3) addToTotal(totals + 96, s3);
  if (vectors > 4) addToTotal(totals + 128, s4);
  if (vectors > 5) addToTotal(totals + 160, s5);
  if (vectors > 6) addToTotal(totals + 192, s6);
}

@inline
function clearTotals(vectors: i32, totals: usize): void {
  const zero = f64x2.splat(0);
  const end = <usize>vectors << 5;
  for (let offset: usize = 0; offset < end; offset += 16) v128.store(totals + offset, zero);
}

// A block's outputs: its float64 totals rounded to float32, plus the biases in float32, as
// numpy adds them.
@inline
function storeOutputs(vectors: i32, totals: usize, bias: usize, z: usize): void {
  const end = <usize>vectors << 4;
  for (let offset: usize = 0; offset < end; offset += 16) {
    const low = v128.load(totals + (offset << 1));
    const high = v128.load(totals + (offset << 1), 16);
    const rounded = v128.shuffle<f32>(f32x4.demote_f64x2_zero(low),
      f32x4.demote_f64x2_zero(high), 0, 1, 4, 5);
    v128.store(z + offset, f32x4.add(rounded, v128.load(bias + offset)));
  }
}

// 4 × `vectors` outputs of z = x·W + b for one image from its `count` non-zero inputs,
// `column` pointing at the block's panel of W, `vectors` seven at most. V8 loads all of a
// pixel's weights before it multiplies any, so seven sums, seven weights and the input fill
// fifteen of x64's sixteen vector registers, the last being V8's own: the book's 52 padded
// outputs take two passes over the pixels, 28 and 24 wide, where blocks of 24 took three.
// Thirteen sums in one pass spilled to the stack on every pixel.
@inline
function sparseBlock(vectors: i32, count: i32, rows: usize, values: usize, column: usize,
  bias: usize, totals: usize, z: usize): void {
  clearTotals(vectors, totals);
  for (let chunk = 0; chunk < count; chunk += CHUNK) {
    const chunkEnd = min(chunk + CHUNK, count);
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0);
    let s4 = f32x4.splat(0);
    let s5 = f32x4.splat(0);
    let s6 = f32x4.splat(0);

    for (let k = chunk; k < chunkEnd; k++) {
      const x = v128.load32_splat(values + (<usize>k << 2));
      const row = column + <usize>load<u32>(rows + (<usize>k << 2)) * <usize>vectors;
      s0 = madd(x, v128.load(row), s0);
      if (vectors > 1) s1 = madd(x, v128.load(row, 16), s1);
      if (vectors > 2) s2 = madd(x, v128.load(row, 32), s2);
      if (vectors > 3) s3 = madd(x, v128.load(row, 48), s3);
      if (vectors > 4) s4 = madd(x, v128.load(row, 64), s4);
      if (vectors > 5) s5 = madd(x, v128.load(row, 80), s5);
      if (vectors > 6) s6 = madd(x, v128.load(row, 96), s6);
    }
    addToTotals(vectors, totals, s0, s1, s2, s3, s4, s5, s6);
  }
  storeOutputs(vectors, totals, bias, z);
}

// z = x·W + b for one image from its `count` non-zero inputs: seven vectors of outputs at a
// time, then six, four, two and one, as src/kernels/wasm-network.ts lays out the panels.
function sparseDense(count: i32, rows: usize, values: usize, inputs: i32, padded: i32,
  W: usize, b: usize, totals: usize, z: usize): void {
  const end = <usize>padded << 2;
  let at: usize = 0;
  for (; at + 112 <= end; at += 112) {
    sparseBlock(7, count, rows, values, W + at * inputs, b + at, totals, z + at);
  }
  if (at + 96 <= end) {
    sparseBlock(6, count, rows, values, W + at * inputs, b + at, totals, z + at);
    at += 96;
  }
  if (at + 64 <= end) {
    sparseBlock(4, count, rows, values, W + at * inputs, b + at, totals, z + at);
    at += 64;
  }
  if (at + 32 <= end) {
    sparseBlock(2, count, rows, values, W + at * inputs, b + at, totals, z + at);
    at += 32;
  }
  if (at < end) {
    sparseBlock(1, count, rows, values, W + at * inputs, b + at, totals, z + at);
  }
}

// 4 × `vectors` outputs (four vectors at most) of Z = X·W + b for two images at once, rows
// x0 and x1 of X into z0 and z1, `column` pointing at the block's panel of W: each weight
// loaded serves both images.
@inline
function pairBlock(vectors: i32, x0: usize, x1: usize, inputs: i32, column: usize,
  bias: usize, totals: usize, z0: usize, z1: usize): void {
  const rowBytes = <usize>vectors << 4;
  clearTotals(vectors, totals);
  clearTotals(vectors, totals + TOTALS_STRIDE);

  for (let chunk = 0; chunk < inputs; chunk += CHUNK) {
    const chunkEnd = min(chunk + CHUNK, inputs);
    let first0 = f32x4.splat(0);
    let first1 = f32x4.splat(0);
    let first2 = f32x4.splat(0);
    let first3 = f32x4.splat(0);
    let second0 = f32x4.splat(0);
    let second1 = f32x4.splat(0);
    let second2 = f32x4.splat(0);
    let second3 = f32x4.splat(0);

    for (let k = chunk; k < chunkEnd; k++) {
      const u = v128.load32_splat(x0 + (<usize>k << 2));
      const v = v128.load32_splat(x1 + (<usize>k << 2));
      const row = column + <usize>k * rowBytes;
      const w0 = v128.load(row);
      first0 = madd(u, w0, first0);
      second0 = madd(v, w0, second0);
      if (vectors > 1) {
        const w1 = v128.load(row, 16);
        first1 = madd(u, w1, first1);
        second1 = madd(v, w1, second1);
      }
      if (vectors > 2) {
        const w2 = v128.load(row, 32);
        first2 = madd(u, w2, first2);
        second2 = madd(v, w2, second2);
      }
      if (vectors > 3) {
        const w3 = v128.load(row, 48);
        first3 = madd(u, w3, first3);
        second3 = madd(v, w3, second3);
      }
    }
    addToTotals(vectors, totals, first0, first1, first2, first3, first0, first0, first0);
    addToTotals(vectors, totals + TOTALS_STRIDE, second0, second1, second2, second3, second0,
      second0, second0);
  }
  storeOutputs(vectors, totals, bias, z0);
  storeOutputs(vectors, totals + TOTALS_STRIDE, bias, z1);
}

// Z = X·W + b for `count` images, X (count, inputs) row-major with rows `stride` bytes apart
// and Z (count, padded) row-major, two images at a time: four vectors of outputs at a time,
// then three, two or one, as src/kernels/wasm-network.ts lays out the panels. With an odd
// count the last image is paired with itself.
function denseRows(count: i32, x: usize, inputs: i32, stride: usize, padded: i32, W: usize,
  b: usize, totals: usize, z: usize): void {
  const rowBytes = <usize>padded << 2;
  const rest = rowBytes & 63;
  const whole = rowBytes - rest;
  const column = W + whole * inputs;
  for (let image = 0; image < count; image += 2) {
    const x0 = x + <usize>image * stride;
    const x1 = image + 1 < count ? x0 + stride : x0;
    const z0 = z + <usize>image * rowBytes;
    const z1 = image + 1 < count ? z0 + rowBytes : z0;

    for (let at: usize = 0; at < whole; at += 64) {
      pairBlock(4, x0, x1, inputs, W + at * inputs, b + at, totals, z0 + at,
        z1 + at);
    }
    if (rest == 48) {
      pairBlock(3, x0, x1, inputs, column, b + whole, totals, z0 + whole,
        z1 + whole);
    } else if (rest == 32) {
      pairBlock(2, x0, x1, inputs, column, b + whole, totals, z0 + whole,
        z1 + whole);
    } else if (rest == 16) {
      pairBlock(1, x0, x1, inputs, column, b + whole, totals, z0 + whole,
        z1 + whole);
    }
  }
}

// The hidden activation in place over `floats` float32 values (a multiple of four).
function activate(activation: i32, z: usize, floats: i32): void {
  const end = z + (<usize>floats << 2);
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

// Softmax of the `count` logits at z into `out`; `exps` is float64 scratch for the
// exponentials. The exponentials are float32, four lanes at a time, the padding lanes
// included but left out of the sum: off by a few parts in 10^7 at most (below e^-87, where
// exp4lanes clamps, they stay at e^-87, about 1.6e-38), they move no probability by more
// than that, and float64 ones, two lanes at a time, took 0.7 ms more of the 15 that one
// thread spends on the test split. The sum and the quotients are float64, like the
// reference's.
function softmax(z: usize, count: i32, exps: usize, out: usize): void {
  let max = load<f32>(z);
  for (let k = 1; k < count; k++) max = Mathf.max(max, load<f32>(z + (<usize>k << 2)));

  // subtract the maximum so that exp never overflows
  const shift = f32x4.splat(max);
  for (let k = 0; k < count; k += 4) {
    const e = exp4lanes(f32x4.sub(v128.load(z + (<usize>k << 2)), shift));
    const at = exps + (<usize>k << 3);
    v128.store(at, f64x2.promote_low_f32x4(e));
    v128.store(at, f64x2.promote_low_f32x4(v128.shuffle<f32>(e, e, 2, 3, 0, 1)), 16);
  }
  let sum: f64 = 0;
  for (let k = 0; k < count; k++) sum += load<f64>(exps + (<usize>k << 3));
  for (let k = 0; k < count; k++) {
    store<f32>(out + (<usize>k << 2), <f32>(load<f64>(exps + (<usize>k << 3)) / sum));
  }
}

/**
 * Classifies `count` images at `pixels`, as many bytes each as the first layer has inputs,
 * writing each image's float32 probabilities to `out`. `network` is the table the
 * coordinator wrote, `scratch` this worker's table of scratch areas.
 */
export function classify(network: usize, scratch: usize, pixels: usize, count: i32,
  out: usize): void {
  const depth = load<i32>(network);
  const activation = load<i32>(network, 4);
  const pixelsPerImage = load<i32>(network + HEADER);
  const classes = load<i32>(network + HEADER + <usize>(depth - 1) * LAYER_FIELDS, 4);
  let x = <usize>load<i32>(scratch);
  let z = <usize>load<i32>(scratch, 4);
  const totals = <usize>load<i32>(scratch, 8);
  const rows = <usize>load<i32>(scratch, 12);
  const values = <usize>load<i32>(scratch, 16);

  // layer 1, image by image from the non-zero pixels, into rows of x
  const padded = load<i32>(network + HEADER, 8);
  const rowBytes = <usize>padded << 2;
  for (let image = 0; image < count; image++) {
    const source = pixels + <usize>image * pixelsPerImage;
    const nonZero = gatherPixels(source, pixelsPerImage, network, rows, values);
    sparseDense(nonZero, rows, values, pixelsPerImage, padded,
      load<usize>(network + HEADER, 12), load<usize>(network + HEADER, 16), totals,
      x + <usize>image * rowBytes);
  }
  let width = padded;

  // the other layers, all the images at once, each layer's rows packed
  for (let layer = 1; layer < depth; layer++) {
    activate(activation, x, count * width);
    const fields = network + HEADER + <usize>layer * LAYER_FIELDS;
    const nextWidth = load<i32>(fields, 8);
    denseRows(count, x, load<i32>(fields), <usize>width << 2, nextWidth, load<usize>(fields, 12),
      load<usize>(fields, 16), totals, z);
    const previous = x;
    x = z;
    z = previous;
    width = nextWidth;
  }

  for (let image = 0; image < count; image++) {
    softmax(x + <usize>image * (<usize>width << 2), classes, totals,
      out + <usize>image * classes * 4);
  }
}
