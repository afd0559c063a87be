import {
  add,
  concat,
  constantInit,
  embedding,
  l2Normalize,
  linear,
  logSoftmax,
  maskedSoftmax,
  matmul,
  mul,
  noGrad,
  normalInit,
  reshape,
  scale,
  sigmoid,
  softmax,
  sum,
  type Tensor,
  tanh,
  tensor,
  weightedBag,
} from "../engine/index.js";
import type { HasParams } from "../models/layers.js";
import type { Rng } from "../util/rng.js";

/** Settings of the POI estimator (DEMURE.md, part 1). */
export interface PoiEstimatorConfig {
  modalities: number;
  dim: number;
  hidden: number;
  /** softmax over modalities (weights sum to 1) or independent sigmoids. */
  gate: "softmax" | "sigmoid";
  tauPi: number;
  /**
   * Weight of the subset-surprise log-prior r_u^m on a direct path to z_u^m
   * (0 = no such path, as DEMURE.md; the gain is learned from this start).
   */
  surprise: number;
}

/** What the estimator computes for a batch of users. */
export interface PoiOutput {
  /** Pre-gate scores z_u^m [B, M]. */
  logits: Tensor;
  /** π_u [B, M]: softmax(z/τ_π) or sigmoid(z/τ_π). */
  pi: Tensor;
  /** log π_u [B, M] (softmax gate only; for the KL term). */
  logPi: Tensor | null;
  /** s_u^m, attention-pooled history per modality, each [B, d]. */
  summaries: Tensor[];
  /** Attention weights over the history per modality, each [B, L] (for explanations). */
  attention: Float32Array[];
  /** Coherence feature c_u^m [B, M] (values). */
  coherence: Float32Array;
}

/**
 * Per user and modality m: a summary of the history in m, s_u^m = Σ_i α_i e_i^m
 * with α = softmax_i(<q_m, e_i^m>/√d) over the real items that have m, and the
 * coherence c_u^m = mean cosine between history items in m minus the mean
 * cosine of random item pairs in m. Then
 *   z_u^m = MLP([s_u^m; c_u^m]) + b_m + g·c_u^m (+ g_r·r_u^m),   π_u = softmax_m(z_u / τ_π)  (or sigmoids),
 * one MLP shared by all modalities, b_m a learned prior per modality, and g a
 * learned gain on a direct path from the coherence (initialised at 4, so an
 * untrained estimator starts from the coherence heuristic and learning moves
 * away from it where the pseudo-labels disagree, e.g. under confounding).
 * With `surprise` > 0 a second direct path reads the subset-surprise log-prior
 * r_u^m (subset-surprise.ts), its gain g_r starting at τ_π·surprise so that an
 * untrained π already leans the way the pseudo-labels' prior does.
 */
export class PoiEstimator implements HasParams {
  readonly queries: Tensor[];
  readonly w1: Tensor;
  readonly b1: Tensor;
  readonly w2: Tensor;
  readonly b2: Tensor;
  readonly prior: Tensor;
  /** Gain of a direct path from c_u^m to z_u^m (starts at the heuristic: coherent = interesting). */
  readonly coherenceGain: Tensor;
  /** Gain of the direct path from the subset-surprise log-prior (null when off). */
  readonly surpriseGain: Tensor | null;

  constructor(
    readonly cfg: PoiEstimatorConfig,
    rng: Rng,
  ) {
    const { modalities, dim, hidden } = cfg;
    this.queries = Array.from({ length: modalities }, (_, m) =>
      normalInit([dim, 1], 0.02, rng, `poi.query${m}`),
    );
    this.w1 = normalInit([dim + 1, hidden], 1 / Math.sqrt(dim + 1), rng, "poi.mlp.w1");
    this.b1 = constantInit([hidden], 0, "poi.mlp.b1");
    this.w2 = normalInit([hidden, 1], 1 / Math.sqrt(hidden), rng, "poi.mlp.w2");
    this.b2 = constantInit([1], 0, "poi.mlp.b2");
    this.prior = constantInit([modalities], 0, "poi.prior");
    this.coherenceGain = constantInit([1], 4, "poi.coherenceGain");
    this.surpriseGain =
      cfg.surprise > 0 ? constantInit([1], cfg.tauPi * cfg.surprise, "poi.surpriseGain") : null;
  }

