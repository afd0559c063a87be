import type { Tensor } from "../../engine/index.js";
import type { HasParams } from "../layers.js";

/** A padded batch of item sequences, left-aligned (padding 0 at the end). */
export interface SeqBatchShape {
  batch: number;
  length: number;
  /** Real items per row (≥ 1). */
  lengths: Int32Array;
  /** [batch, length] 1 for a real item, 0 for padding. */
  keyMask: Uint8Array;
}

/**
 * Enc of DEMURE.md: maps the item vectors of a user's sequence [B, L, d] to a
 * user state h_u [B, d] (the state after the last real item).
 */
export interface Backbone extends HasParams {
  readonly name: string;
  forward(items: Tensor, shape: SeqBatchShape, training: boolean): Tensor;
}
