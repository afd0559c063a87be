/**
 * The evaluation protocol of a config (`protocol: "loo" | "user-split"`) in
 * one place: it decides the split (what trains, what is held out) and how a
 * held-out split is scored, so the trainer, `evaluate`, `compare` and the CLI
 * tables just ask it.
 *
 * - "loo": leave-one-out (`data/split.ts`), one target per user, HR/NDCG/MRR
 *   (`eval/ranking.ts`); early stopping on valid `ndcg@10`.
 * - "user-split": ComiRec's 8:1:1 user split (`data/user-split.ts`), the last
 *   20 % of a held-out history as targets, recall/NDCG/NDCG_ComiRec/hit at 20
 *   and 50 (`eval/multi-target.ts`); early stopping on valid `recall@50`.
 */
import type { Dataset } from "../data/dataset.js";
import { leaveOneOut } from "../data/split.js";
import { userSplit } from "../data/user-split.js";
import { metricOfRank, parseMetricKey } from "../eval/metrics.js";
import {
  MULTI_TARGET_CUTOFFS,
  multiMetricOfPositions,
  parseMultiMetricKey,
} from "../eval/multi-metrics.js";
import type { Recommender } from "../models/recommender.js";
import { UserError } from "../util/errors.js";
import type { TrainConfig } from "./config.js";
import { type EvalOptions, evaluateModel, evaluateModelMultiTarget } from "./evaluate.js";

export type ProtocolName = TrainConfig["protocol"];
export type SplitName = "valid" | "test";

/**
 * Per protocol: the metric early stopping maximises, the validation figures
 * the epoch log prints, and the "test" keys a result reports.
 */
export const PROTOCOLS: Record<
  ProtocolName,
  { selection: string; logged: readonly string[]; reported: readonly string[] }
> = {
  loo: {
    selection: "ndcg@10",
    logged: ["ndcg@10", "hr@10"],
    reported: ["hr@10", "ndcg@10", "mrr@10", "hr@20", "ndcg@20", "mrr@20"],
  },
  "user-split": {
    selection: "recall@50",
    logged: ["recall@50", "ndcg@50"],
    reported: [
      "recall@20",
      "recall@50",
      "ndcg@20",
      "ndcg@50",
      "ndcg_comirec@20",
      "ndcg_comirec@50",
      "hit@20",
      "hit@50",
    ],
  },
};

/** A protocol's evaluation of one held-out split. */
export interface SplitEvaluation {
  /** Mean metrics over the evaluated rows. */
  metrics: Record<string, number>;
  /** Evaluated rows. */
  count: number;
  /** Each row's value of a metric ("ndcg@10"), NaN where the row was not evaluated. */
  perRow(metric: string): Float64Array;
}

/** The split a protocol makes of a dataset, and how it scores a model on it. */
export interface ProtocolSplit {
  protocol: ProtocolName;
  /** The validation metric early stopping maximises ({@link PROTOCOLS}). */
  selection: string;
  /** Per user, its training part (every prefix is a training example). */
  train: Int32Array[];
  /** What the split did with users it cannot evaluate, in words (empty when nothing). */
  notes: string[];
  /** Held-out rows of a split: user count, then per row its user, target count and targets. */
  key(split: SplitName): Int32Array;
  /** Check a metric name for this protocol (a UserError names the ones there are); returns it normalised. */
  checkMetric(metric: string): string;
  evaluate(model: Recommender, split: SplitName, opts: EvalOptions): SplitEvaluation;
}

/** The evaluation options a config asks for. */
export function evalOptions(cfg: TrainConfig): EvalOptions {
  return {
    batchSize: cfg.evalBatchSize,
    maxLength: cfg.maxLength,
    excludeHistory: cfg.excludeHistory,
  };
}

