import { batchOfHistories, type SeqBatch } from "../data/batches.js";
import { type EvalSet, seenOf } from "../data/split.js";
import type { MultiTargetSet } from "../data/user-split.js";
import { withBufferPool } from "../engine/index.js";
import { evaluateMultiTarget, type MultiTargetResult } from "../eval/multi-target.js";
import { evaluateFullRanking, type FullRankingResult } from "../eval/ranking.js";
import type { Recommender } from "../models/recommender.js";

export interface EvalOptions {
  batchSize: number;
  /** Bytes one block of scores may take (default 64 MiB): caps `batchSize` on large catalogues. */
  scoreBlockBytes?: number;
  maxLength: number;
  excludeHistory: boolean;
  cutoffs?: readonly number[];
  onProgress?: (done: number, total: number) => void;
}

/** The rows of an evaluation set as one model batch (history = last maxLength items). */
export function batchOfRows(set: EvalSet, rows: readonly number[], maxLength: number): SeqBatch {
  const batch = inputBatch(set, rows, maxLength);
  rows.forEach((e, b) => {
    batch.targets[b] = set.targets[e]!;
  });
  return batch;
}

/** The inputs of some rows as a batch: histories and users (targets left 0: scoring needs none). */
function inputBatch(
  set: Pick<EvalSet, "histories" | "users">,
  rows: readonly number[],
  maxLength: number,
): SeqBatch {
  const batch = batchOfHistories(
    rows.map((e) => set.histories[e]!),
    maxLength,
  );
  rows.forEach((e, b) => {
    batch.users[b] = set.users[e]!;
  });
  return batch;
}

/** Rows sorted by history length: each batch is trimmed to its longest row. */
function byLength(histories: readonly Int32Array[], maxLength: number): number[] {
  const length = (e: number) => Math.min(histories[e]!.length, maxLength);
  return Array.from(histories, (_, e) => e).sort((a, b) => length(a) - length(b));
}

/** Runs `body` between the model's beginEval and endEval. */
function inEval<T>(model: Recommender, body: () => T): T {
  model.beginEval?.();
  try {
    return body();
  } finally {
    model.endEval?.();
  }
}

/**
 * Full-ranking HR/NDCG/MRR of a model on a leave-one-out valid or test set:
 * every item is a candidate, seen items excluded when the protocol says so,
 * ties pessimistic. Users with an empty history cannot be scored by a
 * sequential model and are skipped.
 */
export function evaluateModel(
  model: Recommender,
  set: EvalSet,
  opts: EvalOptions,
): FullRankingResult {
  const targets = Int32Array.from(set.targets, (t, e) => (set.histories[e]!.length > 0 ? t : 0));
  return inEval(model, () =>
    evaluateFullRanking({
      numItems: model.numItems,
      order: byLength(set.histories, opts.maxLength),
      users: set.users,
      targets,
      history: (row) => seenOf(set, row),
      scoreBatch: (rows) => model.scoreAll(batchOfRows(set, rows, opts.maxLength)),
      scope: withBufferPool,
      batchSize: opts.batchSize,
      excludeHistory: opts.excludeHistory,
      ...(opts.scoreBlockBytes === undefined ? {} : { scoreBlockBytes: opts.scoreBlockBytes }),
      ...(opts.cutoffs ? { cutoffs: opts.cutoffs } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    }),
  );
}

/**
 * Multi-target recall/NDCG/hit of a model on a user-split valid or test set
 * (`eval/multi-target.ts`): every target of a row is ranked against the full
 * catalogue, the row's input items excluded unless they are targets.
 * Rows with an empty input are skipped (the split never makes one).
 */
export function evaluateModelMultiTarget(
  model: Recommender,
  set: MultiTargetSet,
  opts: EvalOptions,
): MultiTargetResult {
  const none = new Int32Array(0);
  const targets = set.targets.map((t, e) => (set.histories[e]!.length > 0 ? t : none));
  return inEval(model, () =>
    evaluateMultiTarget({
      numItems: model.numItems,
      order: byLength(set.histories, opts.maxLength),
      users: set.users,
      targets,
      history: (row) => seenOf(set, row),
      scoreBatch: (rows) => model.scoreAll(inputBatch(set, rows, opts.maxLength)),
      scope: withBufferPool,
      batchSize: opts.batchSize,
      excludeHistory: opts.excludeHistory,
      ...(opts.scoreBlockBytes === undefined ? {} : { scoreBlockBytes: opts.scoreBlockBytes }),
      ...(opts.cutoffs ? { cutoffs: opts.cutoffs } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    }),
  );
}
