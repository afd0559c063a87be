import { z } from "zod";
import {
  add,
  attention,
  dropout,
  embedding,
  gelu,
  normalInit,
  reshape,
  selectPositions,
  type Tensor,
} from "../../engine/index.js";
import type { Rng } from "../../util/rng.js";
import { collectParams, LayerNorm, Linear } from "../layers.js";
import type { Backbone, SeqBatchShape } from "./backbone.js";

/** SASRec (Kang & McAuley, ICDM 2018), with RecBole's defaults. */
export interface SasrecConfig {
  layers: number;
  heads: number;
  /** d: the width of item vectors and of the user state. */
  dim: number;
  inner: number;
  hiddenDropout: number;
  attnDropout: number;
  maxLength: number;
  layerNormEps: number;
}

/** The `sasrec` block of the train config: RecBole's defaults; `heads` must divide `dim`. */
export const SASREC_OPTIONS = z
  .object({
    layers: z.number().int().min(1).max(64).default(2),
    /** Must divide `dim`. */
    heads: z.number().int().min(1).max(64).default(2),
    inner: z.number().int().min(1).max(65536).default(256),
    hiddenDropout: z.number().min(0).max(0.99).default(0.5),
    attnDropout: z.number().min(0).max(0.99).default(0.5),
  })
  .strict();

/** What one Transformer layer needs (SASRec's and BERT4Rec's configs both fit). */
export interface TransformerConfig {
  dim: number;
  heads: number;
  inner: number;
  hiddenDropout: number;
  attnDropout: number;
  layerNormEps: number;
}

/**
 * One post-LN Transformer layer: self-attention then a GELU feed-forward, each
 * with a residual. `causal`: query i sees keys j <= i only (SASRec); false is
 * bidirectional, padding still masked (BERT4Rec).
 */
export class TransformerLayer {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly ln1: LayerNorm;
  readonly ff1: Linear;
  readonly ff2: Linear;
  readonly ln2: LayerNorm;

  constructor(
    readonly cfg: TransformerConfig,
    rng: Rng,
    name: string,
    readonly causal: boolean,
  ) {
    const d = cfg.dim;
    this.q = new Linear(d, d, rng, `${name}.q`);
    this.k = new Linear(d, d, rng, `${name}.k`);
    this.v = new Linear(d, d, rng, `${name}.v`);
    this.o = new Linear(d, d, rng, `${name}.o`);
    this.ln1 = new LayerNorm(d, `${name}.ln1`, cfg.layerNormEps);
    this.ff1 = new Linear(d, cfg.inner, rng, `${name}.ff1`);
    this.ff2 = new Linear(cfg.inner, d, rng, `${name}.ff2`);
    this.ln2 = new LayerNorm(d, `${name}.ln2`, cfg.layerNormEps);
  }

  forward(x: Tensor, mask: Uint8Array, rng: Rng, training: boolean): Tensor {
    const { heads, attnDropout, hiddenDropout } = this.cfg;
    // Attention dropout is applied to the attended values' output here (RecBole drops the
    // attention probabilities; dropping the context is the same regulariser in expectation).
    const ctx = attention(this.q.forward(x), this.k.forward(x), this.v.forward(x), {
      heads,
      causal: this.causal,
      keyMask: mask,
    });
    const a = this.ln1.forward(
      add(
        x,
        dropout(
          this.o.forward(dropout(ctx, attnDropout, rng, training)),
          hiddenDropout,
          rng,
          training,
        ),
      ),
    );
    const f = this.ff2.forward(gelu(this.ff1.forward(a)));
    return this.ln2.forward(add(a, dropout(f, hiddenDropout, rng, training)));
  }

  /**
   * The layer's output [B, d] at one position per row, without dropout
   * (inference): the keys and values at every position, the query, the
   * residuals and the feed-forward at `at` only — the rest of the layer's
   * rows are what a last layer computes and nobody reads. Exact when each
   * row's query sees every real key: a bidirectional layer, or a causal one
   * queried at the row's last real position (padding after it).
   */
  forwardAt(x: Tensor, mask: Uint8Array, at: Int32Array): Tensor {
    const [b, l, d] = x.shape as [number, number, number];
    if (this.causal) {
      for (let r = 0; r < b; r++)
        for (let t = at[r]! + 1; t < l; t++)
          if (mask[r * l + t])
            throw new Error(`forwardAt: row ${r} has a real item after position ${at[r]}`);
    }
    const xs = selectPositions(x, at); // [B, d]
    const ctx = attention(
      this.q.forward(reshape(xs, [b, 1, d])),
      this.k.forward(x),
      this.v.forward(x),
      {
        heads: this.cfg.heads,
        causal: false,
        keyMask: mask,
      },
    );
    const a = this.ln1.forward(add(xs, reshape(this.o.forward(ctx), [b, d])));
    return this.ln2.forward(add(a, this.ff2.forward(gelu(this.ff1.forward(a)))));
  }

  params(): Tensor[] {
    return collectParams(this.q, this.k, this.v, this.o, this.ln1, this.ff1, this.ff2, this.ln2);
  }
}

/**
 * h_u = the output at the last real position of a causal Transformer over
 * (item vector + position embedding), after LayerNorm and dropout.
 */
export class Sasrec implements Backbone {
  readonly name = "sasrec";
  readonly interests = 1;
  readonly position: Tensor;
  readonly ln: LayerNorm;
  readonly layers: TransformerLayer[];

  constructor(
    readonly cfg: SasrecConfig,
    rng: Rng,
    /** Draws dropout masks; the trainer re-seeds it every epoch. */
    private readonly dropoutRng: Rng,
  ) {
    this.position = normalInit([cfg.maxLength, cfg.dim], 0.02, rng, "sasrec.position");
    this.ln = new LayerNorm(cfg.dim, "sasrec.ln", cfg.layerNormEps);
    this.layers = Array.from(
      { length: cfg.layers },
      (_, i) => new TransformerLayer(cfg, rng, `sasrec.layer${i}`, true),
    );
  }

  forward(items: Tensor, shape: SeqBatchShape, training: boolean): Tensor {
    const { batch, length } = shape;
    const pos = new Int32Array(length).map((_, i) => i);
    let h = add(items, reshape(embedding(this.position, pos), [1, length, this.cfg.dim]));
    h = dropout(this.ln.forward(h), this.cfg.hiddenDropout, this.dropoutRng, training);
    const last = new Int32Array(batch).map((_, b) => shape.lengths[b]! - 1);
    const n = this.layers.length;
    // Only the last real position is read: outside training the last layer computes that row alone.
    for (const layer of training ? this.layers : this.layers.slice(0, n - 1))
      h = layer.forward(h, shape.keyMask, this.dropoutRng, training);
    return training
      ? selectPositions(h, last)
      : this.layers[n - 1]!.forwardAt(h, shape.keyMask, last);
  }

  params(): Tensor[] {
    return collectParams(
      this.position,
      this.ln,
      ...this.layers.map((l) => ({ params: () => l.params() })),
    );
  }
}
