import { z } from "zod";
import { mul, sum, type Tensor, tensor } from "../../engine/index.js";
import type { Rng } from "../../util/rng.js";
import { Linear } from "../layers.js";
import type { Backbone, SeqBatchShape } from "./backbone.js";

/** YouTube DNN (Covington et al., RecSys 2016) as ComiRec's baseline (Cen et al., KDD 2020). */
export interface YoutubeConfig {
  /** d: the width of item vectors and of the user state. */
  dim: number;
}

/** The `youtube` block of the train config: no options (the reference has no dropout). */
export const YOUTUBE_OPTIONS = z.object({}).strict();

/**
 * h_u = W·(1/|S_u| Σ_{i∈S_u} e_i) + c: the mean of the history's item vectors
 * (padding excluded) through one linear layer d → d, as ComiRec's `Model_DNN`.
 * W starts as N(0, 1/d), the spread of TensorFlow's Glorot default for a d×d map.
 */
export class Youtube implements Backbone {
  readonly name = "youtube";
  readonly interests = 1;
  readonly out: Linear;

  constructor(
    readonly cfg: YoutubeConfig,
    rng: Rng,
  ) {
    this.out = new Linear(cfg.dim, cfg.dim, rng, "youtube.out", { std: 1 / Math.sqrt(cfg.dim) });
  }

  forward(items: Tensor, shape: SeqBatchShape, _training: boolean): Tensor {
    const { batch, length, lengths, keyMask } = shape;
    // 1/|S_u| at real positions, 0 at padding: the masked mean is one weighted sum.
    const weights = new Float32Array(batch * length);
    for (let b = 0; b < batch; b++)
      for (let t = 0; t < length; t++)
        weights[b * length + t] = keyMask[b * length + t]! / lengths[b]!;
    const mean = sum(mul(items, tensor(weights, [batch, length, 1])), 1);
    return this.out.forward(mean);
  }

  params(): Tensor[] {
    return this.out.params();
  }
}
