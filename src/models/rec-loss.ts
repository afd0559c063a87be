import {
  add,
  allocUninit,
  concat,
  crossEntropy,
  embedding,
  matmul,
  mul,
  reshape,
  sum,
  Tensor,
  tensor,
} from "../engine/index.js";
import type { Rng } from "../util/rng.js";
import {
  type ItemPopularity,
  LogUniformSampler,
  type NegativeSampler,
  UniformSampler,
} from "./sampler.js";

/**
 * The item side a loss scores against: every item's vector at once, or the
 * vectors of just the items it asks for. A model that can encode a few rows
 * without the whole catalogue (ItemEncoder.encodeRows) passes one of these,
 * so the sampled and in-batch losses cost their candidates, not N.
 */
export interface Catalogue {
  /** Every item's vector, [N + 1, D] (row 0 is padding). */
  all(): Tensor;
  /** The vectors of `ids` (repeats allowed, 0 = padding), [ids.length, D]. */
  rows(ids: Int32Array): Tensor;
}

/** A catalogue given as a tensor [N + 1, D], or as rows on demand. */
export type CatalogueLike = Tensor | Catalogue;

function allOf(c: CatalogueLike): Tensor {
  return c instanceof Tensor ? c : c.all();
}

function rowsOf(c: CatalogueLike, ids: Int32Array): Tensor {
  return c instanceof Tensor ? embedding(c, ids) : c.rows(ids);
}

/**
 * The recommendation loss L_rec: how the user states (queries) are scored
 * against the catalogue during training. Every model calls it the same way,
 * so a loss is chosen by config, not by model.
 */
export interface RecLoss {
  readonly kind: "ce" | "sampled" | "inbatch";
  /**
   * Mean loss of `query` [R, D] predicting `targets` (R item indices; −1 =
   * ignore the row) over `catalogue` [N + 1, D] (row 0 is padding and never
   * a candidate). Full softmax reads the whole catalogue; the sampled and
   * in-batch losses ask a {@link Catalogue} for their candidates' rows only.
   */
  loss(query: Tensor, catalogue: CatalogueLike, targets: Int32Array): Tensor;
}

/**
 * The logit a removed candidate gets (an accidental hit, a duplicate of the
 * row's target): finite, so no NaN can arise, and far below any real logit,
 * so exp() of it is 0 in float32 and it takes no part in the softmax or its
 * gradient (TensorFlow's `remove_accidental_hits` adds −FLOAT_MAX the same way).
 */
export const REMOVED = -1e9;

/** Full-softmax cross-entropy over every item (RecBole's CE loss). */
export class FullSoftmax implements RecLoss {
  readonly kind = "ce";

  loss(query: Tensor, catalogue: CatalogueLike, targets: Int32Array): Tensor {
    return crossEntropy(matmul(query, allOf(catalogue), { transB: true }), targets);
  }
}

/** The targets with ignored rows (< 1) read as row 0, for gathering. */
function gatherable(targets: Int32Array): Int32Array {
  return targets.map((t) => (t >= 1 ? t : 0));
}

/**
 * Sampled softmax over one shared set of negatives (Jean et al. 2015;
 * TensorFlow's `sampled_softmax_loss`): row r's logits are
 * [<q_r, v_target> − logQ(target), <q_r, v_neg_k> − logQ(neg_k) for each k],
 * a negative equal to the row's target removed (an accidental hit), then
 * cross-entropy with the target at column 0. Only the target and negative
 * rows of the catalogue are gathered, so only they receive a gradient.
 * `logQ(item)` must be the same function for target and negatives (any
 * constant added to it cancels in the softmax).
 */
export function sampledSoftmax(
  query: Tensor,
  catalogue: CatalogueLike,
  targets: Int32Array,
  negatives: Int32Array,
  logQ: (item: number) => number,
): Tensor {
  const rows = query.shape[0]!;
  const n = negatives.length;
  if (targets.length !== rows)
    throw new Error(`sampledSoftmax: ${targets.length} targets for ${rows} rows`);
  const ids = gatherable(targets);
  const pos = sum(mul(query, rowsOf(catalogue, ids)), -1); // [R]
  const neg = matmul(query, rowsOf(catalogue, negatives), { transB: true }); // [R, N]
  const logits = concat([reshape(pos, [rows, 1]), neg], 1);
  // Every row's negatives carry the same −logQ; a row's accidental hits are
  // found through where each item was drawn, not by comparing all R × N pairs.
  const negRow = Float32Array.from(negatives, (item) => -logQ(item));
  const drawnAt = new Map<number, number[]>();
  negatives.forEach((item, k) => {
    const at = drawnAt.get(item);
    if (at === undefined) drawnAt.set(item, [k]);
    else at.push(k);
  });
  const correction = allocUninit(rows * (n + 1));
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const t = targets[r]!;
    const o = r * (n + 1);
    labels[r] = t >= 1 ? 0 : -1;
    correction[o] = t >= 1 ? -logQ(t) : 0;
    correction.set(negRow, o + 1);
    for (const k of drawnAt.get(t) ?? []) correction[o + 1 + k] = REMOVED;
  }
  return crossEntropy(add(logits, tensor(correction, [rows, n + 1])), labels);
}

