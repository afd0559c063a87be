/**
 * POI-AUC: how well per-user modality weights pi_u^m recover the planted
 * points of interest. For one user, the AUC is the probability that a POI
 * modality is weighted above a non-POI one (ties count 0.5):
 *
 *     AUC_u = ( #{(p, n) : pi[p] > pi[n]} + 0.5 #{(p, n) : pi[p] == pi[n]} ) / (|P| |N|)
 *
 * over POI modalities p and non-POI modalities n of that user. {@link meanPoiAuc}
 * averages AUC_u over the users that have at least one of each;
 * {@link pooledPoiAuc} pools all (user, modality) weights into one AUC.
 * A NaN weight counts as the lowest possible weight (tied with other NaNs).
 */
import { UserError } from "../util/errors.js";
import type { FlatMatrix } from "./matrix.js";

export type { FlatMatrix } from "./matrix.js";

/** Per-user rows (`m[u][k]`), or a {@link FlatMatrix}. */
export type UserMatrix = ArrayLike<ArrayLike<number>> | FlatMatrix;

/** Labels: truthy / nonzero = POI. Same shapes as {@link UserMatrix}. */
export type LabelMatrix = ArrayLike<ArrayLike<number | boolean>> | FlatMatrix;

/** Result of {@link meanPoiAuc}. */
export interface PoiAucResult {
  /** Mean per-user AUC (NaN when no user qualifies). */
  auc: number;
  /** Users that had at least one POI and one non-POI modality. */
  users: number;
  /** Users skipped because all their modalities were POI, or none was. */
  skipped: number;
}

function isFlat(m: UserMatrix | LabelMatrix): m is FlatMatrix {
  return typeof (m as FlatMatrix).cols === "number" && "data" in m;
}

function numRows(m: UserMatrix | LabelMatrix): number {
  return isFlat(m) ? m.rows : m.length;
}

/** Row `u` of a matrix (the row itself, or a copy of that one row of a flat matrix). */
function row(m: UserMatrix, u: number): ArrayLike<number>;
function row(m: LabelMatrix, u: number): ArrayLike<number | boolean>;
function row(m: UserMatrix | LabelMatrix, u: number): ArrayLike<number | boolean> {
  if (!isFlat(m)) return m[u];
  const { data, cols } = m;
  const start = u * cols;
  return Array.from({ length: cols }, (_, k) => data[start + k]);
}

function checkShapes(weights: UserMatrix, labels: LabelMatrix): number {
  const n = numRows(weights);
  if (numRows(labels) !== n) {
    throw new UserError(`POI-AUC: ${n} users of weights but ${numRows(labels)} of labels`);
  }
  if (isFlat(weights) && weights.data.length < weights.rows * weights.cols) {
    throw new UserError("POI-AUC: weights data is shorter than rows x cols");
  }
  if (isFlat(labels) && labels.data.length < labels.rows * labels.cols) {
    throw new UserError("POI-AUC: labels data is shorter than rows x cols");
  }
  return n;
}

/** NaN sorts as -Infinity, so it is the lowest weight. */
function key(x: number): number {
  return Number.isNaN(x) ? Number.NEGATIVE_INFINITY : x;
}

/**
 * AUC of one list of scores against binary labels, by pairwise comparison.
 * Returns NaN when there is no positive or no negative.
 */
export function pairwiseAuc(
  scores: ArrayLike<number>,
  labels: ArrayLike<number | boolean>,
): number {
  if (scores.length !== labels.length) {
    throw new UserError(`POI-AUC: ${scores.length} weights but ${labels.length} labels`);
  }
  let pos = 0;
  let neg = 0;
  let wins = 0;
  for (let p = 0; p < scores.length; p++) {
    if (!labels[p]) {
      neg++;
      continue;
    }
    pos++;
    const sp = key(scores[p]);
    for (let n = 0; n < scores.length; n++) {
      if (labels[n]) continue;
      const sn = key(scores[n]);
      if (sp > sn) wins += 1;
      else if (sp === sn) wins += 0.5;
    }
  }
  return pos === 0 || neg === 0 ? Number.NaN : wins / (pos * neg);
}

/** Mean over users of the per-user POI-AUC (users without both kinds are skipped). */
export function meanPoiAuc(weights: UserMatrix, labels: LabelMatrix): PoiAucResult {
  const n = checkShapes(weights, labels);
  let sum = 0;
  let users = 0;
  for (let u = 0; u < n; u++) {
    const a = pairwiseAuc(row(weights, u), row(labels, u));
    if (Number.isNaN(a)) continue;
    sum += a;
    users++;
  }
  return { auc: users === 0 ? Number.NaN : sum / users, users, skipped: n - users };
}

/**
 * Pooled AUC: every (user, modality) weight in one list, POI against non-POI
 * across all users (Mann-Whitney with mid-ranks for ties; O(n log n)).
 * Returns NaN when there is no POI or no non-POI pair at all.
 */
export function pooledPoiAuc(weights: UserMatrix, labels: LabelMatrix): number {
  const n = checkShapes(weights, labels);
  const scores: number[] = [];
  const isPos: boolean[] = [];
  for (let u = 0; u < n; u++) {
    const w = row(weights, u);
    const l = row(labels, u);
    if (w.length !== l.length) {
      throw new UserError(`POI-AUC: user ${u} has ${w.length} weights but ${l.length} labels`);
    }
    for (let m = 0; m < w.length; m++) {
      scores.push(key(w[m]));
      isPos.push(Boolean(l[m]));
    }
  }
  return rankAuc(scores, isPos);
}

/** Mann-Whitney AUC with mid-ranks; `scores` must hold no NaN. */
function rankAuc(scores: number[], isPos: boolean[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b] || 0);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    const midRank = (i + j) / 2 + 1; // 1-based mid-rank of the tie group i..j
    for (let k = i; k <= j; k++) {
      if (isPos[order[k]]) {
        pos++;
        rankSum += midRank;
      }
    }
    i = j + 1;
  }
  const neg = scores.length - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
