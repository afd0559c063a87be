/**
 * Top-N metrics for several relevant items per user (ComiRec's user-split
 * protocol), from the 1-based positions of a user's m distinct targets in the
 * ranking (see `multi-target.ts`). With hits = #{targets at position <= N}
 * and DCG = Σ over those hits of 1 / log2(position + 1):
 *
 * - `recall@N` = hits / m
 * - `hit@N` = 1 if hits > 0 else 0
 * - `ndcg@N` = DCG / IDCG(min(m, N)), the standard NDCG: the ideal ranking
 *   puts min(m, N) targets on top, IDCG(k) = Σ_{i=1..k} 1 / log2(i + 1)
 * - `ndcg_comirec@N` = DCG / IDCG(hits), 0 when there is no hit: the figure
 *   ComiRec's code reports as NDCG (it normalises by the hits it found, not by
 *   the targets there are; ComiRec issues #6 and #21). It is never below
 *   `ndcg@N` and is 1 for any user whose hits fill the top positions.
 *
 * Each is averaged over the evaluated users. ComiRec divides recall by the
 * length of the target list with repeats; here the targets are distinct, so
 * the two differ only for users who bought an item twice after the cut.
 */
import { UserError } from "../util/errors.js";
import { normalizeCutoffs } from "./metrics.js";

/** The cutoffs of the user-split protocol (ComiRec reports @20 and @50). */
export const MULTI_TARGET_CUTOFFS: readonly number[] = [20, 50];

/** The metric names produced for each cutoff, in output order. */
export const MULTI_METRIC_NAMES = ["recall", "ndcg", "ndcg_comirec", "hit"] as const;

/** One of {@link MULTI_METRIC_NAMES}. */
export type MultiMetricName = (typeof MULTI_METRIC_NAMES)[number];

/** A multi-target metric at a cutoff ("recall@50"). */
export interface MultiMetricAt {
  name: MultiMetricName;
  cutoff: number;
}

/** "recall@50" → {name: "recall", cutoff: 50}; a bad key is a {@link UserError} naming what is expected. */
export function parseMultiMetricKey(key: string): MultiMetricAt {
  const m = /^([a-z_]+)@([0-9]+)$/.exec(key.trim().toLowerCase());
  const name = m?.[1] as MultiMetricName | undefined;
  const cutoff = Number(m?.[2]);
  if (name === undefined || !MULTI_METRIC_NAMES.includes(name) || !(cutoff >= 1)) {
    throw new UserError(
      `metric: expected NAME@K with NAME one of ${MULTI_METRIC_NAMES.join(", ")} and K ≥ 1 (e.g. recall@50), got "${key}"`,
    );
  }
  return { name, cutoff };
}

/** IDCG(k) for k = 0..max: the DCG of k hits at positions 1..k. */
function idcgTable(max: number): Float64Array {
  const t = new Float64Array(max + 1);
  for (let k = 1; k <= max; k++) t[k] = (t[k - 1] as number) + 1 / Math.log2(k + 1);
  return t;
}

/** Hits and DCG of ascending `positions` within the top `cutoff`. */
function hitsAndDcg(positions: Int32Array, cutoff: number): [number, number] {
  let hits = 0;
  let dcg = 0;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i] as number;
    if (p > cutoff) break;
    hits++;
    dcg += 1 / Math.log2(p + 1);
  }
  return [hits, dcg];
}

function metricValue(
  name: MultiMetricName,
  hits: number,
  dcg: number,
  m: number,
  cutoff: number,
  idcg: Float64Array,
): number {
  switch (name) {
    case "recall":
      return hits / m;
    case "hit":
      return hits > 0 ? 1 : 0;
    case "ndcg":
      return dcg / (idcg[Math.min(m, cutoff)] as number);
    case "ndcg_comirec":
      return hits > 0 ? dcg / (idcg[hits] as number) : 0;
  }
}

/**
 * One user's metric from the ascending positions of its targets (1-based,
 * strictly increasing). No target (an empty array): not evaluated → NaN.
 */
export function multiMetricOfPositions(positions: Int32Array, metric: MultiMetricAt): number {
  const m = positions.length;
  if (m === 0) return Number.NaN;
  const [hits, dcg] = hitsAndDcg(positions, metric.cutoff);
  return metricValue(metric.name, hits, dcg, m, metric.cutoff, idcgTable(metric.cutoff));
}

/**
 * Mean recall/ndcg/ndcg_comirec/hit at each cutoff over the users' target
 * positions. Users with no target (empty arrays) are skipped; `count` is how
 * many were used. With no evaluated user every metric is 0.
 *
 * Keys come grouped by metric, cutoffs ascending: `recall@20, recall@50,
 * ndcg@20, ndcg@50, ndcg_comirec@20, ...`.
 */
export function multiTargetMetrics(
  positions: readonly Int32Array[],
  cutoffs: readonly number[] = MULTI_TARGET_CUTOFFS,
): { metrics: Record<string, number>; count: number } {
  const ks = normalizeCutoffs(cutoffs);
  const idcg = idcgTable(ks[ks.length - 1] as number);
  const sums = MULTI_METRIC_NAMES.map(() => new Float64Array(ks.length));
  let count = 0;
  for (const row of positions) {
    const m = row.length;
    if (m === 0) continue;
    count++;
    ks.forEach((k, c) => {
      const [hits, dcg] = hitsAndDcg(row, k);
      MULTI_METRIC_NAMES.forEach((name, n) => {
        (sums[n] as Float64Array)[c] += metricValue(name, hits, dcg, m, k, idcg);
      });
    });
  }
  const metrics: Record<string, number> = {};
  MULTI_METRIC_NAMES.forEach((name, n) => {
    ks.forEach((k, c) => {
      metrics[`${name}@${k}`] = count === 0 ? 0 : ((sums[n] as Float64Array)[c] as number) / count;
    });
  });
  return { metrics, count };
}
