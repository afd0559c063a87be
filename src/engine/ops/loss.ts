import { native } from "../native.js";
import { allocUninit } from "../pool.js";
import { addInto, fromOp, type Tensor } from "../tensor.js";

/**
 * Mean softmax cross-entropy of logits [N, C] against class indices (−1 =
 * ignore the row), fused: the forward pass already leaves (softmax − onehot)/N
 * behind, so the backward pass is one scaled add. Over the full item set this
 * is the recommender's "CE over all items" loss.
 */
export function crossEntropy(logits: Tensor, targets: Int32Array): Tensor {
  if (logits.rank !== 2)
    throw new Error(`crossEntropy: logits must be [N, C], got [${logits.shape}]`);
  const [rows, cols] = logits.shape as [number, number];
  if (targets.length !== rows)
    throw new Error(`crossEntropy: ${targets.length} targets for ${rows} rows`);
  let count = 0;
  for (let i = 0; i < rows; i++) if (targets[i]! >= 0) count++;
  const scale = count > 0 ? 1 / count : 0;
  const dlogits = allocUninit(logits.size);
  const total = native.crossEntropy(logits.data, targets, dlogits, rows, cols, scale);
  return fromOp(Float32Array.of(total * scale), [], [logits], (out) => {
    addInto(logits, dlogits, out.grad?.[0] ?? 0);
  });
}
