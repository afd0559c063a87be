import { z } from "zod";
import { concat, matmul, normalInit, reshape, slice, type Tensor } from "../../engine/index.js";
import type { Rng } from "../../util/rng.js";
import type { Backbone, SeqBatchShape } from "./backbone.js";
import { asUserState, dynamicRouting, routingShape } from "./routing.js";

/** ComiRec-DR (Cen et al., KDD 2020): multi-interest extraction by dynamic routing. */
export interface ComirecDrConfig {
  /** d: the width of item vectors and of each interest. */
  dim: number;
  /** K: interests per user. */
  interests: number;
  /** Routing iterations. */
  iterations: number;
}

/** The `comirec-dr` block of the train config: ComiRec's defaults (K 4, 3 routing iterations). */
export const COMIREC_DR_OPTIONS = z
  .object({
    interests: z.number().int().min(1).max(64).default(4),
    iterations: z.number().int().min(1).max(16).default(3),
  })
  .strict();

/**
 * Dynamic routing with one map per interest:
 *
 *   û_{k,i} = W_k·e_i                        (one d×d map per interest: one linear d → K·d)
 *   b_{k,i} = 0
 *   3 × { w = softmax_k(b) (0 at padding); z_k = squash(Σ_i w_{k,i} û_{k,i}); b_{k,i} += <û_{k,i}, z_k> }
 *   h_k = z_k                                (no ReLU layer)
 *
 * Gradients reach û only through the last iteration's sum (routing.ts). The
 * per-interest maps break the symmetry between the K capsules, so the logits
 * can start at 0 and the model is deterministic in training and evaluation.
 *
 * Unlike the reference (`bilinear_type=2`, a separate map for every position
 * of a fixed-length history), the maps are shared across positions: L times
 * fewer parameters (K·d² instead of L·K·d²), and any history length works
 * with no position limit. W starts as N(0, 1/d), the spread of TensorFlow's
 * Glorot default for each d×d block (on the planted learning test, dim 32,
 * 8 epochs: test NDCG@10 0.446, against 0.392 with the reference's N(0, 1)
 * and 0.324 with RecBole's N(0, 0.02²)).
 */
export class ComirecDr implements Backbone {
  readonly name = "comirec-dr";
  readonly interests: number;
  /** [d, K·d]: column block k is W_kᵀ. */
  readonly w: Tensor;

  constructor(
    readonly cfg: ComirecDrConfig,
    rng: Rng,
  ) {
    this.interests = cfg.interests;
    this.w = normalInit(
      [cfg.dim, cfg.interests * cfg.dim],
      1 / Math.sqrt(cfg.dim),
      rng,
      "comirec-dr.w",
    );
  }

  /** The prediction vectors û [B, K, L, d], one per interest and position. */
  predictions(items: Tensor): Tensor {
    const [b, l, d] = items.shape as [number, number, number];
    // One product per interest, stacked: the same as items·W reshaped to
    // [B, L, K, d] and transposed, without the (slow) transpose.
    const perInterest = Array.from({ length: this.interests }, (_, k) =>
      reshape(matmul(items, slice(this.w, 1, k * d, (k + 1) * d)), [b, 1, l, d]),
    );
    return concat(perInterest, 1);
  }

  /** The initial routing logits [B, K, L]: all 0. */
  initialLogits(shape: SeqBatchShape): Float32Array {
    return new Float32Array(shape.batch * this.interests * shape.length);
  }

  forward(items: Tensor, shape: SeqBatchShape, _training: boolean): Tensor {
    const capsules = dynamicRouting(
      this.predictions(items),
      this.initialLogits(shape),
      routingShape(shape, this.interests),
      this.cfg.iterations,
    );
    return asUserState(capsules);
  }

  params(): Tensor[] {
    return [this.w];
  }
}
