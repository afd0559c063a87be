import { native } from "../native.js";
import { alloc } from "../pool.js";
import { fromOp, type Tensor } from "../tensor.js";

/**
 * Mean of consecutive row segments: out[i] = mean(x[offsets[i] .. offsets[i+1]))
 * for x [T, D] and offsets of length n + 1 → [n, D]. An empty segment gives a
 * zero row (the caller masks it). Pools a bag of token embeddings (a title's
 * words, a film's actors) into one vector per item.
 */
export function segmentMean(x: Tensor, offsets: Int32Array): Tensor {
  const dim = x.shape[1]!;
  const n = offsets.length - 1;
  if (offsets[n] !== x.shape[0])
    throw new Error(`segmentMean: offsets end at ${offsets[n]}, x has ${x.shape[0]} rows`);
  const out = alloc(n * dim);
  for (let i = 0; i < n; i++) {
    const [a, b] = [offsets[i]!, offsets[i + 1]!];
    if (b <= a) continue;
    const row = out.subarray(i * dim, (i + 1) * dim);
    for (let t = a; t < b; t++)
      native.axpy(1 / (b - a), x.data.subarray(t * dim, (t + 1) * dim), row, dim);
  }
  return fromOp(out, [n, dim], [x], (y) => {
    const g = y.grad!;
    const gx = x.ensureGrad();
    for (let i = 0; i < n; i++) {
      const [a, b] = [offsets[i]!, offsets[i + 1]!];
      for (let t = a; t < b; t++)
        native.axpy(
          1 / (b - a),
          g.subarray(i * dim, (i + 1) * dim),
          gx.subarray(t * dim, (t + 1) * dim),
          dim,
        );
    }
  });
}
