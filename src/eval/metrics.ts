/**
 * Top-K metrics for one relevant item per user (leave-one-out), computed from
 * the target's 1-based rank among the candidates:
 *
 * - `hr@K`   = 1 if rank <= K else 0
 * - `ndcg@K` = 1 / log2(rank + 1) if rank <= K else 0 (the ideal DCG is 1)
 * - `mrr@K`  = 1 / rank if rank <= K else 0
 *
 * Each is averaged over the evaluated users. These match RecBole's `hit`,
 * `ndcg` and `mrr` for a single positive item per user.
 */
import { UserError } from "../util/errors.js";

/** The cutoffs used when none are given. */
export const DEFAULT_CUTOFFS: readonly number[] = [5, 10, 20];

/** The metric names produced for each cutoff, in output order. */
export const METRIC_NAMES = ["hr", "ndcg", "mrr"] as const;

/** One of {@link METRIC_NAMES}. */
export type MetricName = (typeof METRIC_NAMES)[number];

/** The output key of a metric at a cutoff, e.g. `metricKey("ndcg", 10) === "ndcg@10"`. */
export function metricKey(name: MetricName, cutoff: number): string {
  return `${name}@${cutoff}`;
}

/** A metric at a cutoff, as `metricKey` writes it ("ndcg@10"). */
export interface MetricAt {
  name: MetricName;
  cutoff: number;
}

/** The inverse of {@link metricKey}; a bad key is a {@link UserError} naming what is expected. */
export function parseMetricKey(key: string): MetricAt {
  const m = /^([a-z]+)@([0-9]+)$/.exec(key.trim().toLowerCase());
  const name = m?.[1] as MetricName | undefined;
  const cutoff = Number(m?.[2]);
  if (name === undefined || !METRIC_NAMES.includes(name) || !(cutoff >= 1)) {
    throw new UserError(
      `metric: expected NAME@K with NAME one of ${METRIC_NAMES.join(", ")} and K ≥ 1 (e.g. ndcg@10), got "${key}"`,
    );
  }
  return { name, cutoff };
}

/** A hit at 1-based rank r is worth this much to each metric (inside the cutoff). */
const WORTH: Record<MetricName, (rank: number) => number> = {
  hr: () => 1,
  ndcg: (rank) => 1 / Math.log2(rank + 1),
  mrr: (rank) => 1 / rank,
};

/** One user's metric from the target's 1-based rank (0 or less: not evaluated → NaN). */
export function metricOfRank(rank: number, metric: MetricAt): number {
  if (!(rank > 0)) return Number.NaN;
  return rank > metric.cutoff ? 0 : WORTH[metric.name](rank);
}

/**
 * Check cutoffs (positive integers), drop duplicates and sort them ascending.
 * Throws {@link UserError} on an empty list or a bad value.
 */
export function normalizeCutoffs(cutoffs: readonly number[] = DEFAULT_CUTOFFS): number[] {
  if (cutoffs.length === 0) throw new UserError("cutoffs: expected at least one cutoff");
  for (const k of cutoffs) {
    if (!Number.isInteger(k) || k < 1) {
      throw new UserError(`cutoffs: expected positive integers, got ${String(k)}`);
    }
  }
  return [...new Set(cutoffs)].sort((a, b) => a - b);
}

/**
 * Mean HR/NDCG/MRR at each cutoff over the given ranks. Ranks `<= 0` mean "not
 * evaluated" (no target) and are skipped; `count` in the result is how many
 * ranks were used. With no evaluated user every metric is 0.
 *
 * Keys come grouped by cutoff, ascending: `hr@5, ndcg@5, mrr@5, hr@10, ...`.
 */
export function rankingMetrics(
  ranks: ArrayLike<number>,
  cutoffs: readonly number[] = DEFAULT_CUTOFFS,
): { metrics: Record<string, number>; count: number } {
  const ks = normalizeCutoffs(cutoffs);
  const hr = new Float64Array(ks.length);
  const ndcg = new Float64Array(ks.length);
  const mrr = new Float64Array(ks.length);
  let count = 0;
  for (let i = 0; i < ranks.length; i++) {
    const r = ranks[i];
    if (!(r > 0)) continue;
    count++;
    const gain = WORTH.ndcg(r);
    const rr = WORTH.mrr(r);
    // Cutoffs are ascending: once r <= k it holds for every larger k.
    for (let c = ks.length - 1; c >= 0 && r <= ks[c]; c--) {
      hr[c] += 1;
      ndcg[c] += gain;
      mrr[c] += rr;
    }
  }
  const metrics: Record<string, number> = {};
  for (let c = 0; c < ks.length; c++) {
    const k = ks[c];
    metrics[metricKey("hr", k)] = count === 0 ? 0 : hr[c] / count;
    metrics[metricKey("ndcg", k)] = count === 0 ? 0 : ndcg[c] / count;
    metrics[metricKey("mrr", k)] = count === 0 ? 0 : mrr[c] / count;
  }
  return { metrics, count };
}
