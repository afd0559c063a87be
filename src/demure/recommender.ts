import type { SeqBatch } from "../data/batches.js";
import {
  add,
  addScalar,
  concat,
  constantInit,
  crossEntropy,
  div,
  embedding,
  gatheredWeightedSum,
  l2Normalize,
  matmul,
  mul,
  noGrad,
  reshape,
  scale,
  slice,
  sum,
  type Tensor,
  tensor,
  weightedSum,
} from "../engine/index.js";
import type { Backbone, ExtraRows } from "../models/backbones/backbone.js";
import {
  interestRows,
  maxOverInterests,
  nearestInterest,
  pickInterests,
} from "../models/interests.js";
import type { ItemEncoder } from "../models/item-encoder.js";
import type { RecLoss } from "../models/rec-loss.js";
import { EvalCache, type Recommender, trimBatch } from "../models/recommender.js";
import type { Rng } from "../util/rng.js";
import { modalityDiscrimination, pseudoLabelKl } from "./losses.js";
import { PoiEstimator, type PoiOutput, randomPairCosine } from "./poi-estimator.js";
import { SubsetSurprise } from "./subset-surprise.js";

/** Demure's switches and weights (the `demure` block of the train config). */
export interface DemureConfig {
  tauPi: number;
  gate: "softmax" | "sigmoid";
  tauY: number;
  tauCl: number;
  lambdaPoi: number;
  lambdaCl: number;
  poi: boolean;
  poiLoss: boolean;
  cl: boolean;
  hardTopK: number;
  /** Let L_rec's gradient reach the POI estimator through the weights (else only L_poi trains it). */
  recLossTrainsPoi: boolean;
  /** The optional modality-drop augmentation view (part of L_cl). */
  augment: boolean;
  /**
   * What the pseudo-labels rank: "marginal" (DEMURE.md: how well m alone
   * predicts the next item) or "conditional" (how much m adds beside the others).
   */
  pseudoLabel: "marginal" | "conditional";
  /** Expected fraction of a user's modalities the augmentation drops. */
  augmentRate: number;
  /**
   * Weight β of the subset-surprise log-prior r_u^m (subset-surprise.ts) in the
   * pseudo-labels and on a direct path into π (0 = off, as DEMURE.md).
   */
  surprise: number;
  /**
   * Learn how strongly the weights apply: w = 1 + a·(w_π − 1) with a scalar a
   * (starting at 1, trained by the recommendation loss), so the model can fall
   * back toward MM (a = 0) where down-weighting modalities costs accuracy.
   */
  learnStrength: boolean;
}

/** The item side of the model, per modality and whole. */
interface ItemSide {
  views: Tensor[];
  /** [P_1 | .. | P_M]: [N+1, M·d] (null outside evaluation: built per step from the views). */
  catalogue: Tensor | null;
  /** Per modality, the mean cosine of random item pairs (the coherence feature's baseline). */
  baselines: Float64Array;
}

/** One batch seen through the users' POI weights. */
interface Pass {
  side: ItemSide;
  items: Int32Array;
  shape: ReturnType<typeof trimBatch>["shape"];
  poi: PoiOutput | null;
  /** The subset-surprise log-prior r_u^m [B × M] (null when off). */
  prior: Float32Array | null;
  /** Per-user modality weights w_u [B, M] applied to the views (M·π for softmax). */
  w: Tensor;
}

/**
 * Demure over any backbone (DEMURE.md, parts 1–3). Items are seen through the
 * user's weights: v_i^(u) = Σ_m w_u^m P_m[i] + b, where P_m are the item
 * encoder's per-modality terms (concat fusion: W_m e_i^m) and w_u = M·π_u, so
 * uniform weights give back the MM model exactly. The weights touch both the
 * history (input of the backbone) and every candidate's score:
 *   score(u, j) = <h_u, v_j^(u)> = Σ_m w_u^m <h_u, P_m[j]> (+ a constant per user).
 * A multi-interest backbone gives K states h_u^k; one π_u weighs the
 * modalities for all of them (src/demure/README.md says why), training uses
 * the interest nearest the target seen through π_u, ranking the best interest.
 */
