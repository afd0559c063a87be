import type { SeqBatch } from "../data/batches.js";
import { concat, embedding, matmul, noGrad, type Tensor } from "../engine/index.js";
import type { Backbone, SeqBatchShape } from "./backbones/backbone.js";
import { interestRows, maxOverInterests, selectInterest } from "./interests.js";
import type { ItemEncoder } from "./item-encoder.js";
import type { HasParams } from "./layers.js";
import type { Catalogue, RecLoss } from "./rec-loss.js";

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
  return { items, shape: { batch: batch.size, length, lengths: batch.lengths, keyMask, items } };
}

/**
 * ID-only and MM-<backbone> of DEMURE.md: v_i from the item encoder,
 * h_u = Enc(v of the history), score(u, j) = <h_u, v_j> (max over the
 * interests of a multi-interest backbone), trained with the configured
 * recommendation loss (full-softmax cross-entropy by default).
 */
export class SequentialRecommender implements Recommender {
  constructor(
    readonly encoder: ItemEncoder,
    readonly backbone: Backbone,
    readonly numItems: number,
    readonly recLoss: RecLoss,
  ) {}

  /** h_u for each row ([B, d], or [B, K, d] for K interests), given the item matrix V [numItems + 1, d]. */
  userStates(v: Tensor, batch: SeqBatch, training: boolean): Tensor {
    const { items, shape } = trimBatch(batch);
    const seq = embedding(v, items, [shape.batch, shape.length]);
    return this.backbone.forward(seq, shape, training);
  }

  loss(batch: SeqBatch): Tensor {
    if (this.recLoss.kind !== "ce") return this.rowsLoss(batch);
    const v = this.encoder.encodeAll();
    const h = selectInterest(this.userStates(v, batch, true), embedding(v, batch.targets));
    const extra = this.backbone.extraRows?.() ?? null;
    if (extra === null) return this.recLoss.loss(h, v, batch.targets);
    const targets = new Int32Array(batch.size + extra.targets.length);
    targets.set(batch.targets);
    targets.set(extra.targets, batch.size);
    return this.recLoss.loss(concat([h, extra.states], 0), v, targets);
  }

  /**
   * The sampled and in-batch losses: the history, the targets and the
   * negatives are encoded as rows (ItemEncoder.encodeRows), never the whole
   * catalogue, so a step costs its candidates rather than N. Row for row the
   * same vectors as the full path.
   */
  private rowsLoss(batch: SeqBatch): Tensor {
    const enc = this.encoder;
    const { items, shape } = trimBatch(batch);
    const seq = enc.encodeRows(items, [shape.batch, shape.length]);
    const states = this.backbone.forward(seq, shape, true);
    const h = states.rank === 3 ? selectInterest(states, enc.encodeRows(batch.targets)) : states;
    const catalogue: Catalogue = { all: () => enc.encodeAll(), rows: (ids) => enc.encodeRows(ids) };
    const extra = this.backbone.extraRows?.() ?? null;
    if (extra === null) return this.recLoss.loss(h, catalogue, batch.targets);
    const targets = new Int32Array(batch.size + extra.targets.length);
    targets.set(batch.targets);
    targets.set(extra.targets, batch.size);
    return this.recLoss.loss(concat([h, extra.states], 0), catalogue, targets);
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
      const rows = interestRows(this.userStates(v, batch, false));
      const scores = matmul(rows, v, { transB: true }).data;
      return maxOverInterests(scores, this.backbone.interests, this.numItems + 1);
    });
  }

  params(): Tensor[] {
    return [...this.encoder.params(), ...this.backbone.params()];
  }
}
