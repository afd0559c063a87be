import type { SeqBatch } from "../data/batches.js";
import { batchOfHistories } from "../data/batches.js";
import { DemureRecommender } from "../demure/recommender.js";
import { noGrad } from "../engine/index.js";
import { interestRows } from "../models/interests.js";
import { type Recommender, SequentialRecommender } from "../models/recommender.js";
import { UserError } from "../util/errors.js";

/**
 * The two factors of a model's exact scores: `scoreAll` is, for every row,
 * the max over its K interests of <query_k, item_j>. An inner-product index
 * over `items` therefore answers the exact scorer's ranking, up to the
 * approximation of the search.
 *
 *   ID-only / MM: items = V (the item encoder's vectors), queries = h_u;
 *   Demure: items = [P_1 | .. | P_M] (the concatenated modality views),
 *   queries = [w_u^1 h_u; ..; w_u^M h_u] (the user-gated state), so the gated
 *   score Σ_m w_u^m <h_u, P_m[j]> is one inner product.
 */
export interface ScoringFactors {
  /** Item vectors, row i − 1 for item i (the padding row 0 is left out): numItems × dim. */
  items: Float32Array;
  numItems: number;
  dim: number;
  /** Interests per user (1 except for multi-interest backbones). */
  interests: number;
  /** The query rows of a batch: batch.size × interests rows of dim values. */
  queries(batch: SeqBatch): Float32Array;
}

/**
 * The factors of a loaded model. Opens an evaluation on the model (the item
 * side is computed once and kept: a served model is read-only).
 */
export function scoringFactors(model: Recommender, maxLength: number): ScoringFactors {
  model.beginEval?.();
  if (model instanceof DemureRecommender) {
    const probe = model.scoringFactors(batchOfHistories([Int32Array.of(1)], maxLength));
    const [rows, dim] = probe.catalogue.shape as [number, number];
    return {
      items: probe.catalogue.data.slice(dim, rows * dim),
      numItems: rows - 1,
      dim,
      interests: model.backbone.interests,
      queries: (batch) => model.scoringFactors(batch).queries.data,
    };
  }
  if (model instanceof SequentialRecommender) {
    const v = noGrad(() => model.encoder.encodeAll());
    const [rows, dim] = v.shape as [number, number];
    return {
      items: v.data.slice(dim, rows * dim),
      numItems: rows - 1,
      dim,
      interests: model.backbone.interests,
      queries: (batch) => noGrad(() => interestRows(model.userStates(v, batch, false)).data),
    };
  }
  throw new UserError("this model does not score by inner products: no index can serve it");
}

/** max over the `interests` query rows at `queries` of <q, item i> (item 1..numItems), as float32. */
export function exactScore(f: ScoringFactors, queries: Float32Array, item: number): number {
  const d = f.dim;
  const o = (item - 1) * d;
  let best = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < f.interests; k++) {
    let s = 0;
    const q = k * d;
    for (let x = 0; x < d; x++) s += queries[q + x]! * f.items[o + x]!;
    if (s > best) best = s;
  }
  return Math.fround(best);
}