export class DemureRecommender implements Recommender {
  readonly estimator: PoiEstimator | null;
  private readonly surprise: SubsetSurprise | null;
  /** The learned strength a of the weights (null: fixed at 1). */
  readonly strength: Tensor | null;
  /** The item side, fixed during evaluation: computed once in `beginEval`, not per batch. */
  private readonly cache = new EvalCache<ItemSide>();

  constructor(
    readonly encoder: ItemEncoder,
    readonly backbone: Backbone,
    readonly numItems: number,
    readonly recLoss: RecLoss,
    readonly cfg: DemureConfig,
    rng: Rng,
    /** Draws the augmentation's modality drops; the trainer re-seeds it every epoch. */
    private readonly trainRng: Rng = rng.fork(),
    /** Per modality, the item codes subset surprise counts (null: left out, e.g. the ID); needed when `surprise` > 0. */
    codes: readonly (Int32Array | null)[] | null = null,
  ) {
    const M = encoder.encoders.length;
    this.estimator = cfg.poi
      ? new PoiEstimator(
          {
            modalities: M,
            dim: encoder.dim,
            hidden: 32,
            gate: cfg.gate,
            tauPi: cfg.tauPi,
            surprise: cfg.surprise,
          },
          rng,
        )
      : null;
    this.surprise = null;
    if (cfg.poi && cfg.surprise > 0) {
      if (codes === null)
        throw new Error("demure: surprise > 0 needs the item codes of every modality");
      this.surprise = new SubsetSurprise(codes, numItems);
    }
    this.strength = cfg.poi && cfg.learnStrength ? constantInit([1], 1, "demure.strength") : null;
  }

  get modalityNames(): string[] {
    return this.encoder.modalityNames;
  }

  /** The item side: the views, their concatenation [P_1 | .. | P_M] and each view's random-pair cosine. */
  private itemSide(): ItemSide {
    if (this.cache.value !== null) return this.cache.value;
    const views = this.encoder.views();
    return {
      views,
      // In training the views change every step; the product concatenates them afresh.
      catalogue: null,
      baselines:
        this.estimator === null
          ? new Float64Array(views.length)
          : Float64Array.from(views, (v, m) =>
              randomPairCosine(v, this.encoder.encoders[m]!.present),
            ),
    };
  }

  /**
   * Evaluation computes the item side once for all batches, so a batch costs
   * its users' states and one product with the catalogue, whatever its size.
   */
  beginEval(): void {
    this.cache.begin(() =>
      noGrad(() => {
        const side = this.itemSide();
        return { ...side, catalogue: concat(side.views, 1) };
      }),
    );
  }

  endEval(): void {
    this.cache.end();
  }

  /** Masks [B, L] per modality: a real history item that has the modality. */
  private masks(items: Int32Array, keyMask: Uint8Array): Uint8Array[] {
    return this.encoder.encoders.map((e) => {
      const m = new Uint8Array(items.length);
      for (let i = 0; i < items.length; i++) m[i] = keyMask[i]! && e.present[items[i]]! > 0 ? 1 : 0;
      return m;
    });
  }

  private pass(batch: SeqBatch): Pass {
    const side = this.itemSide();
    const views = side.views;
    const { items, shape } = trimBatch(batch);
    const M = views.length;
    if (this.estimator === null) {
      return {
        side,
        items,
        shape,
        poi: null,
        prior: null,
        w: tensor(new Float32Array(shape.batch * M).fill(1), [shape.batch, M]),
      };
    }
    const prior = this.surprise?.logPrior(items, shape.keyMask, shape.batch, shape.length) ?? null;
    const poi = this.estimator.forward(
      views,
      items,
      [shape.batch, shape.length],
      this.masks(items, shape.keyMask),
      side.baselines,
      prior,
    );
    // By default the recommendation loss sees π as a constant: π is what the
    // pseudo-labels say predicts each user's next item, not whatever mix of
    // modalities happens to lower L_rec (on the planted data that mix drifted
    // away from the POI and ranked worse on validation; docs/results.md).
    const pi = this.cfg.recLossTrainsPoi ? poi.pi : constant(poi.pi);
    return { side, items, shape, poi, prior, w: this.weightsFrom(pi) };
  }

