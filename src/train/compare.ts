import { comparePaired, meanOverRuns, type PairedComparison } from "../eval/paired.js";
import { UserError } from "../util/errors.js";
import { evalOptions, type ProtocolName, type SplitName } from "./protocol.js";
import type { LoadedRun } from "./run.js";

/** What `demure compare` reports: the two sides' runs, the split, and the paired statistics. */
export interface RunComparison extends PairedComparison {
  metric: string;
  split: SplitName;
  /** The evaluation protocol every run shares. */
  protocol: ProtocolName;
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
 * All runs must share the protocol and the split: same users and targets
 * (noise modalities and model settings may differ). `metric` is one of the
 * protocol's ("ndcg@10" under loo, "recall@50" under the user split); null
 * means the protocol's selection metric.
 */
export function compareRuns(
  a: readonly LoadedRun[],
  b: readonly LoadedRun[],
  metric: string | null,
  split: SplitName,
  opts: { resamples?: number; seed?: number } = {},
): RunComparison {
  const all = [...a, ...b];
  const first = all[0];
  if (a.length === 0 || b.length === 0 || first === undefined)
    throw new UserError("compare needs at least one run on each side");
  const protocol = first.split.protocol;
  const ref = first.split.key(split);
  for (const run of all.slice(1)) {
    if (run.split.protocol !== protocol)
      throw new UserError(
        `the runs were evaluated under different protocols: ${protocol} in ${first.dir}, ${run.split.protocol} in ${run.dir}; a paired comparison needs one`,
      );
    if (!sameInts(run.split.key(split), ref)) {
      throw new UserError(
        `the runs were not trained on the same data: ${describe(first)}, ${describe(run)}; a paired comparison needs the same users and targets`,
      );
    }
  }
  const key = first.split.checkMetric(metric ?? first.split.selection);
  const perRow = (run: LoadedRun) =>
    run.split.evaluate(run.model, split, evalOptions(run.config)).perRow(key);
  const side = (runs: readonly LoadedRun[]) => meanOverRuns(runs.map(perRow));
  const stats = comparePaired(side(a), side(b), opts);
  return {
    metric: key,
    split,
    protocol,
    runs: { a: a.map(label), b: b.map(label) },
    ...stats,
  };
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
    `${c.metric} on ${c.split}, ${c.users} users ranked by both (protocol ${c.protocol}):`,
    `  A  ${f(c.a)}  ${name(c.runs.a)}`,
    `  B  ${f(c.b)}  ${name(c.runs.b)}`,
    `  B − A  ${signed(c.difference)}${rel}; 95 % bootstrap interval ${signed(c.ci95[0])} … ${signed(c.ci95[1])}`,
    `  users for whom B is better / worse / level: ${c.better} (${pct(c.better)}) / ${c.worse} (${pct(c.worse)}) / ${c.tied} (${pct(c.tied)})`,
    `  paired sign-flip test, ${c.resamples} flips: p = ${c.pValue < 0.001 ? c.pValue.toExponential(1) : c.pValue.toFixed(3)}`,
    "  (both resample this split's users; the spread between training seeds is not in them)",
  ].join("\n");
}