/**
 * In-batch softmax (Yi et al. 2019, "sampling-bias-corrected"): the rows'
 * own targets are the candidates, logits [R, R] = <q_i, v_target_j> −
 * log p(target_j), cross-entropy on the diagonal. A column whose item is row
 * i's own target (a duplicate of it elsewhere in the batch) is removed for
 * row i: it is not a negative. Ignored rows (target −1) are neither scored
 * nor candidates.
 */
export function inBatchSoftmax(
  query: Tensor,
  catalogue: CatalogueLike,
  targets: Int32Array,
  logP: (item: number) => number,
): Tensor {
  const rows = query.shape[0]!;
  if (targets.length !== rows)
    throw new Error(`inBatchSoftmax: ${targets.length} targets for ${rows} rows`);
  const logits = matmul(query, rowsOf(catalogue, gatherable(targets)), { transB: true });
  const colLogP = Float64Array.from(targets, (t) => (t >= 1 ? logP(t) : 0));
  const correction = allocUninit(rows * rows);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const t = targets[i]!;
    labels[i] = t >= 1 ? i : -1;
    for (let j = 0; j < rows; j++) {
      const c = targets[j]!;
      const removed = c < 1 || (j !== i && c === t);
      correction[i * rows + j] = removed ? REMOVED : -colLogP[j]!;
    }
  }
  return crossEntropy(add(logits, tensor(correction, [rows, rows])), labels);
}

/**
 * Why a loss cannot run: it was built without the training counts (a model
 * built for inference, where the loss is never called). Never a silent
 * fallback to uniform sampling.
 */
function noCounts(what: string): Error {
  return new Error(
    `${what} needs the items' training counts: build the model with { trainSequences } (this one was built for inference)`,
  );
}

/**
 * `--loss sampled`: `negatives` items drawn per batch with replacement, shared
 * by every row, from `rng` (the trainer re-seeds it every epoch, so a run is
 * the same under one seed and a resumed epoch draws what it drew before).
 * logQ(item) = log(N · p(item)), the item's expected count among the N
 * draws (TensorFlow's `true_expected_count` / `sampled_expected_count` for
 * sampling with replacement); the same for target and negatives.
 */
export class SampledSoftmax implements RecLoss {
  readonly kind = "sampled";
  /** The negatives of the last `loss()` call (for tests and diagnostics). */
  lastNegatives: Int32Array | null = null;

  constructor(
    readonly negatives: number,
    /** null: built without training counts; calling `loss` is then an error. */
    readonly sampler: NegativeSampler | null,
    private readonly rng: Rng,
  ) {}

  loss(query: Tensor, catalogue: CatalogueLike, targets: Int32Array): Tensor {
    const sampler = this.sampler;
    if (sampler === null) throw noCounts("the sampled loss with the log-uniform sampler");
    const drawn = sampler.draw(this.negatives, this.rng);
    this.lastNegatives = drawn;
    const logN = Math.log(this.negatives);
    return sampledSoftmax(
      query,
      catalogue,
      targets,
      drawn,
      (i) => logN + Math.log(sampler.prob(i)),
    );
  }
}

/** `--loss inbatch`: the batch's targets as candidates, corrected by log p(item) of the training counts. */
export class InBatchSoftmax implements RecLoss {
  readonly kind = "inbatch";

  constructor(readonly popularity: ItemPopularity | null) {}

  loss(query: Tensor, catalogue: CatalogueLike, targets: Int32Array): Tensor {
    const pop = this.popularity;
    if (pop === null) throw noCounts("the in-batch loss");
    return inBatchSoftmax(query, catalogue, targets, (i) => pop.logProb(i));
  }
}

/** What a loss is built from (the train config's keys). */
export interface LossSpec {
  loss: "ce" | "sampled" | "inbatch";
  /** Negatives per batch (null: 10 × batchSize, ComiRec's setting). */
  negatives: number | null;
  /** null: log-uniform. */
  sampler: "uniform" | "log-uniform" | null;
  batchSize: number;
}

/** Negatives per batch a spec draws. */
export function negativesOf(spec: LossSpec): number {
  return spec.negatives ?? 10 * spec.batchSize;
}

/**
 * The configured loss. `popularity` comes from the training sequences (null
 * for a model built for inference: a loss that needs it then fails when
 * called). `rng` draws the sampled loss's negatives.
 */
export function buildRecLoss(
  spec: LossSpec,
  numItems: number,
  popularity: ItemPopularity | null,
  rng: Rng,
): RecLoss {
  switch (spec.loss) {
    case "ce":
      return new FullSoftmax();
    case "inbatch":
      return new InBatchSoftmax(popularity);
    case "sampled": {
      const sampler: NegativeSampler | null =
        spec.sampler === "uniform"
          ? new UniformSampler(numItems)
          : popularity === null
            ? null
            : new LogUniformSampler(popularity);
      return new SampledSoftmax(negativesOf(spec), sampler, rng);
    }
  }
}
