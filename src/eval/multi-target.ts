/**
 * Full ranking with several targets per row (ComiRec's user-split protocol).
 * Candidates are the items 1..numItems; with `excludeHistory` (the default)
 * the row's history items are removed, except those that are also targets,
 * which stay candidates. Each target gets a pessimistic 1-based position:
 *
 *     position(t) = 1 + #{non-target candidates j : s_j >= s_t}
 *                     + #{targets ranked before t}
 *
 * so a target tied with non-targets ranks after all of them; targets tied
 * with each other take consecutive positions (which of them comes first does
 * not change any metric). NaN rules as in `ranking.ts`: a NaN candidate ranks
 * below everything (it never counts against a target), and the targets with
 * a NaN score take the worst positions (the last ones among the candidates).
 *
 * Cost per row: the row's m target scores are sorted, then one pass over the
 * catalogue; a candidate scoring below every target is skipped with one
 * comparison, one above the lowest finds its place by binary search among the
 * m sorted scores. The catalogue itself is never sorted. Scores arrive
 * through a callback, a batch of rows at a time, as in `ranking.ts`.
 */
import { UserError } from "../util/errors.js";
import { MULTI_TARGET_CUTOFFS, multiTargetMetrics } from "./multi-metrics.js";
import {
  type BlockScope,
  checkScores,
  HistoryScratch,
  type ItemList,
  noScope,
  plannedRows,
  type ScoreBatch,
  type ScoreBatchAsync,
  usersOf,
} from "./ranking.js";

/** Input of {@link evaluateMultiTarget}. */
export interface MultiTargetOptions<S = ScoreBatch> {
  /** Number of real items; item ids are 1..numItems. */
  numItems: number;
  /** User id of each evaluation row. */
  users: Int32Array;
  /** The targets of each row (items 1..numItems; repeats count once); an empty list skips the row. */
  targets: readonly ArrayLike<number>[];
  /** Items the row's user saw (its input). Padding 0 entries are ignored. */
  history?: (row: number) => ItemList | null | undefined;
  /** Scores for a batch of rows (the layout of `ranking.ts`'s {@link ScoreBatch}). */
  scoreBatch: S;
  /** Rows per call to `scoreBatch` (default 256), at most what `scoreBlockBytes` allows. */
  batchSize?: number;
  /** Bytes one score block may take (default 64 MiB; `ranking.ts`'s `rowsPerBlock`). */
  scoreBlockBytes?: number;
  /** Metric cutoffs (default [20, 50]). */
  cutoffs?: readonly number[];
  /** Remove history items that are not targets from the candidates (default true). */
  excludeHistory?: boolean;
  /** The order rows are scored in (default 0, 1, 2, ...); results do not depend on it. */
  order?: readonly number[];
  /** Called after each batch with (rows done, rows to do). */
  onProgress?: (done: number, total: number) => void;
  /** Runs one block's scoring and ranking (`ranking.ts`'s `FullRankingOptions.scope`). */
  scope?: BlockScope;
}

/** Output of {@link evaluateMultiTarget}. */
export interface MultiTargetResult {
  /** Mean recall/ndcg/ndcg_comirec/hit at each cutoff over evaluated rows (`multi-metrics.ts`). */
  metrics: Record<string, number>;
  /** Per row, the ascending pessimistic positions of its distinct targets; empty for skipped rows. */
  positions: Int32Array[];
  /** Number of evaluated rows (rows with a target). */
  count: number;
}

/** Reusable scratch space of {@link targetPositions}. */
export class TargetScratch {
  readonly history = new HistoryScratch();
  items = new Int32Array(16);
  scores = new Float64Array(16);
  counts = new Int32Array(17);

  /** Make room for m targets. */
  reserve(m: number): void {
    if (this.items.length >= m) return;
    const size = Math.max(m, 2 * this.items.length);
    this.items = new Int32Array(size);
    this.scores = new Float64Array(size);
    this.counts = new Int32Array(size + 1);
  }
}

/** Number of entries of ascending `a[0..m)` that are <= s (s not NaN). */
function countAtMost(a: Float64Array, m: number, s: number): number {
  let lo = 0;
  let hi = m;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The distinct targets of a row, validated, ascending, into scratch.items; returns how many. */
function collectTargets(
  targets: ArrayLike<number>,
  numItems: number,
  scratch: TargetScratch,
  row: number,
): number {
  scratch.reserve(targets.length);
  const items = scratch.items;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i] as number;
    if (!Number.isInteger(t) || t < 1 || t > numItems) {
      throw new UserError(`row ${row}: target item ${t} is outside 1..${numItems}`);
    }
    items[i] = t;
  }
  items.subarray(0, targets.length).sort();
  let m = 0;
  for (let i = 0; i < targets.length; i++) {
    if (i === 0 || items[i] !== items[i - 1]) items[m++] = items[i] as number;
  }
  return m;
}

/**
 * The ascending pessimistic positions of a row's distinct targets in the score
 * row starting at `offset` (`scores[offset]` is the padding item's). `exclude`
 * lists the items removed from the candidates (targets never are). See the
 * file comment for the tie and NaN rules.
 */
