import { native } from "../native.js";
import { allocUninit } from "../pool.js";
import { fromOp, type Tensor } from "../tensor.js";

/**
 * Ops that read table rows through ids in place, where `embedding` would
 * first copy them into a [B, L, d] activation: each modality's view of the
 * catalogue is small enough to stay in cache, and the gathered copy of every
 * view (read again by each consumer, and its gradient scattered back) is what
 * a multi-modal history otherwise costs in memory traffic.
 */

function checkTable(op: string, t: Tensor, dim?: number): [number, number] {
  if (t.rank !== 2) throw new Error(`${op}: tables must be [V, d], got [${t.shape}]`);
  const [vocab, d] = t.shape as [number, number];
  if (dim !== undefined && d !== dim)
    throw new Error(`${op}: tables differ in width: ${d} and ${dim}`);
  return [vocab, d];
}

/**
 * Σ_m w[b, m] · tables[m][ids[b, l]]: the per-user weighted sum of M tables'
 * rows at the same ids, for ids [B·L] in rows of `per` = L and w [B, M] →
 * [B, L, d]. The floats of `weightedSum(tables.map((t) => embedding(t, ids)), w)`
 * (the same products and sums in the same order), without the M gathered copies.
 */
export function gatheredWeightedSum(
  tables: readonly Tensor[],
  ids: Int32Array,
  w: Tensor,
  shape: [number, number],
): Tensor {
  const M = tables.length;
  if (M === 0) throw new Error("gatheredWeightedSum needs at least one table");
  const [b, per] = shape;
  if (ids.length !== b * per)
    throw new Error(`gatheredWeightedSum: ${ids.length} ids for a [${b}, ${per}] batch`);
  if (w.rank !== 2 || w.shape[0] !== b || w.shape[1] !== M)
    throw new Error(`gatheredWeightedSum: weights must be [${b}, ${M}], got [${w.shape}]`);
  const [, d] = checkTable("gatheredWeightedSum", tables[0]!);
  for (const t of tables) checkTable("gatheredWeightedSum", t, d);
  const rows = ids.length;
  const out = allocUninit(rows * d);
  tables.forEach((t, m) => {
    native.gatheredTerm(t.data, t.shape[0]!, ids, w.data, out, rows, per, d, M, m, m > 0);
  });
  return fromOp(out, [b, per, d], [...tables, w], (y) => {
    const g = y.grad!;
    const dw = w.requiresGrad ? w.gradSink() : null;
    if (dw?.fresh) dw.buf.fill(0);
    tables.forEach((t, m) => {
      const dt = t.requiresGrad ? t.ensureGrad() : null;
      if (dt === null && dw === null) return;
      native.gatheredTermBackward(
        g,
        t.data,
        t.shape[0]!,
        ids,
        w.data,
        dt,
        dw?.buf ?? null,
        rows,
        per,
        d,
        M,
        m,
      );
    });
  });
}

/**
 * A weighted bag per row: out[b] = Σ_l a[b, l] · table[ids[b, l]] for ids
 * [B·L] and weights a [B, L] (or [B, 1, L]) → [B, d]. The gradient reaches
 * the table and the weights.
 */
export function weightedBag(table: Tensor, ids: Int32Array, a: Tensor): Tensor {
  const [vocab, d] = checkTable("weightedBag", table);
  const b = a.shape[0]!;
  const per = a.size / b;
  if (ids.length !== a.size)
    throw new Error(`weightedBag: ${ids.length} ids for ${a.size} weights [${a.shape}]`);
  const out = allocUninit(b * d);
  native.bag(table.data, vocab, ids, a.data, out, b, per, d);
  return fromOp(out, [b, d], [table, a], (y) => {
    const da = a.requiresGrad ? a.gradSink() : null;
    const dt = table.requiresGrad ? table.ensureGrad() : null;
    native.bagBackward(
      y.grad!,
      table.data,
      vocab,
      ids,
      a.data,
      dt,
      da?.buf ?? null,
      b,
      per,
      d,
      da !== null && !da.fresh,
    );
  });
}
