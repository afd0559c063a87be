import { native } from "../native.js";
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
  const y = allocUninit(x.size);
  const inv = allocUninit(rows);
  native.l2Normalize(x.data, y, inv, rows, cols, eps);
  return fromOp(y, x.shape, [x], (out) => {
    // dx = (g − y (g·y)) / ‖x‖  (or g/eps where the norm was clamped)
    native.l2NormalizeBackward(out.grad!, y, inv, x.ensureGrad(), rows, cols, eps);
  });
}

/**
 * Σ_j mask[o, j] · x[o, j, :] / max(‖x[o, j, :]‖₂, eps) for x [outer, n, d] and
 * a 0/1 mask [outer, n]: a sum of unit vectors per block, as one native pass
 * (the same floats as summing l2Normalize(x) times the mask over axis 1).
 */
export function unitSum(x: Tensor, mask: Uint8Array, eps = 1e-12): Tensor {
  if (x.rank !== 3) throw new Error(`unitSum: expected [outer, n, d], got [${x.shape.join(", ")}]`);
  const [outer, n, d] = x.shape as [number, number, number];
  if (mask.length !== outer * n)
    throw new Error(`unitSum: mask has ${mask.length} entries, expected ${outer * n}`);
  const out = allocUninit(outer * d);
  const inv = allocUninit(outer * n);
  native.unitSum(x.data, mask, out, inv, outer, n, d, eps);
  return fromOp(out, [outer, d], [x], (c) => {
    native.unitSumBackward(c.grad!, x.data, mask, inv, x.ensureGrad(), outer, n, d, eps);
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
