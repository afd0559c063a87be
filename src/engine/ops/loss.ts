import { native } from "../native.js";
import { allocUninit } from "../pool.js";
import { addInto, fromOp, type Tensor } from "../tensor.js";

/**
 * Mean softmax cross-entropy of logits [N, C] against class indices (−1 =
 * ignore the row), fused: the forward pass already leaves (softmax − onehot)/N
 * behind, so the backward pass is one scaled add. Over the full item set this
 * is the recommender's "CE over all items" loss.
 */
export function crossEntropy(
  logits: Tensor,
  targets: Int32Array,
  /** When given ([N]), each row's loss is written here (0 for ignored rows); see crossEntropyRows. */
  perRow: Float32Array | null = null,
): Tensor {
  if (logits.rank !== 2)
    throw new Error(`crossEntropy: logits must be [N, C], got [${logits.shape}]`);
  const [rows, cols] = logits.shape as [number, number];
  if (targets.length !== rows)
    throw new Error(`crossEntropy: ${targets.length} targets for ${rows} rows`);
  let count = 0;
  for (let i = 0; i < rows; i++) if (targets[i]! >= 0) count++;
  const scale = count > 0 ? 1 / count : 0;
  const dlogits = allocUninit(logits.size);
  const total = native.crossEntropy(
    logits.data,
    targets,
    dlogits,
    rows,
    cols,
    scale,
    perRow ?? undefined,
  );
  return fromOp(Float32Array.of(total * scale), [], [logits], (out) => {
    addInto(logits, dlogits, out.grad?.[0] ?? 0);
  });
}

/**
 * The same loss, and each row's loss −log softmax(logits_r)[t_r]
 * as plain numbers from the same pass (0 for ignored rows): what a caller
 * that also needs per-row losses, e.g. as pseudo-labels, would otherwise
 * recompute.
 */
export function crossEntropyRows(
  logits: Tensor,
  targets: Int32Array,
): { loss: Tensor; rows: Float32Array } {
  const rows = new Float32Array(logits.shape[0] ?? 0);
  return { loss: crossEntropy(logits, targets, rows), rows };
}
