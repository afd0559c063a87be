/**
 * The plain coherence heuristic from DEMURE.md, a no-learning baseline for POI
 * recovery: for user u and modality m,
 *
 *     c_u^m = mean cosine between u's history items in m
 *             - mean cosine of random item pairs in m.
 *
 * A modality the user's choices agree on scores high. The history term is exact
 * (all pairs of positions, in linear time, see {@link ModalityCosine}); the
 * random-pair term is estimated from a seeded sample of distinct present items
 * (or computed exactly over all items with `baseline: "exact"`). c_u^m is NaN
 * when fewer than two of u's history items are present in m; POI-AUC treats
 * NaN as the lowest weight.
 */
import { UserError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import type { FlatMatrix } from "./matrix.js";
import { ModalityCosine, type ModalityView } from "./modality-view.js";

/** Options of {@link coherence} and {@link randomPairBaseline}. */
export interface CoherenceOptions {
  /** "sample" (default): mean over `samples` random pairs; "exact": over all pairs of items. */
  baseline?: "sample" | "exact";
  /** Random pairs per modality for the sampled baseline (default 20 000). */
  samples?: number;
  /** Seed of the pair sample (default 0). */
  seed?: number;
}

/** Output of {@link coherence}: a users x modalities matrix plus the baselines. */
export interface CoherenceResult extends FlatMatrix {
  /** `data[u * cols + m]` = c_u^m. */
  data: Float64Array;
  /** Mean cosine of random item pairs, per modality. */
  baseline: Float64Array;
}

/**
 * Mean cosine of random pairs of distinct items present in the modality (NaN
 * when fewer than two items are present).
 */
export function randomPairBaseline(
  view: ModalityView | ModalityCosine,
  options: CoherenceOptions = {},
  rng: Rng = new Rng(options.seed ?? 0),
): number {
  const cos = view instanceof ModalityCosine ? view : new ModalityCosine(view);
  const items: number[] = [];
  for (let i = 1; i <= cos.numItems; i++) if (cos.present(i)) items.push(i);
  if (items.length < 2) return Number.NaN;
  if ((options.baseline ?? "sample") === "exact") return cos.meanPairwiseCosine(items).mean;
  const samples = options.samples ?? 20_000;
  if (!Number.isInteger(samples) || samples < 1) {
    throw new UserError(`coherence: samples must be a positive integer, got ${samples}`);
  }
  let sum = 0;
  for (let s = 0; s < samples; s++) {
    const a = rng.int(items.length);
    let b = rng.int(items.length - 1);
    if (b >= a) b++; // distinct positions, uniform over ordered pairs
    sum += cos.cosine(items[a], items[b]);
  }
  return sum / samples;
}

/**
 * Coherence c_u^m for every user (row u = `histories[u]`, the user's item ids;
 * 0 = padding, skipped) and every modality (column m = `views[m]`).
 */
export function coherence(
  views: readonly ModalityView[],
  histories: ArrayLike<ArrayLike<number>>,
  options: CoherenceOptions = {},
): CoherenceResult {
  const rows = histories.length;
  const cols = views.length;
  const data = new Float64Array(rows * cols);
  const baseline = new Float64Array(cols);
  const rng = new Rng(options.seed ?? 0);
  for (let m = 0; m < cols; m++) {
    const cos = new ModalityCosine(views[m]);
    const base = randomPairBaseline(cos, options, rng.fork());
    baseline[m] = base;
    for (let u = 0; u < rows; u++) {
      data[u * cols + m] = cos.meanPairwiseCosine(histories[u]).mean - base;
    }
  }
  return { data, rows, cols, baseline };
}
