import { batchOfHistories } from "../data/batches.js";
import { unknownUser } from "../data/dataset.js";
import { type LoadedRun, type Recommendation, recommendForHistory } from "../train/run.js";
import { UserError } from "../util/errors.js";
import { exactScore } from "./factors.js";
import type { AnnIndex } from "./store.js";

/**
 * Top-k through the index: each interest's query asks the index for
 * k + |excluded| candidates (so that k remain once the excluded items are
 * dropped), the candidates are scored exactly (max over interests, as
 * `scoreAll`) and ranked (ties: lower index first). If fewer than k remain,
 * the exact top-k answers instead. Same shape as `recommendForHistory`.
 */
export async function annRecommendForHistory(
  run: LoadedRun,
  ann: AnnIndex,
  history: Int32Array,
  k: number,
  exclude: Iterable<number> = history,
): Promise<Recommendation[]> {
  if (history.length === 0) throw new UserError("cannot recommend from an empty history");
  const f = ann.factors;
  const banned = new Set<number>(exclude);
  banned.delete(0);
  const queries = f.queries(batchOfHistories([history], run.config.maxLength));
  const limit = Math.min(f.numItems, k + banned.size);
  const found = new Set<number>();
  for (let i = 0; i < f.interests; i++) {
    for (const item of await ann.search(queries.subarray(i * f.dim, (i + 1) * f.dim), limit))
      if (!banned.has(item)) found.add(item);
  }
  if (found.size < k) return recommendForHistory(run, history, k, banned);
  const scored = [...found].map((item) => ({ item, score: exactScore(f, queries, item) }));
  scored.sort((a, b) => b.score - a.score || a.item - b.item);
  return scored.slice(0, k).map((s) => ({ item: run.dataset.itemIds[s.item]!, score: s.score }));
}

/** Top-k for a known user through the index (seen items excluded), as `recommendForUser`. */
export async function annRecommendForUser(
  run: LoadedRun,
  ann: AnnIndex,
  userId: string,
  k: number,
): Promise<Recommendation[]> {
  const u = run.dataset.userIndex.get(userId);
  if (u === undefined) throw unknownUser(run.dataset, userId);
  return annRecommendForHistory(run, ann, run.dataset.sequences[u]!, k);
}
