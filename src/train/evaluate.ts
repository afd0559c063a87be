import { batchOfHistories, type SeqBatch } from "../data/batches.js";
import type { EvalSet } from "../data/split.js";
import { evaluateFullRanking, type FullRankingResult } from "../eval/ranking.js";
import type { Recommender } from "../models/recommender.js";

export interface EvalOptions {
  batchSize: number;
  maxLength: number;
  excludeHistory: boolean;
  cutoffs?: readonly number[];
  onProgress?: (done: number, total: number) => void;
}

/** The rows of an evaluation set as one model batch (history = last maxLength items). */
export function batchOfRows(set: EvalSet, rows: readonly number[], maxLength: number): SeqBatch {
  const batch = batchOfHistories(
    rows.map((e) => set.histories[e]!),
    maxLength,
  );
  rows.forEach((e, b) => {
    batch.targets[b] = set.targets[e]!;
    batch.users[b] = set.users[e]!;
  });
  return batch;
}

/**
 * Full-ranking HR/NDCG/MRR of a model on a valid or test set: every item is
 * a candidate, seen items excluded when the protocol says so, ties pessimistic.
 * Users with an empty history cannot be scored by a sequential model and are skipped.
 */
export function evaluateModel(
  model: Recommender,
  set: EvalSet,
  opts: EvalOptions,
): FullRankingResult {
  const targets = Int32Array.from(set.targets, (t, e) => (set.histories[e]!.length > 0 ? t : 0));
  model.beginEval?.();
  try {
    return rank(model, set, targets, opts);
  } finally {
    model.endEval?.();
  }
}

function rank(
  model: Recommender,
  set: EvalSet,
  targets: Int32Array,
  opts: EvalOptions,
): FullRankingResult {
  // Rows sorted by history length: each batch is trimmed to its longest row.
  const length = (e: number) => Math.min(set.histories[e]!.length, opts.maxLength);
  const order = Array.from(targets, (_, e) => e).sort((a, b) => length(a) - length(b));
  return evaluateFullRanking({
    numItems: model.numItems,
    order,
    users: set.users,
    targets,
    history: (row) => set.seen[row],
    scoreBatch: (rows) => model.scoreAll(batchOfRows(set, rows, opts.maxLength)),
    batchSize: opts.batchSize,
    excludeHistory: opts.excludeHistory,
    ...(opts.cutoffs ? { cutoffs: opts.cutoffs } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
}
