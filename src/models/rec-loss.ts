import { crossEntropy, matmul, type Tensor } from "../engine/index.js";

/**
 * The recommendation loss L_rec: how the user states (queries) are scored
 * against the catalogue during training. Every model calls it the same way,
 * so a loss is chosen by config, not by model.
 */
export interface RecLoss {
  readonly kind: "ce" | "sampled" | "inbatch";
  /**
   * Mean loss of `query` [R, D] predicting `targets` (R item indices) over
   * `catalogue` [N + 1, D] (row 0 is padding and never a candidate).
   */
  loss(query: Tensor, catalogue: Tensor, targets: Int32Array): Tensor;
}

/** Full-softmax cross-entropy over every item (RecBole's CE loss). */
export class FullSoftmax implements RecLoss {
  readonly kind = "ce";

  loss(query: Tensor, catalogue: Tensor, targets: Int32Array): Tensor {
    return crossEntropy(matmul(query, catalogue, { transB: true }), targets);
  }
}
