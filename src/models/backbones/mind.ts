import { z } from "zod";
import { matmul, normalInit, relu, type Tensor } from "../../engine/index.js";
import type { Rng } from "../../util/rng.js";
import { collectParams, Linear } from "../layers.js";
import type { Backbone, SeqBatchShape } from "./backbone.js";
import { asUserState, dynamicRouting, FixedLogits, randomLogits, routingShape } from "./routing.js";

/** MIND (Li et al., CIKM 2019) as ComiRec's reference code runs it (Cen et al., KDD 2020). */
export interface MindConfig {
  /** d: the width of item vectors, of the capsules and of each interest. */
  dim: number;
  /** K: interests per user. */
  interests: number;
  /** Routing iterations. */
  iterations: number;
}

/** The `mind` block of the train config: ComiRec's defaults (K 4, 3 routing iterations). */
export const MIND_OPTIONS = z
  .object({
    interests: z.number().int().min(1).max(64).default(4),
    iterations: z.number().int().min(1).max(16).default(3),
  })
  .strict();

/** Seed of the fixed routing draw used at evaluation (any constant; see `FixedLogits`). */
const EVAL_ROUTING_SEED = 0x4d494e44;

/**
 * Behaviour-to-interest dynamic routing with one bilinear map S shared by
 * every interest and position:
 *
 *   û_i = S·e_i                              (e_i the i-th history item vector)
 *   b_{k,i} ~ N(0, 1) truncated to ±2         (random, else the K capsules would stay equal)
 *   3 × { w = softmax_k(b) (0 at padding); z_k = squash(Σ_i w_{k,i} û_i); b_{k,i} += <û_i, z_k> }
 *   h_k = ReLU(W·z_k + c)                     (the reference's `relu_layer`)
 *
 * Gradients reach û only through the last iteration's sum (routing.ts).
 * S has no bias (the reference's `bias_initializer=None`); S and W start as
 * N(0, 1/d), the spread of TensorFlow's Glorot default for a d×d map, which
 * the reference's dense layers use (on the planted learning test, dim 32,
 * 8 epochs: test NDCG@10 0.465, against 0.523 with N(0, 1) and 0.249 with
 * RecBole's N(0, 0.02²): one seed, so the reference's choice is kept).
 *
 * The initial logits are drawn from the dropout stream in training. At
 * evaluation they are one fixed draw per (position, interest), shared by every
 * row (`FixedLogits`), so evaluation is deterministic and a user's scores do
 * not depend on their batch. (The reference draws afresh at every call.)
 */
export class Mind implements Backbone {
  readonly name = "mind";
  readonly interests: number;
  /** S [d, d]: û = e·S. */
  readonly s: Tensor;
  readonly out: Linear;
  private readonly evalLogits: FixedLogits;

  constructor(
    readonly cfg: MindConfig,
    rng: Rng,
    /** Draws the initial routing logits in training; the trainer re-seeds it every epoch. */
    private readonly dropoutRng: Rng,
  ) {
    const std = 1 / Math.sqrt(cfg.dim);
    this.interests = cfg.interests;
    this.s = normalInit([cfg.dim, cfg.dim], std, rng, "mind.s");
    this.out = new Linear(cfg.dim, cfg.dim, rng, "mind.out", { std });
    this.evalLogits = new FixedLogits(cfg.interests, EVAL_ROUTING_SEED);
  }

  /** The prediction vectors û [B, L, d], shared by all interests. */
  predictions(items: Tensor): Tensor {
    return matmul(items, this.s);
  }

  /** The initial routing logits [B, K, L]: random in training, the fixed draw at evaluation. */
  initialLogits(shape: SeqBatchShape, training: boolean): Float32Array {
    const s = routingShape(shape, this.interests);
    return training ? randomLogits(s, this.dropoutRng) : this.evalLogits.fill(s);
  }

  /** The interests from the capsules [B, K, d]: ReLU(W·z + c), as the backbone face wants them. */
  readout(capsules: Tensor): Tensor {
    return asUserState(relu(this.out.forward(capsules)));
  }

  forward(items: Tensor, shape: SeqBatchShape, training: boolean): Tensor {
    const uHat = this.predictions(items);
    const init = this.initialLogits(shape, training);
    const capsules = dynamicRouting(
      uHat,
      init,
      routingShape(shape, this.interests),
      this.cfg.iterations,
    );
    return this.readout(capsules);
  }

  params(): Tensor[] {
    return collectParams(this.s, this.out);
  }
}