/** The split of `ds` under the config's protocol. */
export function protocolSplit(
  cfg: Pick<TrainConfig, "protocol" | "splitSeed">,
  ds: Pick<Dataset, "sequences" | "userIds">,
  /** The users the run was trained on, when `ds` is other data mapped onto the run (user-split keeps their groups). */
  trainedUserIds?: readonly string[],
): ProtocolSplit {
  return cfg.protocol === "user-split"
    ? userSplitProtocol(ds, cfg.splitSeed, trainedUserIds)
    : leaveOneOutProtocol(ds);
}

/** The loo protocol's or user-split protocol's "test" keys of a metrics object, in report order. */
export function reportedMetrics(
  protocol: ProtocolName,
  m: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of PROTOCOLS[protocol].reported) if (k in m) out[k] = m[k] as number;
  return out;
}

/** A bad metric name's error, saying which protocol's names were expected. */
function underProtocol<T>(protocol: ProtocolName, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    throw new UserError(`${e.message} (the runs were evaluated under protocol ${protocol})`);
  }
}

function rowKey(rows: {
  users: Int32Array;
  targets: (e: number) => ArrayLike<number>;
}): Int32Array {
  const out: number[] = [rows.users.length];
  rows.users.forEach((u, e) => {
    const t = rows.targets(e);
    out.push(u, t.length, ...Array.from(t));
  });
  return Int32Array.from(out);
}

function leaveOneOutProtocol(ds: Pick<Dataset, "sequences">): ProtocolSplit {
  const split = leaveOneOut(ds.sequences);
  const short = ds.sequences.filter((s) => s.length < 3).length;
  const single = ds.sequences.filter((s) => s.length < 2).length;
  const notes =
    short === 0
      ? []
      : [
          `leave-one-out: ${short} users with fewer than 3 interactions have no validation example` +
            (single === 0 ? "" : ` (${single} of them, with fewer than 2, no test example either)`),
        ];
  const checkMetric = (metric: string) => {
    const m = underProtocol("loo", () => parseMetricKey(metric));
    return `${m.name}@${m.cutoff}`;
  };
  return {
    protocol: "loo",
    selection: PROTOCOLS.loo.selection,
    train: split.train,
    notes,
    key: (s) => rowKey({ users: split[s].users, targets: (e) => [split[s].targets[e] as number] }),
    checkMetric,
    evaluate(model, s, opts) {
      const r = evaluateModel(model, split[s], opts);
      return {
        metrics: r.metrics,
        count: r.count,
        perRow: (metric) => {
          const at = parseMetricKey(metric);
          return Float64Array.from(r.ranks, (rank) => metricOfRank(rank, at));
        },
      };
    },
  };
}

function userSplitProtocol(
  ds: Pick<Dataset, "sequences" | "userIds">,
  splitSeed: number,
  trainedUserIds?: readonly string[],
): ProtocolSplit {
  const split = userSplit(ds.sequences, ds.userIds, splitSeed, trainedUserIds);
  const { valid, test } = split.skipped;
  const notes =
    valid + test === 0
      ? []
      : [
          `user-split: ${valid} validation and ${test} test users have fewer than 2 interactions ` +
            "(no input left after holding out their last 20 %) and are skipped",
        ];
  const checkMetric = (metric: string) => {
    const m = underProtocol("user-split", () => parseMultiMetricKey(metric));
    return `${m.name}@${m.cutoff}`;
  };
  return {
    protocol: "user-split",
    selection: PROTOCOLS["user-split"].selection,
    train: split.train,
    notes,
    key: (s) => rowKey({ users: split[s].users, targets: (e) => split[s].targets[e] ?? [] }),
    checkMetric,
    evaluate(model, s, opts) {
      const r = evaluateModelMultiTarget(model, split[s], {
        cutoffs: MULTI_TARGET_CUTOFFS,
        ...opts,
      });
      return {
        metrics: r.metrics,
        count: r.count,
        perRow: (metric) => {
          const at = parseMultiMetricKey(metric);
          return Float64Array.from(r.positions, (p) => multiMetricOfPositions(p, at));
        },
      };
    },
  };
}