  /** w_u from π_u, moved toward MM's weights of 1 by the learned strength when it is on. */
  private weightsFrom(pi: Tensor): Tensor {
    const w = this.gateWeights(pi);
    return this.strength === null ? w : addScalar(mul(addScalar(w, -1), this.strength), 1);
  }

  /**
   * M·π (softmax gate) or π (sigmoid gate). With hard top-K, only the K
   * highest-weighted modalities stay, their relative weights kept and scaled
   * to sum to K (about 1 each, as every modality has in MM).
   */
  private gateWeights(pi: Tensor): Tensor {
    const [b, M] = pi.shape as [number, number];
    const K = this.cfg.hardTopK;
    if (K === 0 || K >= M) return this.cfg.gate === "softmax" ? scale(pi, M) : pi;
    const keep = new Float32Array(b * M);
    for (let u = 0; u < b; u++) {
      const order = Array.from({ length: M }, (_, m) => m).sort(
        (x, y) => pi.data[u * M + y]! - pi.data[u * M + x]!,
      );
      for (const m of order.slice(0, K)) keep[u * M + m] = 1;
    }
    const kept = mul(pi, tensor(keep, [b, M]));
    return mul(scale(kept, K), reshape(recip(sum(kept, 1, true)), [b, 1]));
  }

  /**
   * h_u from the history seen through weights w ([B, d], or [B, K, d] for K
   * interests): the backbone reads Σ_m w_u^m P_m[i] at each position, the
   * views' rows read in place (no gathered copy per modality).
   */
  private userState(p: Pass, w: Tensor, training: boolean): Tensor {
    const { batch, length } = p.shape;
    const seq = gatheredWeightedSum(p.side.views, p.items, w, [batch, length]);
    return this.backbone.forward(add(seq, this.encoder.fusionBias()), p.shape, training);
  }

  /**
   * The query rows [R, M·d] that score items against [P_1 | .. | P_M]:
   * [w^1 h; ..; w^M h] for states h [R, d] and their rows' weights w [R, M]
   * (the per-user constant <h_u, b> is left out: it changes no ranking).
   */
  private query(h: Tensor, w: Tensor): Tensor {
    const r = h.shape[0]!;
    return concat(
      this.encoder.encoders.map((_, m) => mul(h, reshape(slice(w, 1, m, m + 1), [r, 1]))),
      1,
    );
  }

  private catalogue(p: Pass): Tensor {
    return p.side.catalogue ?? concat(p.side.views, 1);
  }

  /** Scores of every item [B, N+1] as one product (the best interest's, for K interests). */
  private scores(states: Tensor, p: Pass): Float32Array {
    const s = matmul(this.interestQueries(states, p), this.catalogue(p), { transB: true }).data;
    return maxOverInterests(s, this.backbone.interests, this.numItems + 1);
  }

  /** The query rows [B·K, M·d] of states [B, d] or [B, K, d]: each interest through its user's weights. */
  private interestQueries(states: Tensor, p: Pass): Tensor {
    const k = this.backbone.interests;
    const rows = interestRows(states);
    const w =
      k === 1
        ? p.w
        : embedding(
            p.w,
            Int32Array.from({ length: rows.shape[0]! }, (_, i) => Math.floor(i / k)),
          );
    return this.query(rows, w);
  }

