import { comparePaired, type MetricAt, type PairedComparison } from "../eval/paired.js";
import { UserError } from "../util/errors.js";
import { evaluateModel } from "./evaluate.js";
import type { LoadedRun } from "./run.js";

/** What `demure compare` reports: the two runs, the split, and the paired statistics. */
export interface RunComparison extends PairedComparison {
  metric: string;
  split: "valid" | "test";
  runs: { a: RunLabel; b: RunLabel };
}

export interface RunLabel {
  dir: string;
  model: string;
  variant: string;
  seed: number;
}

/**
 * Rank the same split with both runs and compare them user by user. The runs
 * must share the split: same dataset, same users, same targets (noise
 * modalities and model settings may differ).
 */
export function compareRuns(
  a: LoadedRun,
  b: LoadedRun,
  metric: MetricAt,
  split: "valid" | "test",
  opts: { resamples?: number; seed?: number } = {},
): RunComparison {
  const setA = a.split[split];
  const setB = b.split[split];
  if (!sameTargets(setA.users, setB.users) || !sameTargets(setA.targets, setB.targets)) {
    throw new UserError(
      `the runs were not trained on the same data: ${a.dataset.name} (${a.dataset.numUsers} users, ${a.dataset.numItems} items) in ${a.dir}, ${b.dataset.name} (${b.dataset.numUsers} users, ${b.dataset.numItems} items) in ${b.dir}; a paired comparison needs the same users and targets`,
    );
  }
  const ranks = (run: LoadedRun) =>
    evaluateModel(run.model, run.split[split], {
      batchSize: run.config.evalBatchSize,
      maxLength: run.config.maxLength,
      excludeHistory: run.config.excludeHistory,
      cutoffs: [metric.cutoff],
    }).ranks;
  const stats = comparePaired(ranks(a), ranks(b), metric, opts);
  return {
    metric: `${metric.name}@${metric.cutoff}`,
    split,
    runs: { a: label(a), b: label(b) },
    ...stats,
  };
}

function label(run: LoadedRun): RunLabel {
  return {
    dir: run.dir,
    model: run.config.model,
    variant: run.config.variant,
    seed: run.config.seed,
  };
}

function sameTargets(x: Int32Array, y: Int32Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The comparison in words, for a terminal. */
export function comparisonText(c: RunComparison): string {
  const f = (x: number) => x.toFixed(4);
  const signed = (x: number) => `${x >= 0 ? "+" : "−"}${f(Math.abs(x))}`;
  const name = (r: RunLabel) => `${r.model} ${r.variant}, seed ${r.seed} (${r.dir})`;
  const rel =
    c.relative === null
      ? ""
      : `, ${c.relative >= 0 ? "+" : "−"}${Math.abs(100 * c.relative).toFixed(1)} %`;
  const pct = (k: number) => `${((100 * k) / c.users).toFixed(1)} %`;
  return [
    `${c.metric} on ${c.split}, ${c.users} users ranked by both:`,
    `  A  ${f(c.a)}  ${name(c.runs.a)}`,
    `  B  ${f(c.b)}  ${name(c.runs.b)}`,
    `  B − A  ${signed(c.difference)}${rel}; 95 % bootstrap interval ${signed(c.ci95[0])} … ${signed(c.ci95[1])}`,
    `  users for whom B is better / worse / level: ${c.better} (${pct(c.better)}) / ${c.worse} (${pct(c.worse)}) / ${c.tied} (${pct(c.tied)})`,
    `  paired sign-flip test, ${c.resamples} flips: p = ${c.pValue < 0.001 ? c.pValue.toExponential(1) : c.pValue.toFixed(3)}`,
    "  (both resample this split's users: another training seed is a separate source of spread)",
  ].join("\n");
}
