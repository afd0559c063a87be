import { native } from "../native.js";
import { allocUninit } from "../pool.js";
import { fromOp, type Tensor } from "../tensor.js";

/**
 * Look up rows of `table` [V, D] for integer ids of any shape → [...shape, D].
 * The gradient scatter-adds into the table, summing repeated ids.
 */
export function embedding(table: Tensor, ids: Int32Array, shape: number[] = [ids.length]): Tensor {
  if (table.rank !== 2) throw new Error(`embedding: table must be [V, D], got [${table.shape}]`);
  const [vocab, dim] = table.shape as [number, number];
  const out = allocUninit(ids.length * dim);
  native.gatherRows(table.data, vocab, ids, out, ids.length, dim);
  return fromOp(out, [...shape, dim], [table], (y) => {
    native.scatterAddRows(y.grad!, ids, table.ensureGrad(), vocab, ids.length, dim);
  });
}
