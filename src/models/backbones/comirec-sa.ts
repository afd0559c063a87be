import { z } from "zod";
import {
  add,
  bmm,
  embedding,
  maskedSoftmax,
  normalInit,
  reshape,
  type Tensor,
  tanh,
  transpose,
} from "../../engine/index.js";
import type { Rng } from "../../util/rng.js";
import { collectParams, Linear } from "../layers.js";
import type { Backbone, SeqBatchShape } from "./backbone.js";

/** ComiRec-SA (Cen et al., KDD 2020): self-attentive multi-interest extraction. */
export interface ComirecSaConfig {
  /** d: the width of item vectors and of each interest. */
  dim: number;
  /** K: attention heads, one interest each. */
  interests: number;
  /** The attention MLP's hidden width is hiddenFactor · d (4 in the reference code). */
  hiddenFactor: number;
  maxLength: number;
}

/** The `comirec-sa` block of the train config: the reference code's K = 4 and hidden 4·d. */
export const COMIREC_SA_OPTIONS = z
  .object({
    interests: z.number().int().min(1).max(256).default(4),
    hiddenFactor: z.number().int().min(1).max(64).default(4),
  })
  .strict();

/**
 * Multi-head attention pooling: per row b and head k, the weights
 * softmax_t(logits[b, t, k]) over the real positions t (padding gets weight
 * 0) pool the values: out[b, k] = Σ_t a[b, k, t] · values[b, t].
 * logits [B, L, K], values [B, L, d], keyMask [B·L] → [B, K, d].
 */
export function attentionPooling(logits: Tensor, values: Tensor, keyMask: Uint8Array): Tensor {
  const [b, l] = logits.shape as [number, number, number];
  if (values.shape[0] !== b || values.shape[1] !== l || keyMask.length !== b * l)
    throw new Error(
      `attentionPooling: logits [${logits.shape}], values [${values.shape}], ${keyMask.length} mask entries`,
    );
  // [B, K, L]: K query rows per batch row, all sharing the row's key mask.
  const weights = maskedSoftmax(transpose(logits, [0, 2, 1]), {
    causal: false,
    keyMask,
    heads: 1,
  });
  return bmm(weights, values);
}

/**
 * The K interests of a user: A = softmax over the history's positions of
 * W2·tanh(W1·(H + P)), one distribution per head, and interest k = Σ_t A[k, t]·H[t]
 * (the item vectors H without the position embedding P, as in the reference code).
 *
 * W2 has no bias: a per-head constant cancels in the softmax over positions.
 * Initialisation is Glorot's (the reference's dense layers), so the K heads
 * start apart rather than all near-uniform.
 */
export class ComirecSa implements Backbone {
  readonly name = "comirec-sa";
  readonly interests: number;
  readonly position: Tensor;
  readonly w1: Linear;
  readonly w2: Linear;

  constructor(
    readonly cfg: ComirecSaConfig,
    rng: Rng,
  ) {
    const d = cfg.dim;
    const hidden = cfg.hiddenFactor * d;
    this.interests = cfg.interests;
    this.position = normalInit(
      [cfg.maxLength, d],
      Math.sqrt(2 / (cfg.maxLength + d)),
      rng,
      "comirec-sa.position",
    );
    this.w1 = new Linear(d, hidden, rng, "comirec-sa.w1", { std: Math.sqrt(2 / (d + hidden)) });
    this.w2 = new Linear(hidden, cfg.interests, rng, "comirec-sa.w2", {
      std: Math.sqrt(2 / (hidden + cfg.interests)),
      bias: false,
    });
  }

  /** No dropout (the reference has none), so training and evaluation forwards agree. */
  forward(items: Tensor, shape: SeqBatchShape): Tensor {
    const { length } = shape;
    if (length > this.cfg.maxLength)
      throw new Error(`comirec-sa: length ${length} exceeds maxLength ${this.cfg.maxLength}`);
    const pos = new Int32Array(length).map((_, i) => i);
    const withPos = add(items, reshape(embedding(this.position, pos), [1, length, this.cfg.dim]));
    const logits = this.w2.forward(tanh(this.w1.forward(withPos)));
    return attentionPooling(logits, items, shape.keyMask);
  }

  params(): Tensor[] {
    return collectParams(this.position, this.w1, this.w2);
  }
}
