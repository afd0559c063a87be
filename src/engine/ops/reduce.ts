import { native } from "../native.js";
import { allocUninit } from "../pool.js";
import { addInto, fromOp, sizeOf, type Tensor } from "../tensor.js";

function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** [outer, n, inner] view of a reduction over `axis`. */
function split(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, sizeOf(shape.slice(axis + 1))];
}

function reducedShape(shape: readonly number[], axis: number, keepDims: boolean): number[] {
  return keepDims ? shape.map((d, i) => (i === axis ? 1 : d)) : shape.filter((_, i) => i !== axis);
}

/** Sum of all elements (axis undefined) or along one axis. */
export function sum(x: Tensor, axis?: number, keepDims = false): Tensor {
  if (axis === undefined) {
    let s = 0;
    for (let i = 0; i < x.size; i++) s += x.data[i]!;
    return fromOp(Float32Array.of(s), [], [x], (c) => {
      const g = c.grad?.[0] ?? 0;
      const gx = x.ensureGrad();
      for (let i = 0; i < gx.length; i++) gx[i]! += g;
    });
  }
  const ax = normAxis(axis, x.rank);
  const [outer, n, inner] = split(x.shape, ax);
  const out = allocUninit(outer * inner);
  if (inner === 1) native.sumCols(x.data, out, outer, n, false);
  else native.sumMiddle(x.data, out, outer, n, inner, false);
  return fromOp(out, reducedShape(x.shape, ax, keepDims), [x], (c) => {
    // Every input element gets its output's gradient once: repeat g along the axis.
    const g = c.grad!;
    const { buf, fresh } = x.gradSink();
    if (inner === 1) {
      for (let o = 0; o < outer; o++) {
        const go = g[o]!;
        const base = o * n;
        if (fresh) buf.fill(go, base, base + n);
        else for (let j = 0; j < n; j++) buf[base + j]! += go;
      }
    } else native.spreadMiddle(g, buf, outer, n, inner, !fresh);
  });
}

/** Mean of all elements or along one axis. */
export function mean(x: Tensor, axis?: number, keepDims = false): Tensor {
  const n = axis === undefined ? x.size : x.shape[normAxis(axis, x.rank)]!;
  const s = sum(x, axis, keepDims);
  const out = allocUninit(s.size);
  native.scale(1 / n, s.data, out, s.size);
  return fromOp(out, s.shape, [s], (c) => addInto(s, c.grad!, 1 / n));
}

/** Maximum along one axis; the gradient goes to the first arg-max. */
export function max(x: Tensor, axis: number, keepDims = false): Tensor {
  const ax = normAxis(axis, x.rank);
  const [outer, n, inner] = split(x.shape, ax);
  const out = allocUninit(outer * inner);
  const arg = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = Number.NEGATIVE_INFINITY;
      let bi = 0;
      for (let j = 0; j < n; j++) {
        const v = x.data[(o * n + j) * inner + i]!;
        if (v > best) {
          best = v;
          bi = j;
        }
      }
      out[o * inner + i] = best;
      arg[o * inner + i] = bi;
    }
  }
  return fromOp(out, reducedShape(x.shape, ax, keepDims), [x], (c) => {
    const g = c.grad!;
    const gx = x.ensureGrad();
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++)
        gx[(o * n + arg[o * inner + i]!) * inner + i]! += g[o * inner + i]!;
    }
  });
}
