import { native } from "../native.js";
import { allocUninit } from "../pool.js";
import { fromOp, sizeOf, type Tensor } from "../tensor.js";

/**
 * Σ_m w[:, m] ⊙ xs[m]: a per-row weighted sum of M same-shaped tensors
 * [B, ...] with weights w [B, M] (row b of every x_m scaled by w[b, m]). One
 * fused op: each x_m is read once forward and once backward, where the
 * broadcast-multiply-then-add chain it replaces makes M products and M − 1
 * sums, each a full pass over [B, ...] memory, forward and backward.
 */
export function weightedSum(xs: readonly Tensor[], w: Tensor): Tensor {
  const M = xs.length;
  if (M === 0) throw new Error("weightedSum needs at least one tensor");
  const shape = xs[0]!.shape;
  const rows = shape[0]!;
  if (w.rank !== 2 || w.shape[0] !== rows || w.shape[1] !== M) {
    throw new Error(`weightedSum: weights must be [${rows}, ${M}], got [${w.shape}]`);
  }
  for (const x of xs) {
    if (x.shape.length !== shape.length || x.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`weightedSum: shapes differ: [${x.shape}] and [${shape}]`);
    }
  }
  const cols = sizeOf(shape) / rows;
  const out = allocUninit(rows * cols);
  xs.forEach((x, m) => {
    native.weightedTerm(x.data, w.data, out, rows, cols, M, m, m > 0);
  });
  return fromOp(out, shape, [...xs, w], (y) => {
    const g = y.grad!;
    const dw = w.requiresGrad ? w.gradSink() : null;
    if (dw?.fresh) dw.buf.fill(0);
    xs.forEach((x, m) => {
      const dx = x.requiresGrad ? x.gradSink() : null;
      if (dx === null && dw === null) return;
      native.weightedTermBackward(
        g,
        x.data,
        w.data,
        dx?.buf ?? null,
        dw?.buf ?? null,
        rows,
        cols,
        M,
        m,
        dx !== null && !dx.fresh,
      );
    });
  });
}
