import { native } from "../native.js";
import { allocUninit } from "../pool.js";
import { addInto, sizeOf, type Tensor } from "../tensor.js";

/** NumPy broadcasting of two shapes, or an error naming both. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`cannot broadcast shapes [${a}] and [${b}]`);
    }
    out[i] = Math.max(da, db);
  }
  return out;
}

/**
 * How `small` sits inside `big` (which `small` broadcasts to), as one of the
 * layouts the native kernels handle directly: 0 same shape, 1 a trailing row
 * vector repeated over rows, 2 a column (one value per row) repeated over the
 * trailing cols, 3 a scalar; or -1 for the general case.
 */
export interface Layout {
  mode: 0 | 1 | 2 | 3 | -1;
  rows: number;
  cols: number;
}

export function layoutOf(big: readonly number[], small: readonly number[]): Layout {
  const n = sizeOf(big);
  const ns = sizeOf(small);
  if (ns === n && sizeOf(small) === n && stripOnes(small).join() === stripOnes(big).join()) {
    return { mode: 0, rows: 1, cols: n };
  }
  if (ns === 1) return { mode: 3, rows: 1, cols: n };
  const s = [...small];
  while (s.length > 0 && s[0] === 1) s.shift();
  // Trailing row: small equals a suffix of big.
  for (let k = 1; k <= big.length; k++) {
    const suffix = big.slice(big.length - k);
    if (suffix.join() === s.join()) {
      const cols = sizeOf(suffix);
      return { mode: 1, rows: n / cols, cols };
    }
  }
  // Column: small equals a prefix of big followed by ones.
  const padded = [...new Array<number>(big.length - small.length).fill(1), ...small];
  let p = padded.length;
  while (p > 0 && padded[p - 1] === 1) p--;
  if (p < big.length && padded.slice(0, p).join() === big.slice(0, p).join()) {
    const rows = sizeOf(big.slice(0, p));
    return { mode: 2, rows, cols: n / rows };
  }
  return { mode: -1, rows: 0, cols: 0 };
}

function stripOnes(s: readonly number[]): number[] {
  return s.filter((d) => d !== 1);
}

/** Strides of `shape` (row-major) as seen from a broadcast `outShape` (0 where broadcast). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = rank - shape.length + i;
    strides[j] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i]!;
  }
  return strides;
}

/** out[i] = f(a[ia], b[ib]) over `outShape`, for any broadcast (the slow, general path). */
export function broadcastApply(
  f: (x: number, y: number) => number,
  a: Float32Array,
  aShape: readonly number[],
  b: Float32Array,
  bShape: readonly number[],
  outShape: readonly number[],
): Float32Array {
  const out = allocUninit(sizeOf(outShape));
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const rank = outShape.length;
  const idx = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = f(a[ia]!, b[ib]!);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      ia += sa[d]!;
      ib += sb[d]!;
      if (idx[d]! < outShape[d]!) break;
      ia -= sa[d]! * outShape[d]!;
      ib -= sb[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Add `grad` (shaped like the broadcast output) into the gradient of `t`
 * (shaped like the input), summing over the dims `t` was broadcast along.
 */
export function reduceInto(grad: Float32Array, outShape: readonly number[], t: Tensor): void {
  const layout = layoutOf(outShape, t.shape);
  switch (layout.mode) {
    case 0:
      addInto(t, grad);
      return;
    case 1:
    case 2: {
      const { buf, fresh } = t.gradSink();
      if (layout.mode === 1) native.sumRows(grad, buf, layout.rows, layout.cols, !fresh);
      else native.sumCols(grad, buf, layout.rows, layout.cols, !fresh);
      return;
    }
    case 3: {
      let s = 0;
      for (let i = 0; i < grad.length; i++) s += grad[i]!;
      t.ensureGrad()[0]! += s;
      return;
    }
    default: {
      const target = t.ensureGrad();
      const st = broadcastStrides(t.shape, outShape);
      const rank = outShape.length;
      const idx = new Array<number>(rank).fill(0);
      let it = 0;
      for (let i = 0; i < grad.length; i++) {
        target[it]! += grad[i]!;
        for (let d = rank - 1; d >= 0; d--) {
          idx[d]!++;
          it += st[d]!;
          if (idx[d]! < outShape[d]!) break;
          it -= st[d]! * outShape[d]!;
          idx[d] = 0;
        }
      }
    }
  }
}
