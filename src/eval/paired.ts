/**
 * Two models on the same users: is the difference in a top-K metric larger
 * than the test set's own sampling noise? Each user contributes one paired
 * difference d_u = metric_B(u) − metric_A(u) (each side's metric may be a
 * mean over several runs, e.g. seeds); the mean of d is the difference of
 * the two reported figures.
 *
 * - a percentile bootstrap over users gives a 95 % interval for that mean;
 * - a sign-flip (paired permutation) test gives a two-sided p-value for
 *   "A and B rank equally well": under that hypothesis each d_u is as likely
 *   to have either sign.
 *
 * Both resample users, so they speak to this test set only: they say nothing
 * about another training seed, which is a separate source of spread (averaging
 * each side over its seeds first narrows that, it does not measure it).
 */
import { UserError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { type MetricAt, metricOfRank } from "./metrics.js";

/** What {@link comparePaired} reports. */
export interface PairedComparison {
  /** Users ranked by both models. */
  users: number;
  /** Mean metric of A and of B over those users. */
  a: number;
  b: number;
  /** b − a, and (b − a) / a (null when a is 0). */
  difference: number;
  relative: number | null;
  /** 95 % percentile-bootstrap interval of b − a. */
  ci95: [number, number];
  /** Users for whom B scores higher, lower, the same (on the seed means, when sides have several runs). */
  better: number;
  worse: number;
  tied: number;
  /** Two-sided sign-flip p-value, (1 + #{|mean*| ≥ |mean|}) / (1 + resamples). */
  pValue: number;
  resamples: number;
  seed: number;
}

export interface PairedOptions {
  /** Bootstrap samples and sign flips (default 10 000). */
  resamples?: number;
  /** Seed of both resampling procedures (default 0): the same inputs give the same interval and p. */
  seed?: number;
}

/** Each row's metric from its rank (NaN where the row was not evaluated). */
export function userMetric(ranks: ArrayLike<number>, metric: MetricAt): Float64Array {
  return Float64Array.from({ length: ranks.length }, (_, i) => metricOfRank(ranks[i]!, metric));
}

/**
 * Row by row, the mean over several runs of the same model (e.g. its seeds):
 * the mean over users of these is the mean of the runs' figures. NaN where
 * any run did not evaluate the row.
 */
export function meanOverRuns(runs: readonly Float64Array[]): Float64Array {
  const first = runs[0];
  if (first === undefined) throw new Error("meanOverRuns: no run");
  const out = new Float64Array(first.length);
  for (const r of runs) {
    if (r.length !== first.length) throw new Error("meanOverRuns: runs of different lengths");
    for (let i = 0; i < r.length; i++) out[i]! += r[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= runs.length;
  return out;
}

/**
 * Compare two models' per-row metrics on the same targets, row by row
 * (`userMetric`, or `meanOverRuns` of several). Rows either side did not
 * evaluate (NaN) are left out of both.
 */
export function comparePaired(
  metricA: Float64Array,
  metricB: Float64Array,
  opts: PairedOptions = {},
): PairedComparison {
  if (metricA.length !== metricB.length)
    throw new Error(`comparePaired: ${metricA.length} rows against ${metricB.length}`);
  const resamples = opts.resamples ?? 10_000;
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new UserError(`resamples: expected a positive integer, got ${resamples}`);
  const va: number[] = [];
  const vb: number[] = [];
  for (let i = 0; i < metricA.length; i++) {
    const x = metricA[i]!;
    const y = metricB[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    va.push(x);
    vb.push(y);
  }
  const n = va.length;
  if (n === 0) throw new UserError("no user was ranked by both models: nothing to compare");
  const d = Float64Array.from(vb, (y, i) => y - va[i]!);
  const a = mean(va);
  const b = mean(vb);
  const difference = mean(d);
  let better = 0;
  let worse = 0;
  for (const x of d) {
    if (x > 0) better++;
    else if (x < 0) worse++;
  }
  return {
    users: n,
    a,
    b,
    difference,
    relative: a === 0 ? null : difference / a,
    ci95: bootstrapInterval(d, resamples, new Rng(seed), 0.95),
    better,
    worse,
    tied: n - better - worse,
    pValue: signFlipPValue(d, resamples, new Rng(seed + 1)),
    resamples,
    seed,
  };
}

/** Percentile interval of the mean of d over `resamples` bootstrap samples of its rows. */
export function bootstrapInterval(
  d: Float64Array,
  resamples: number,
  rng: Rng,
  level: number,
): [number, number] {
  const n = d.length;
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[rng.int(n)]!;
    means[r] = s / n;
  }
  means.sort();
  const tail = (1 - level) / 2;
  return [quantile(means, tail), quantile(means, 1 - tail)];
}

/**
 * Two-sided p-value of the paired permutation test: flip each d_u's sign at
 * random and count how often |mean| reaches the observed one. The observed
 * arrangement counts as one of the samples, so p is never 0.
 */
export function signFlipPValue(d: Float64Array, resamples: number, rng: Rng): number {
  const n = d.length;
  const observed = Math.abs(mean(d));
  // A tolerance for float summation order: a flip that reproduces the observed
  // pattern must count as reaching it.
  const reach = observed * (1 - 1e-12);
  let hits = 0;
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    let bits = 0;
    for (let i = 0; i < n; i++) {
      // One random 32-bit word gives the signs of 32 users.
      if ((i & 31) === 0) bits = rng.nextU32();
      s += (bits >>> (i & 31)) & 1 ? -d[i]! : d[i]!;
    }
    if (Math.abs(s / n) >= reach) hits++;
  }
  return (1 + hits) / (1 + resamples);
}

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s / x.length;
}

/** Linear-interpolated quantile of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
