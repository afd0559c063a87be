import type { Tensor } from "../../engine/index.js";
import type { Rng } from "../../util/rng.js";
import type { HasParams } from "../layers.js";

/** A padded batch of item sequences, left-aligned (padding 0 at the end). */
export interface SeqBatchShape {
  batch: number;
  length: number;
  /** Real items per row (≥ 1). */
  lengths: Int32Array;
  /** [batch, length] 1 for a real item, 0 for padding. */
  keyMask: Uint8Array;
  /** [batch, length] the item ids behind the vectors (0 = padding), for backbones that mask items. */
  items: Int32Array;
}

/**
 * Extra rows a backbone asks the loss to score after a training forward
 * (BERT4Rec's masked positions): each is a state, the batch row it belongs
 * to (whose user weights apply) and the item it must predict.
 */
export interface ExtraRows {
  /** [R, d] */
  states: Tensor;
  /** The batch row of each state. */
  rows: Int32Array;
  /** The item each state must predict. */
  targets: Int32Array;
}

/**
 * Enc of DEMURE.md: maps the item vectors of a user's sequence [B, L, d] to
 * the user's state: [B, d] for a single-interest backbone (`interests` 1), or
 * K interest vectors [B, K, d] for a multi-interest one (`interests` K). A
 * multi-interest model is trained on the interest nearest each target
 * (label-aware selection) and ranks an item by its best interest (models/interests.ts).
 */
export interface Backbone extends HasParams {
  readonly name: string;
  /** User vectors per row: 1, or K for a multi-interest backbone. */
  readonly interests: number;
  forward(items: Tensor, shape: SeqBatchShape, training: boolean): Tensor;
  /** The extra rows of the last training forward, or null (most backbones never have any). */
  extraRows?(): ExtraRows | null;
}

/** What every backbone is built from, beside its own options. */
export interface BackboneContext {
  /** d: the width of item vectors and of the user state. */
  dim: number;
  /** The longest history a batch holds (position embeddings are this long). */
  maxLength: number;
  /** Draws the initial parameters. */
  rng: Rng;
  /** Draws dropout masks (and BERT4Rec's cloze masks); the trainer re-seeds it every epoch. */
  dropoutRng: Rng;
}
