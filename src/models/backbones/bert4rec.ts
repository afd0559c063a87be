import { z } from "zod";
import {
  add,
  concat,
  dropout,
  embedding,
  normalInit,
  reshape,
  slice,
  type Tensor,
} from "../../engine/index.js";
import type { Rng } from "../../util/rng.js";
import { collectParams, LayerNorm } from "../layers.js";
import type { Backbone, ExtraRows, SeqBatchShape } from "./backbone.js";
import { type TransformerConfig, TransformerLayer } from "./sasrec.js";

/** BERT4Rec (Sun et al., CIKM 2019), with RecBole's defaults. */
export interface Bert4recConfig extends TransformerConfig {
  layers: number;
  /** The longest history; position embeddings cover maxLength + 1 (the appended mask). */
  maxLength: number;
  /** In training, the probability that a real history item is replaced by the mask. */
  maskRatio: number;
}

/** The `bert4rec` block of the train config: RecBole's defaults; `heads` must divide `dim`. */
export const BERT4REC_OPTIONS = z
  .object({
    layers: z.number().int().min(1).max(64).default(2),
    /** Must divide `dim`. */
    heads: z.number().int().min(1).max(64).default(2),
    inner: z.number().int().min(1).max(65536).default(256),
    hiddenDropout: z.number().min(0).max(0.99).default(0.2),
    attnDropout: z.number().min(0).max(0.99).default(0.2),
    maskRatio: z.number().min(0).max(1).default(0.2),
  })
  .strict();

/**
 * Cloze positions of a batch: each real item (t < lengths[b]) is picked with
 * probability `ratio`, one uniform draw per real position, rows in order.
 * Returns the flat positions b·L + t, ascending.
 */
export function drawClozePositions(shape: SeqBatchShape, ratio: number, rng: Rng): Int32Array {
  if (ratio <= 0) return new Int32Array(0);
  const picked: number[] = [];
  for (let b = 0; b < shape.batch; b++) {
    for (let t = 0; t < shape.lengths[b]!; t++) {
      if (rng.uniform() < ratio) picked.push(b * shape.length + t);
    }
  }
  return Int32Array.from(picked);
}

/**
 * h_u = the output, at position lengths[b], of a bidirectional Transformer
 * over (history with a learned mask vector appended after the last real item
 * + position embedding), after LayerNorm and dropout.
 *
 * Training is cloze: besides that appended mask (which predicts the batch
 * target), each real item is replaced by the mask vector with probability
 * `maskRatio`; the outputs there, with the ids that were there as targets,
 * are the extra rows of `extraRows()`.
 */
export class Bert4rec implements Backbone {
  readonly name = "bert4rec";
  readonly interests = 1;
  /** The [MASK] token's input vector. */
  readonly mask: Tensor;
  readonly position: Tensor;
  readonly ln: LayerNorm;
  readonly layers: TransformerLayer[];
  private extra: ExtraRows | null = null;

  constructor(
    readonly cfg: Bert4recConfig,
    rng: Rng,
    /** Draws the cloze masks, then the dropout masks; the trainer re-seeds it every epoch. */
    private readonly dropoutRng: Rng,
  ) {
    this.mask = normalInit([cfg.dim], 0.02, rng, "bert4rec.mask");
    this.position = normalInit([cfg.maxLength + 1, cfg.dim], 0.02, rng, "bert4rec.position");
    this.ln = new LayerNorm(cfg.dim, "bert4rec.ln", cfg.layerNormEps);
    this.layers = Array.from(
      { length: cfg.layers },
      (_, i) => new TransformerLayer(cfg, rng, `bert4rec.layer${i}`, false),
    );
  }

  forward(items: Tensor, shape: SeqBatchShape, training: boolean): Tensor {
    this.extra = null;
    const { batch, length, lengths } = shape;
    const d = this.cfg.dim;
    if (length > this.cfg.maxLength)
      throw new Error(`bert4rec: length ${length} exceeds maxLength ${this.cfg.maxLength}`);
    const cloze = training
      ? drawClozePositions(shape, this.cfg.maskRatio, this.dropoutRng)
      : new Int32Array(0);

    // Input rows: the history's vectors then the mask vector (row maskRow); each of the
    // length + 1 positions reads a real item or the mask (padding reads the mask too: it is
    // never a key and its output is never read).
    const n = length + 1;
    const maskRow = batch * length;
    const source = new Int32Array(batch * n).fill(maskRow);
    const keyMask = new Uint8Array(batch * n);
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < lengths[b]!; t++) source[b * n + t] = b * length + t;
      for (let t = 0; t <= lengths[b]!; t++) keyMask[b * n + t] = 1;
    }
    for (const p of cloze) source[Math.floor(p / length) * n + (p % length)] = maskRow;
    const table = concat([reshape(items, [batch * length, d]), reshape(this.mask, [1, d])], 0);
    const pos = new Int32Array(n).map((_, i) => i);
    let h = add(
      embedding(table, source, [batch, n]),
      reshape(embedding(this.position, pos), [1, n, d]),
    );
    h = dropout(this.ln.forward(h), this.cfg.hiddenDropout, this.dropoutRng, training);
    for (const layer of this.layers) h = layer.forward(h, keyMask, this.dropoutRng, training);

    // One gather: the appended mask of every row, then the cloze positions.
    const picks = new Int32Array(batch + cloze.length);
    for (let b = 0; b < batch; b++) picks[b] = b * n + lengths[b]!;
    cloze.forEach((p, i) => {
      picks[batch + i] = Math.floor(p / length) * n + (p % length);
    });
    const out = embedding(reshape(h, [batch * n, d]), picks);
    if (cloze.length === 0) return out;
    this.extra = {
      states: slice(out, 0, batch, batch + cloze.length),
      rows: cloze.map((p) => Math.floor(p / length)),
      targets: cloze.map((p) => shape.items[p]!),
    };
    return slice(out, 0, 0, batch);
  }

  /** The cloze rows of the last forward: null after an evaluation forward or when none was drawn. */
  extraRows(): ExtraRows | null {
    return this.extra;
  }

  params(): Tensor[] {
    return collectParams(
      this.mask,
      this.position,
      this.ln,
      ...this.layers.map((l) => ({ params: () => l.params() })),
    );
  }
}
