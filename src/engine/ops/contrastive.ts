import { allocUninit } from "../pool.js";
import { fromOp, type Tensor } from "../tensor.js";
import { mul, scale } from "./elementwise.js";
import { crossEntropy } from "./loss.js";
import { matmul } from "./matmul.js";
import { sum } from "./reduce.js";

/** x / max(‖x‖₂, eps) over the last axis. */
export function l2Normalize(x: Tensor, eps = 1e-12): Tensor {
  const cols = x.shape[x.rank - 1]!;
  const rows = x.size / cols;
  const xd = x.data;
  const y = allocUninit(x.size);
  const inv = allocUninit(rows);
  const clamped = new Uint8Array(rows);
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    let s = 0;
    for (let c = o; c < o + cols; c++) s += xd[c]! * xd[c]!;
    const n = Math.sqrt(s);
    if (n <= eps) clamped[r] = 1;
    const k = 1 / Math.max(n, eps);
    inv[r] = k;
    for (let c = o; c < o + cols; c++) y[c] = xd[c]! * k;
  }
  return fromOp(y, x.shape, [x], (out) => {
    // dx = (g − y (g·y)) / ‖x‖  (or g/eps where the norm was clamped)
    const g = out.grad!;
    const gx = x.ensureGrad();
    for (let r = 0, o = 0; r < rows; r++, o += cols) {
      let dot = 0;
      if (clamped[r] === 0) for (let c = o; c < o + cols; c++) dot += g[c]! * y[c]!;
      const k = inv[r]!;
      for (let c = o; c < o + cols; c++) gx[c]! += (g[c]! - y[c]! * dot) * k;
    }
  });
}

/** Cosine similarity of matching rows of a and b (same shape) → shape without the last axis. */
export function cosine(a: Tensor, b: Tensor): Tensor {
  return sum(mul(l2Normalize(a), l2Normalize(b)), -1);
}

/**
 * InfoNCE with in-batch negatives: row i of `anchors` should match row i of
 * `positives` rather than any other row j. Cosine similarities / temperature,
 * mean cross-entropy over rows.
 */
export function infoNce(anchors: Tensor, positives: Tensor, temperature: number): Tensor {
  const n = anchors.shape[0]!;
  const logits = scale(
    matmul(l2Normalize(anchors), l2Normalize(positives), { transB: true }),
    1 / temperature,
  );
  const targets = new Int32Array(n);
  for (let i = 0; i < n; i++) targets[i] = i;
  return crossEntropy(logits, targets);
}
