import { UserError } from "../util/errors.js";
import type { Rng } from "../util/rng.js";
import type { EvalSet, LeaveOneOutSplit } from "./split.js";

/**
 * Batches of item sequences for sequential models.
 *
 * Layout: LEFT-aligned. Row b of `items` (length L = maxLength) holds the
 * history oldest first in columns 0..lengths[b]-1 and padding 0 after it, so the
 * last real item is at column `lengths[b] - 1`. Histories longer than L keep
 * their most recent L items. Every batch row has at least one real item.
 */
export interface SeqBatch {
  /** Rows in this batch (the last batch of an epoch may be smaller). */
  size: number;
  /** Columns per row (the maxLength used). */
  maxLength: number;
  /** size × maxLength item indices, row-major, 0 = padding. */
  items: Int32Array;
  /** Real items per row, 1..maxLength; the last real item is at lengths[b] - 1. */
  lengths: Int32Array;
  /** Next item to predict, per row. */
  targets: Int32Array;
  /** User index, per row. */
  users: Int32Array;
}

/** An evaluation batch: a {@link SeqBatch} plus the example index of each row. */
export interface EvalBatch extends SeqBatch {
  /** Index of each row's example in the {@link EvalSet} (for `seen` lookups). */
  examples: Int32Array;
}

/**
 * Training examples RecBole-style: every prefix of a user's training part is
 * one example. For train part t_0..t_{m-1}, the examples are (history
 * t_0..t_{k-1}, target t_k) for k = 1..m-1. Examples are numbered users in
 * order, then k ascending; nothing is stored per example: example e is found
 * from the per-user first-example offsets (O(users) memory).
 */
export interface TrainExamples {
  /** Number of examples. */
  count: number;
  /**
   * `offsets[u]` is user u's first example, `offsets[numUsers] = count`; user u
   * owns examples `offsets[u] .. offsets[u+1]-1`, with targets at k = 1, 2, ...
   */
  offsets: Int32Array;
  /** User of example e (0 <= e < count). */
  userOf(e: number): number;
  /** Position k >= 1 of example e's target in its user's training part. */
  positionOf(e: number): number;
}

