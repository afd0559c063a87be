import type { SeqBatch } from "../data/batches.js";
import { crossEntropy, embedding, matmul, noGrad, type Tensor } from "../engine/index.js";
import type { Backbone, SeqBatchShape } from "./backbones/backbone.js";
import type { ItemEncoder } from "./item-encoder.js";
import type { HasParams } from "./layers.js";

/**
 * RecBole's faces of a sequential recommender: a training loss for a batch and
 * full-ranking scores over every item for evaluation.
 */
export interface Recommender extends HasParams {
  /** Scalar training loss of a batch (graph recorded for backward). */
  loss(batch: SeqBatch): Tensor;
  /** Scores of every item for every row: batch.size × (numItems + 1), row-major; column 0 is padding. */
  scoreAll(batch: SeqBatch): Float32Array;
  /** Number of items (real ones are 1..numItems). */
  readonly numItems: number;
  /** Optional: the named terms of the last `loss()` (unweighted), for the epoch log. */
  lossParts?(): Record<string, number> | null;
  /**
   * Optional: compute what every evaluation batch shares once (item-side
   * vectors). Calls nest: the shared part lives until the outermost `endEval`.
   */
  beginEval?(): void;
  endEval?(): void;
}

/**
 * What evaluation shares across batches, under the nesting rule of
 * `beginEval`/`endEval`: built by the outermost `begin`, dropped by the
 * outermost `end` (an extra `end` is harmless).
 */
export class EvalCache<T> {
  private depth = 0;
  /** The shared value while an evaluation is open, else null. */
  value: T | null = null;

  begin(build: () => T): void {
    if (this.depth++ === 0) this.value = build();
  }

  end(): void {
    if (this.depth > 0 && --this.depth === 0) this.value = null;
  }
}

/**
 * The batch trimmed to its longest real sequence (no work on columns that are
 * padding in every row), with the key mask the backbones need.
 */
export function trimBatch(batch: SeqBatch): { items: Int32Array; shape: SeqBatchShape } {
  let length = 1;
  for (let b = 0; b < batch.size; b++) length = Math.max(length, batch.lengths[b]!);
  const items = new Int32Array(batch.size * length);
  const keyMask = new Uint8Array(batch.size * length);
  for (let b = 0; b < batch.size; b++) {
    for (let t = 0; t < length; t++) {
      const it = batch.items[b * batch.maxLength + t]!;
      items[b * length + t] = it;
      keyMask[b * length + t] = t < batch.lengths[b]! ? 1 : 0;
    }
  }
  return { items, shape: { batch: batch.size, length, lengths: batch.lengths, keyMask } };
}

/**
 * ID-only and MM-<backbone> of DEMURE.md: v_i from the item encoder,
 * h_u = Enc(v of the history), score(u, j) = <h_u, v_j>, trained with
 * full-softmax cross-entropy over all items.
 */
export class SequentialRecommender implements Recommender {
  constructor(
    readonly encoder: ItemEncoder,
    readonly backbone: Backbone,
    readonly numItems: number,
  ) {}

  /** h_u for each row, given the item matrix V [numItems + 1, d]. */
  userStates(v: Tensor, batch: SeqBatch, training: boolean): Tensor {
    const { items, shape } = trimBatch(batch);
    const seq = embedding(v, items, [shape.batch, shape.length]);
    return this.backbone.forward(seq, shape, training);
  }

  loss(batch: SeqBatch): Tensor {
    const v = this.encoder.encodeAll();
    const h = this.userStates(v, batch, true);
    return crossEntropy(matmul(h, v, { transB: true }), batch.targets);
  }

  private readonly cache = new EvalCache<Tensor>();

  beginEval(): void {
    this.cache.begin(() => noGrad(() => this.encoder.encodeAll()));
  }

  endEval(): void {
    this.cache.end();
  }

  scoreAll(batch: SeqBatch): Float32Array {
    return noGrad(() => {
      const v = this.cache.value ?? this.encoder.encodeAll();
      return matmul(this.userStates(v, batch, false), v, { transB: true }).data;
    });
  }

  params(): Tensor[] {
    return [...this.encoder.params(), ...this.backbone.params()];
  }
}
