import type { MetricAt } from "../eval/metrics.js";
import { comparePaired, meanOverRuns, type PairedComparison, userMetric } from "../eval/paired.js";
import { UserError } from "../util/errors.js";
import { evaluateModel } from "./evaluate.js";
import type { LoadedRun } from "./run.js";

/** What `demure compare` reports: the two sides' runs, the split, and the paired statistics. */
export interface RunComparison extends PairedComparison {
  metric: string;
  split: "valid" | "test";
  runs: { a: RunLabel[]; b: RunLabel[] };
}

export interface RunLabel {
  dir: string;
  model: string;
  variant: string;
  seed: number;
}

/**
 * Rank the same split with every run and compare side A with side B user by
 * user; a side of several runs (its seeds) counts each user's mean over them.
 * All runs must share the split: same users and targets (noise modalities
 * and model settings may differ).
 */
export function compareRuns(
  a: readonly LoadedRun[],
  b: readonly LoadedRun[],
  metric: MetricAt,
  split: "valid" | "test",
  opts: { resamples?: number; seed?: number } = {},
): RunComparison {
  const all = [...a, ...b];
  const first = all[0];
  if (a.length === 0 || b.length === 0 || first === undefined)
    throw new UserError("compare needs at least one run on each side");
  const ref = first.split[split];
  for (const run of all.slice(1)) {
    const set = run.split[split];
    if (!sameInts(set.users, ref.users) || !sameInts(set.targets, ref.targets)) {
      throw new UserError(
        `the runs were not trained on the same data: ${describe(first)}, ${describe(run)}; a paired comparison needs the same users and targets`,
      );
    }
  }
  const side = (runs: readonly LoadedRun[]) =>
    meanOverRuns(runs.map((run) => userMetric(ranksOf(run, split, metric.cutoff), metric)));
  const stats = comparePaired(side(a), side(b), opts);
  return {
    metric: `${metric.name}@${metric.cutoff}`,
    split,
    runs: { a: a.map(label), b: b.map(label) },
    ...stats,
  };
}

function ranksOf(run: LoadedRun, split: "valid" | "test", cutoff: number): Int32Array {
  return evaluateModel(run.model, run.split[split], {
    batchSize: run.config.evalBatchSize,
    maxLength: run.config.maxLength,
    excludeHistory: run.config.excludeHistory,
    cutoffs: [cutoff],
  }).ranks;
}

function describe(run: LoadedRun): string {
  const ds = run.dataset;
  return `${ds.name} (${ds.numUsers} users, ${ds.numItems} items) in ${run.dir}`;
}

function label(run: LoadedRun): RunLabel {
  return {
    dir: run.dir,
    model: run.config.model,
    variant: run.config.variant,
    seed: run.config.seed,
  };
}

function sameInts(x: Int32Array, y: Int32Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The comparison in words, for a terminal. */
export function comparisonText(c: RunComparison): string {
  const f = (x: number) => x.toFixed(4);
  const signed = (x: number) => `${x >= 0 ? "+" : "−"}${f(Math.abs(x))}`;
  const name = (runs: RunLabel[]) => {
    const r = runs[0]!;
    if (runs.length === 1) return `${r.model} ${r.variant}, seed ${r.seed} (${r.dir})`;
    return `${r.model} ${r.variant}, mean of ${runs.length} runs (seeds ${runs.map((x) => x.seed).join(", ")})`;
  };
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
    "  (both resample this split's users; the spread between training seeds is not in them)",
  ].join("\n");
}