/** Enumerates the training examples of a split (users in order, then positions). */
export function trainingExamples(split: Pick<LeaveOneOutSplit, "train">): TrainExamples {
  const users = split.train.length;
  const offsets = new Int32Array(users + 1);
  let count = 0;
  for (let u = 0; u < users; u++) {
    count += Math.max(0, (split.train[u] as Int32Array).length - 1);
    if (count > 0x7fffffff) throw new UserError(`more than 2^31 - 1 training examples`);
    offsets[u + 1] = count;
  }
  const userOf = (e: number): number => {
    if (!(e >= 0 && e < count)) throw new RangeError(`example ${e} outside 0..${count - 1}`);
    // The last user whose first example is <= e (users without examples share
    // their offset with the next one, so take the last of equal offsets).
    let lo = 0;
    let hi = users - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((offsets[mid] as number) <= e) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const positionOf = (e: number): number => e - (offsets[userOf(e)] as number) + 1;
  return { count, offsets, userOf, positionOf };
}

/** Options of the batch builders. */
export interface BatchOptions {
  /** Rows per batch (positive integer). */
  batchSize: number;
  /** Columns per row: longest history kept (positive integer). */
  maxLength: number;
}

/** Options of {@link trainBatches}. */
export interface TrainBatchOptions extends BatchOptions {
  /** Skip the last, smaller batch (default false). */
  dropLast?: boolean;
  /**
   * Length bucketing: after the shuffle, each window of `bucketBatches`
   * batches is sorted by history length, cut into batches, and those batches
   * are yielded in a random order. Rows of a batch then have similar lengths,
   * so the models (which trim a batch to its longest row) skip most of the
   * padding. 0 or absent: plain shuffled batches.
   */
  bucketBatches?: number;
}

/**
 * Writes `history[from..to)` (keeping its last `maxLength` items) left-aligned
 * into row `row` of `batch` and returns the length written.
 */
export function fillRow(
  batch: SeqBatch,
  row: number,
  history: Int32Array,
  from: number,
  to: number,
): number {
  const L = batch.maxLength;
  const start = Math.max(from, to - L);
  const len = to - start;
  batch.items.set(history.subarray(start, to), row * L);
  batch.lengths[row] = len;
  return len;
}

/**
 * One epoch of training batches in a shuffled order drawn from `rng` (the same
 * seed gives the same batches). Each call draws a fresh permutation.
 */
export function* trainBatches(
  split: Pick<LeaveOneOutSplit, "train">,
  examples: TrainExamples,
  options: TrainBatchOptions,
  rng: Rng,
): Generator<SeqBatch> {
  checkOptions(options);
  const order = new Int32Array(examples.count);
  for (let e = 0; e < order.length; e++) order[e] = e;
  rng.shuffle(order);
  const { batchSize, maxLength } = options;
  const starts: number[] = [];
  for (let start = 0; start < order.length; start += batchSize) starts.push(start);
  const window = options.bucketBatches ?? 0;
  if (window > 0) {
    for (let w = 0; w < starts.length; w += window) {
      const from = starts[w] as number;
      const to = Math.min(order.length, from + window * batchSize);
      const ids = order.subarray(from, to);
      const length = Int32Array.from(ids, (e) => Math.min(examples.positionOf(e), maxLength));
      // Stable sort: rows of equal length keep their shuffled order.
      const sorted = Array.from(ids.keys()).sort(
        (a, b) => (length[a] as number) - (length[b] as number),
      );
      order.set(
        sorted.map((j) => ids[j] as number),
        from,
      );
      shuffleRange(starts, w, Math.min(starts.length, w + window), rng);
    }
  }
  for (const start of starts) {
    const size = Math.min(batchSize, order.length - start);
    if (size < batchSize && options.dropLast === true) continue;
    const batch = emptyBatch(size, options.maxLength);
    for (let b = 0; b < size; b++) {
      const e = order[start + b] as number;
      const u = examples.userOf(e);
      const k = e - (examples.offsets[u] as number) + 1;
      const seq = split.train[u] as Int32Array;
      fillRow(batch, b, seq, 0, k);
      batch.targets[b] = seq[k] as number;
      batch.users[b] = u;
    }
    yield batch;
  }
}

/** Fisher–Yates shuffle of `a[from..to)` in place. */
function shuffleRange(a: number[], from: number, to: number, rng: Rng): void {
  for (let i = to - 1; i > from; i--) {
    const j = from + rng.int(i - from + 1);
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
}

/** Number of batches {@link trainBatches} yields per epoch. */
export function countTrainBatches(examples: TrainExamples, options: TrainBatchOptions): number {
  checkOptions(options);
  return options.dropLast === true
    ? Math.floor(examples.count / options.batchSize)
    : Math.ceil(examples.count / options.batchSize);
}

/**
 * Evaluation batches over a valid or test set, in example order: each row is
 * the example's history (last `maxLength` items), its target and user.
 */
export function* evalBatches(set: EvalSet, options: BatchOptions): Generator<EvalBatch> {
  checkOptions(options);
  const { batchSize } = options;
  for (let start = 0; start < set.size; start += batchSize) {
    const size = Math.min(batchSize, set.size - start);
    const batch: EvalBatch = {
      ...emptyBatch(size, options.maxLength),
      examples: new Int32Array(size),
    };
    for (let b = 0; b < size; b++) {
      const e = start + b;
      const history = set.histories[e] as Int32Array;
      fillRow(batch, b, history, 0, history.length);
      batch.targets[b] = set.targets[e] as number;
      batch.users[b] = set.users[e] as number;
      batch.examples[b] = e;
    }
    yield batch;
  }
}

/**
 * One row per history (its last `maxLength` items, left-aligned); targets and
 * users are left 0 for the caller to fill.
 */
export function batchOfHistories(histories: readonly Int32Array[], maxLength: number): SeqBatch {
  const batch = emptyBatch(histories.length, maxLength);
  histories.forEach((h, r) => {
    fillRow(batch, r, h, 0, h.length);
  });
  return batch;
}

/** A zero-filled batch of `size` rows of `maxLength` columns. */
export function emptyBatch(size: number, maxLength: number): SeqBatch {
  return {
    size,
    maxLength,
    items: new Int32Array(size * maxLength),
    lengths: new Int32Array(size),
    targets: new Int32Array(size),
    users: new Int32Array(size),
  };
}

function checkOptions(options: BatchOptions): void {
  for (const key of ["batchSize", "maxLength"] as const) {
    const v = options[key];
    if (!Number.isInteger(v) || v < 1) {
      throw new UserError(`expected ${key} to be a positive integer, found ${v}`);
    }
  }
}