  /**
   * The two factors of `scoreAll`: its scores are max over each row's K
   * interests of `queries` [B·K, M·d] times `catalogue` [N+1, M·d]
   * transposed (the gated user vectors and the concatenated item views), so
   * an inner-product index over the catalogue answers the same ranking.
   */
  scoringFactors(batch: SeqBatch): { queries: Tensor; catalogue: Tensor } {
    return noGrad(() => {
      const p = this.pass(batch);
      const queries = this.interestQueries(this.userState(p, p.w, false), p);
      return { queries, catalogue: this.catalogue(p) };
    });
  }

  /** L_rec of the picked states [B, d] and any extra rows the backbone asked for (BERT4Rec's masked positions). */
  private recommendationLoss(
    h: Tensor,
    p: Pass,
    targets: Int32Array,
    extra: ExtraRows | null,
  ): Tensor {
    if (extra === null) return this.recLoss.loss(this.query(h, p.w), this.catalogue(p), targets);
    const all = new Int32Array(targets.length + extra.targets.length);
    all.set(targets);
    all.set(extra.targets, targets.length);
    const q = concat([this.query(h, p.w), this.query(extra.states, embedding(p.w, extra.rows))], 0);
    return this.recLoss.loss(q, this.catalogue(p), all);
  }

  /** L_rec, L_poi and L_cl of the last `loss()` call (before their λ weights). */
  private parts: Record<string, number> | null = null;

  lossParts(): Record<string, number> | null {
    return this.parts;
  }

  loss(batch: SeqBatch): Tensor {
    const p = this.pass(batch);
    const states = this.userState(p, p.w, true);
    const extra = this.backbone.extraRows?.() ?? null;
    // e_t^m of each row's target, per modality: the interest pick and both auxiliary losses use them.
    const targetViews = p.side.views.map((v) => embedding(v, batch.targets));
    // K interests: the one nearest the target (seen through π_u) enters every loss term.
    const pick = states.rank === 3 ? nearestInterest(states, weightedSum(targetViews, p.w)) : null;
    const h = pick === null ? states : pickInterests(states, pick);
    const rec = this.recommendationLoss(h, p, batch.targets, extra);
    let loss = rec;
    const parts: Record<string, number> = { rec: rec.item() };
    this.parts = parts;
    if (p.poi === null) return loss;
    if (this.cfg.poiLoss && this.cfg.lambdaPoi > 0) {
      const disc = modalityDiscrimination(
        p.poi.summaries,
        targetViews,
        this.cfg.tauCl,
        this.cfg.pseudoLabel,
      );
      const prior = p.prior === null ? null : { logits: p.prior, weight: this.cfg.surprise };
      const kl = pseudoLabelKl(disc.conditional ?? disc.perRow, p.poi, this.cfg.tauY, prior);
      const poi = add(disc.loss, kl);
      parts.poi = poi.item();
      loss = add(loss, scale(poi, this.cfg.lambdaPoi));
    }
    if (this.cfg.cl && this.cfg.lambdaCl > 0) {
      let cl = this.denoisingContrast(p, h, targetViews, pick);
      if (this.cfg.augment) cl = add(cl, this.augmentation(p, h, pick));
      parts.cl = cl.item();
      loss = add(loss, scale(cl, this.cfg.lambdaCl));
    }
    return loss;
  }