  /**
   * The history's vectors e_i^m are the rows `items` of each modality's view,
   * read in place (never gathered into a [B, L, d] copy per modality).
   * @param views per modality, the view of the catalogue: [N+1, d]
   * @param items the history's item ids [B·L] (row-major [B, L])
   * @param shape [B, L]
   * @param masks per modality, [B, L] 1 where item t is real AND has modality m
   * @param baselines per modality, the mean cosine of random item pairs
   * @param prior the subset-surprise log-prior r_u^m [B × M] (read only when `surprise` > 0)
   */
  forward(
    views: Tensor[],
    items: Int32Array,
    shape: [number, number],
    masks: Uint8Array[],
    baselines: Float64Array,
    prior: Float32Array | null = null,
  ): PoiOutput {
    const [b, l] = shape;
    const d = views[0].shape[1]!;
    const M = this.cfg.modalities;
    const summaries: Tensor[] = [];
    const attention: Float32Array[] = [];
    const coherence: Tensor[] = [];
    for (let m = 0; m < M; m++) {
      const view = views[m]!;
      // <e_i^m, q_m> for every item of the catalogue once, then read at the history's ids.
      const perItem = matmul(view, this.queries[m]!); // [N+1, 1]
      const scores = scale(embedding(perItem, items, [b, 1, l]), 1 / Math.sqrt(d));
      const alpha = maskedSoftmax(reshape(scores, [b, 1, l]), {
        causal: false,
        keyMask: masks[m]!,
        heads: 1,
      });
      attention.push(alpha.data);
      summaries.push(weightedBag(view, items, alpha));
      coherence.push(coherenceOf(view, items, shape, masks[m]!, baselines[m]!));
    }
    // MLP over [s_u^m; c_u^m] for every (u, m) at once: [B, M, d+1] → [B, M].
    const cols = summaries.map((s, m) => reshape(concat([s, coherence[m]!], 1), [b, 1, d + 1]));
    const x = concat(cols, 1);
    const hidden = tanh(linear(x, this.w1, this.b1));
    const c = concat(coherence, 1); // [B, M]
    const direct = mul(c, this.coherenceGain);
    let z = add(add(reshape(linear(hidden, this.w2, this.b2), [b, M]), this.prior), direct);
    if (this.surpriseGain !== null && prior !== null) {
      z = add(z, mul(tensor(prior, [b, M]), this.surpriseGain));
    }
    const zt = scale(z, 1 / this.cfg.tauPi);
    const pi = this.cfg.gate === "softmax" ? softmax(zt) : sigmoid(zt);
    const logPi = this.cfg.gate === "softmax" ? logSoftmax(zt) : null;
    return { logits: z, pi, logPi, summaries, attention, coherence: c.data };
  }

  params(): Tensor[] {
    return [
      ...this.queries,
      ...[this.w1, this.b1, this.w2, this.b2, this.prior, this.coherenceGain],
      ...(this.surpriseGain === null ? [] : [this.surpriseGain]),
    ];
  }
}

/**
 * c_u^m: mean pairwise cosine of the masked rows of e [B, L, d] per user, minus
 * `baseline` (0 for users with fewer than two items in the modality), as a
 * differentiable [B, 1] tensor. Uses Σ_{i≠j} cos(i, j) = ‖Σ_i û_i‖² − n, so it
 * is linear in L.
 */
export function coherenceOf(
  view: Tensor,
  items: Int32Array,
  shape: [number, number],
  mask: Uint8Array,
  baseline: number,
): Tensor {
  const [b, l] = shape;
  const n = new Float32Array(b);
  for (let r = 0; r < b; r++) for (let t = 0; t < l; t++) n[r]! += mask[r * l + t]!;
  const keep = tensor(Float32Array.from(mask), [b, l]);
  const s = weightedBag(l2Normalize(view), items, keep); // Σ_i û_i over the kept rows: [B, d]
  const sq = sum(mul(s, s), 1, true); // [B, 1]
  const scaleRow = Float32Array.from(n, (k) => (k >= 2 ? 1 / (k * (k - 1)) : 0));
  const shift = Float32Array.from(n, (k) => (k >= 2 ? -k / (k * (k - 1)) - baseline : 0));
  return add(mul(sq, tensor(scaleRow, [b, 1])), tensor(shift, [b, 1]));
}

/** Mean cosine of distinct item pairs in one modality, over the items that have it (exact, linear time). */
export function randomPairCosine(view: Tensor, present: Float32Array): number {
  return noGrad(() => {
    const rows = view.shape[0]!;
    // Σ_i û_i over the items that have the modality (row 0 is padding), as one
    // vector-matrix product with the 0/1 presence row.
    const keep = new Float32Array(rows);
    let n = 0;
    for (let i = 1; i < rows; i++) {
      if (present[i] === 0) continue;
      keep[i] = 1;
      n++;
    }
    if (n < 2) return 0;
    const acc = matmul(tensor(keep, [1, rows]), l2Normalize(view)).data;
    let sq = 0;
    for (const a of acc) sq += a * a;
    return (sq - n) / (n * (n - 1));
  });
}
