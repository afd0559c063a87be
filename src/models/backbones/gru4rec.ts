import { z } from "zod";
import {
  constantInit,
  dropout,
  gruLastStates,
  gruSequence,
  isGradEnabled,
  normalInit,
  selectPositions,
  type Tensor,
} from "../../engine/index.js";
import type { Rng } from "../../util/rng.js";
import { collectParams, Linear } from "../layers.js";
import type { Backbone, SeqBatchShape } from "./backbone.js";

/** GRU4Rec (Hidasi et al., ICLR 2016; Tan et al.'s improvements), with RecBole's defaults. */
export interface Gru4recConfig {
  dim: number;
  hidden: number;
  dropout: number;
}

/** The `gru4rec` block of the train config (RecBole's defaults). */
export const GRU4REC_OPTIONS = z
  .object({
    hidden: z.number().int().min(1).max(8192).default(128),
    dropout: z.number().min(0).max(0.99).default(0.3),
  })
  .strict();

/**
 * h_u = W·GRU(dropout(item vectors))_last: a GRU over the sequence, its state
 * after the last real item projected back to the item-vector width d.
 */
export class Gru4rec implements Backbone {
  readonly name = "gru4rec";
  readonly interests = 1;
  readonly wx: Tensor;
  readonly wh: Tensor;
  readonly bx: Tensor;
  readonly bh: Tensor;
  readonly out: Linear;

  constructor(
    readonly cfg: Gru4recConfig,
    rng: Rng,
    /** Draws dropout masks; the trainer re-seeds it every epoch. */
    private readonly dropoutRng: Rng,
  ) {
    const std = 1 / Math.sqrt(cfg.hidden);
    this.wx = normalInit([cfg.dim, 3 * cfg.hidden], std, rng, "gru.wx");
    this.wh = normalInit([cfg.hidden, 3 * cfg.hidden], std, rng, "gru.wh");
    this.bx = constantInit([3 * cfg.hidden], 0, "gru.bx");
    this.bh = constantInit([3 * cfg.hidden], 0, "gru.bh");
    this.out = new Linear(cfg.hidden, cfg.dim, rng, "gru.out", { std: 1 / Math.sqrt(cfg.hidden) });
  }

  forward(items: Tensor, shape: SeqBatchShape, training: boolean): Tensor {
    const x = dropout(items, this.cfg.dropout, this.dropoutRng, training);
    const w = { wx: this.wx, wh: this.wh, bx: this.bx, bh: this.bh };
    // Without a graph (evaluation, Demure's z-), only each row's last real state is computed.
    if (!isGradEnabled()) return this.out.forward(gruLastStates(x, w, shape.lengths));
    const last = new Int32Array(shape.batch).map((_, b) => shape.lengths[b]! - 1);
    return this.out.forward(selectPositions(gruSequence(x, w), last));
  }

  params(): Tensor[] {
    return collectParams(this.wx, this.wh, this.bx, this.bh, this.out);
  }
}
