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

/**
 * The mean of each segment's rows of `table`: out[i] = mean(table[ids[t]] for t
 * in offsets[i] .. offsets[i+1]), [n, D] for offsets of length n + 1. The same as
 * segmentMean(embedding(table, ids), offsets) without the [T, D] intermediate:
 * one pass forward, one scatter-add backward. An empty segment gives a zero row.
 */
export function embeddingBagMean(table: Tensor, ids: Int32Array, offsets: Int32Array): Tensor {
  const dim = table.shape[1]!;
  const rows = table.shape[0]!;
  const n = offsets.length - 1;
  if (offsets[n] !== ids.length)
    throw new Error(`embeddingBagMean: offsets end at ${offsets[n]}, there are ${ids.length} ids`);
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t]!;
    if (id < 0 || id >= rows)
      throw new Error(`embeddingBagMean: id ${id} at ${t} is outside 0..${rows - 1}`);
  }
  const out = alloc(n * dim);
  bagMeans(table.data, ids, offsets, dim, out);
  return fromOp(out, [n, dim], [table], (y) => {
    bagMeansBackward(y.grad!, ids, offsets, dim, table.ensureGrad());
  });
}

/** out[i] += mean of the table rows of bag i (plain loops: a per-member closure cost 2-3x). */
function bagMeans(
  w: Float32Array,
  ids: Int32Array,
  offsets: Int32Array,
  dim: number,
  out: Float32Array,
): void {
  for (let i = 0; i + 1 < offsets.length; i++) {
    const a = offsets[i]!;
    const b = offsets[i + 1]!;
    const k = 1 / (b - a);
    const o = i * dim;
    for (let t = a; t < b; t++) {
      const src = ids[t]! * dim;
      for (let c = 0; c < dim; c++) out[o + c]! += w[src + c]! * k;
    }
  }
}

/** gw[row] += g[bag] / |bag| for every member row of every bag. */
function bagMeansBackward(
  g: Float32Array,
  ids: Int32Array,
  offsets: Int32Array,
  dim: number,
  gw: Float32Array,
): void {
  for (let i = 0; i + 1 < offsets.length; i++) {
    const a = offsets[i]!;
    const b = offsets[i + 1]!;
    const k = 1 / (b - a);
    const o = i * dim;
    for (let t = a; t < b; t++) {
      const dst = ids[t]! * dim;
      for (let c = 0; c < dim; c++) gw[dst + c]! += g[o + c]! * k;
    }
  }
}