export function targetPositions(
  scores: Float32Array,
  offset: number,
  numItems: number,
  targets: ArrayLike<number>,
  exclude: ItemList | null = null,
  scratch: TargetScratch = new TargetScratch(),
  row = 0,
): Int32Array {
  const m = collectTargets(targets, numItems, scratch, row);
  const items = scratch.items;
  // Excluded history, sorted and distinct, targets taken out (a target stays a candidate).
  const nHist = exclude === null ? 0 : scratch.history.collect(exclude, numItems, 0, row);
  const hist = scratch.history.buf;
  let nEx = 0;
  for (let k = 0, t = 0; k < nHist; k++) {
    const h = hist[k] as number;
    if (k > 0 && h === hist[k - 1]) continue;
    while (t < m && (items[t] as number) < h) t++;
    if (t < m && items[t] === h) continue;
    hist[nEx++] = h;
  }
  // Finite-or-infinite target scores ascending; NaN targets are counted apart.
  const a = scratch.scores;
  let finite = 0;
  for (let i = 0; i < m; i++) {
    const s = scores[offset + (items[i] as number)] as number;
    if (!Number.isNaN(s)) a[finite++] = s;
  }
  a.subarray(0, finite).sort();
  const out = new Int32Array(m);
  if (finite > 0) {
    // counts[c]: candidates scoring >= exactly the c lowest target scores.
    const counts = scratch.counts;
    counts.fill(0, 0, finite + 1);
    const low = a[0] as number;
    const end = offset + numItems + 1;
    for (let j = offset + 1; j < end; j++) {
      const s = scores[j] as number;
      if (!(s >= low)) continue; // below every target, or NaN
      counts[countAtMost(a, finite, s)]++;
    }
    // The pass counted the targets and the excluded items too: take them back out.
    const uncount = (item: number) => {
      const s = scores[offset + item] as number;
      if (s >= low) counts[countAtMost(a, finite, s)]--;
    };
    for (let i = 0; i < m; i++) uncount(items[i] as number);
    for (let k = 0; k < nEx; k++) uncount(hist[k] as number);
    // Walk the targets from the highest score down: `above` non-targets score >= a[i].
    let above = 0;
    for (let i = finite - 1; i >= 0; i--) {
      above += counts[i + 1] as number;
      const d = finite - 1 - i; // targets ranked before this one
      out[d] = d + 1 + above;
    }
  }
  // NaN targets take the last positions among the candidates.
  const candidates = numItems - nEx;
  for (let d = finite; d < m; d++) out[d] = candidates - (m - d) + 1;
  return out;
}

interface Plan {
  rows: number[];
  batchSize: number;
  excludeHistory: boolean;
}

function plan<S>(o: MultiTargetOptions<S>): Plan {
  const { rows, batchSize } = plannedRows(o, (r) => (o.targets[r] as ArrayLike<number>).length > 0);
  return { rows, batchSize, excludeHistory: o.excludeHistory ?? true };
}

function rankBatch<S>(
  o: MultiTargetOptions<S>,
  p: Plan,
  batch: readonly number[],
  scores: Float32Array,
  positions: Int32Array[],
  scratch: TargetScratch,
): void {
  const width = o.numItems + 1;
  checkScores(scores, batch.length, width);
  batch.forEach((row, b) => {
    const hist = p.excludeHistory && o.history ? (o.history(row) ?? null) : null;
    const targets = o.targets[row] as ArrayLike<number>;
    positions[row] = targetPositions(scores, b * width, o.numItems, targets, hist, scratch, row);
  });
}

function start<S>(o: MultiTargetOptions<S>) {
  const p = plan(o);
  const positions = Array.from(o.targets, () => new Int32Array(0));
  return { p, positions, scratch: new TargetScratch() };
}

function finish<S>(o: MultiTargetOptions<S>, positions: Int32Array[]): MultiTargetResult {
  const { metrics, count } = multiTargetMetrics(positions, o.cutoffs ?? MULTI_TARGET_CUTOFFS);
  return { metrics, positions, count };
}

/**
 * Multi-target full ranking of every row with a target, `batchSize` rows per
 * call to `scoreBatch`. Memory beyond the score block: O(batch + history +
 * targets).
 */
export function evaluateMultiTarget(o: MultiTargetOptions<ScoreBatch>): MultiTargetResult {
  const { p, positions, scratch } = start(o);
  const scope = o.scope ?? noScope;
  for (let at = 0; at < p.rows.length; at += p.batchSize) {
    const batch = p.rows.slice(at, at + p.batchSize);
    scope(() =>
      rankBatch(o, p, batch, o.scoreBatch(batch, usersOf(o.users, batch)), positions, scratch),
    );
    o.onProgress?.(at + batch.length, p.rows.length);
  }
  return finish(o, positions);
}

/** {@link evaluateMultiTarget} for a scorer that may return a Promise (one batch in flight). */
export async function evaluateMultiTargetAsync(
  o: MultiTargetOptions<ScoreBatchAsync>,
): Promise<MultiTargetResult> {
  const { p, positions, scratch } = start(o);
  for (let at = 0; at < p.rows.length; at += p.batchSize) {
    const batch = p.rows.slice(at, at + p.batchSize);
    const scores = await o.scoreBatch(batch, usersOf(o.users, batch));
    rankBatch(o, p, batch, scores, positions, scratch);
    o.onProgress?.(at + batch.length, p.rows.length);
  }
  return finish(o, positions);
}
