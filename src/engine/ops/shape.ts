import { native } from "../native.js";
import { allocUninit } from "../pool.js";
import { fromOp, sizeOf, type Tensor } from "../tensor.js";

/** Same data, new shape (one dim may be -1). The buffer is shared, not copied. */
export function reshape(x: Tensor, shape: number[]): Tensor {
  const known = shape.filter((d) => d !== -1);
  const inferred = shape.map((d) => (d === -1 ? x.size / sizeOf(known) : d));
  if (sizeOf(inferred) !== x.size || !inferred.every(Number.isInteger)) {
    throw new Error(`reshape: cannot view [${x.shape}] as [${shape}]`);
  }
  return fromOp(x.data, inferred, [x], (c) => x.receiveGrad(c.grad!));
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Copy `src` (shape `shape`) into `dst` with its axes permuted by `perm`; adds when `accumulate`. */
function permuteInto(
  src: Float32Array,
  shape: readonly number[],
  perm: readonly number[],
  dst: Float32Array,
  accumulate: boolean,
): void {
  const rank = shape.length;
  const inStrides = strides(shape);
  const outShape = perm.map((p) => shape[p]!);
  const step = perm.map((p) => inStrides[p]!);
  const idx = new Array<number>(rank).fill(0);
  const inner = outShape[rank - 1]!;
  const innerStep = step[rank - 1]!;
  let srcOff = 0;
  for (let o = 0; o < dst.length; o += inner) {
    if (accumulate) for (let i = 0; i < inner; i++) dst[o + i]! += src[srcOff + i * innerStep]!;
    else for (let i = 0; i < inner; i++) dst[o + i] = src[srcOff + i * innerStep]!;
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      srcOff += step[d]!;
      if (idx[d]! < outShape[d]!) break;
      srcOff -= step[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

/** Permute axes (default: reverse them). */
export function transpose(x: Tensor, perm?: number[]): Tensor {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort().some((v, i) => v !== i)) {
    throw new Error(`transpose: [${p}] is not a permutation of ${x.rank} axes`);
  }
  const out = allocUninit(x.size);
  permuteInto(x.data, x.shape, p, out, false);
  const outShape = p.map((i) => x.shape[i]!);
  const inverse = new Array<number>(p.length);
  p.forEach((v, i) => {
    inverse[v] = i;
  });
  return fromOp(out, outShape, [x], (c) => {
    const { buf, fresh } = x.gradSink();
    permuteInto(c.grad!, outShape, inverse, buf, !fresh);
  });
}

/** Join tensors along `axis`; all other dims must agree. */
export function concat(xs: Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error("concat: nothing to join");
  const first = xs[0]!;
  const ax = axis < 0 ? axis + first.rank : axis;
  for (const x of xs) {
    if (x.rank !== first.rank || x.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new Error(`concat: shapes [${first.shape}] and [${x.shape}] differ outside axis ${ax}`);
    }
  }
  const outer = sizeOf(first.shape.slice(0, ax));
  const widths = xs.map((x) => sizeOf(x.shape.slice(ax)));
  const total = widths.reduce((s, w) => s + w, 0);
  const out = allocUninit(outer * total);
  let off = 0;
  xs.forEach((x, k) => {
    const w = widths[k]!;
    native.copyRows(x.data, 0, w, out, off, total, outer, w, false);
    off += w;
  });
  const shape = [...first.shape];
  shape[ax] = xs.reduce((s, x) => s + x.shape[ax]!, 0);
  return fromOp(out, shape, xs, (c) => {
    const g = c.grad!;
    let at = 0;
    xs.forEach((x, k) => {
      const w = widths[k]!;
      if (x.requiresGrad) {
        const { buf, fresh } = x.gradSink();
        native.copyRows(g, at, total, buf, 0, w, outer, w, !fresh);
      }
      at += w;
    });
  });
}

/** x[..., start:end, ...] along `axis`. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = axis < 0 ? axis + x.rank : axis;
  const n = x.shape[ax]!;
  if (start < 0 || end > n || start >= end)
    throw new Error(`slice: [${start}, ${end}) is outside axis of ${n}`);
  const outer = sizeOf(x.shape.slice(0, ax));
  const inner = sizeOf(x.shape.slice(ax + 1));
  const w = (end - start) * inner;
  const out = allocUninit(outer * w);
  native.copyRows(x.data, start * inner, n * inner, out, 0, w, outer, w, false);
  const shape = [...x.shape];
  shape[ax] = end - start;
  return fromOp(out, shape, [x], (c) => {
    const g = c.grad!;
    native.copyRows(g, 0, w, x.ensureGrad(), start * inner, n * inner, outer, w, true);
  });
}

/**
 * For x [B, L, ...rest], pick one position per batch row: out[b] = x[b, pos[b]].
 * (The last real item of each padded sequence.)
 */
export function selectPositions(x: Tensor, pos: Int32Array): Tensor {
  const [b, l] = [x.shape[0]!, x.shape[1]!];
  if (pos.length !== b) throw new Error(`selectPositions: ${pos.length} positions for batch ${b}`);
  const inner = sizeOf(x.shape.slice(2));
  const out = allocUninit(b * inner);
  for (let i = 0; i < b; i++) {
    const p = pos[i]!;
    if (p < 0 || p >= l) throw new Error(`selectPositions: position ${p} outside [0, ${l})`);
    out.set(x.data.subarray((i * l + p) * inner, (i * l + p + 1) * inner), i * inner);
  }
  return fromOp(out, [b, ...x.shape.slice(2)], [x], (c) => {
    const g = c.grad!;
    const gx = x.ensureGrad();
    for (let i = 0; i < b; i++) {
      const at = (i * l + pos[i]!) * inner;
      native.axpy(1, g.subarray(i * inner, (i + 1) * inner), gx.subarray(at, at + inner), inner);
    }
  });
}