  /**
   * DEMURE.md 3b: z+ = h_u (history through π_u), z- = Enc(history through the
   * complement 1 − π_u, renormalised; computed without gradient). The target
   * item (seen through π_u) is pulled toward z+ and pushed from z- and from
   * other users' targets.
   */
  private denoisingContrast(
    p: Pass,
    zPos: Tensor,
    targetViews: Tensor[],
    pick: Int32Array | null,
  ): Tensor {
    const [b, M] = p.w.shape as [number, number];
    const pi = p.poi!.pi;
    const comp = noGrad(() => {
      const c = new Float32Array(b * M);
      for (let u = 0; u < b; u++) {
        let s = 0;
        for (let m = 0; m < M; m++) s += 1 - pi.data[u * M + m]!;
        for (let m = 0; m < M; m++) c[u * M + m] = s > 0 ? (M * (1 - pi.data[u * M + m]!)) / s : 1;
      }
      return tensor(c, [b, M]);
    });
    // z- is a fixed negative (no gradient through its backbone pass): it halves
    // the contrast's cost, and the pull toward z+ and away from z- still
    // trains π, the views and the backbone through z+ and the target.
    const zNeg = noGrad(() => picked(this.userState(p, comp, false), pick));
    const vt = weightedSum(targetViews, p.w);
    const vn = l2Normalize(vt);
    const pos = matmul(l2Normalize(zPos), vn, { transB: true }); // [B, B]
    const neg = reshape(sum(mul(l2Normalize(zNeg), vn), 1), [b, 1]); // [B, 1]
    const logits = scale(concat([pos, neg], 1), 1 / this.cfg.tauCl);
    return crossEntropy(
      logits,
      Int32Array.from({ length: b }, (_, i) => i),
    );
  }

  /**
   * DEMURE.md 3b, optional view: each modality of a user is dropped with
   * probability proportional to 1 − π_u^m (the expected fraction dropped is
   * `augmentRate`; the top modality always stays). The user's state through
   * the kept modalities must agree with z+: InfoNCE between the two views, the
   * other users' views as negatives.
   */
  private augmentation(p: Pass, zPos: Tensor, pick: Int32Array | null): Tensor {
    const [b, M] = p.w.shape as [number, number];
    const pi = p.poi!.pi.data;
    const keep = new Float32Array(b * M).fill(1);
    for (let u = 0; u < b; u++) {
      let rest = 0;
      let top = 0;
      for (let m = 0; m < M; m++) {
        rest += 1 - pi[u * M + m]!;
        if (pi[u * M + m]! > pi[u * M + top]!) top = m;
      }
      for (let m = 0; m < M; m++) {
        const q = rest > 0 ? (this.cfg.augmentRate * M * (1 - pi[u * M + m]!)) / rest : 0;
        if (m !== top && this.trainRng.uniform() < q) keep[u * M + m] = 0;
      }
    }
    const zAug = picked(this.userState(p, mul(p.w, tensor(keep, [b, M])), true), pick);
    const logits = scale(
      matmul(l2Normalize(zPos), l2Normalize(zAug), { transB: true }),
      1 / this.cfg.tauCl,
    );
    return crossEntropy(
      logits,
      Int32Array.from({ length: b }, (_, i) => i),
    );
  }

  scoreAll(batch: SeqBatch): Float32Array {
    return noGrad(() => {
      const p = this.pass(batch);
      return this.scores(this.userState(p, p.w, false), p);
    });
  }

  /** π_u and the attention over the history per modality, for a batch (explanations, POI-AUC). */
  poiOf(batch: SeqBatch): { pi: Float32Array; attention: Float32Array[]; length: number } | null {
    return noGrad(() => {
      const p = this.pass(batch);
      if (p.poi === null) return null;
      return { pi: p.poi.pi.data, attention: p.poi.attention, length: p.shape.length };
    });
  }

  params(): Tensor[] {
    return [
      ...this.encoder.params(),
      ...this.backbone.params(),
      ...(this.estimator?.params() ?? []),
      ...(this.strength === null ? [] : [this.strength]),
    ];
  }
}

/** The same interests as the main pass picked (a single-interest state as it is). */
function picked(states: Tensor, pick: Int32Array | null): Tensor {
  return pick === null ? states : pickInterests(states, pick);
}

/** A copy of x's values outside the graph. */
function constant(x: Tensor): Tensor {
  return noGrad(() => tensor(Float32Array.from(x.data), x.shape));
}

function recip(x: Tensor): Tensor {
  return div(tensor(Float32Array.of(1), [1]), x);
}
