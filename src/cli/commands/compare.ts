import { type Command, Option } from "commander";
import { compareRuns, comparisonText } from "../../train/compare.js";
import { type LoadedRun, loadRun } from "../../train/run.js";
import { makeOutput } from "../output.js";
import { nonNegativeInt, positiveInt } from "../parse.js";

interface CompareFlags {
  metric?: string;
  split: "valid" | "test";
  resamples: number;
  seed: number;
  data?: string;
  json?: boolean;
}

export function registerCompare(program: Command): void {
  program
    .command("compare")
    .description(
      "Two trained runs (or two sets of seeds) on the same users, paired: the difference in a metric, its 95 % bootstrap interval and a sign-flip p-value",
    )
    .argument(
      "<runA>",
      "run directory of the baseline (A); several, comma-separated, for the mean of their seeds",
    )
    .argument("<runB>", "run directory compared against it (B); several, comma-separated, likewise")
    .option(
      "--metric <name@k>",
      "a metric of the runs' protocol at a cutoff: hr, ndcg or mrr under loo (default ndcg@10); recall, ndcg, ndcg_comirec or hit under user-split (default recall@50)",
    )
    .addOption(
      new Option("--split <split>", "which held-out item to rank")
        .choices(["valid", "test"])
        .default("test"),
    )
    .option(
      "--resamples <n>",
      "bootstrap samples and sign flips",
      positiveInt("--resamples"),
      10_000,
    )
    .option("--seed <s>", "seed of the resampling", nonNegativeInt("--seed"), 0)
    .option(
      "--data <dir>",
      "read user histories from this folder (items matched to each run's by id); runs keep their own data",
    )
    .option("--json", "print one JSON object as the last stdout line")
    .action(async (runA: string, runB: string, flags: CompareFlags) => {
      const out = makeOutput(flags.json === true);
      // In the order given, so a run that fails to load is reported before any later one.
      const load = async (dirs: string): Promise<LoadedRun[]> => {
        const runs: LoadedRun[] = [];
        for (const d of dirs.split(",")) {
          if (d.trim() === "") continue;
          const run = await loadRun(d.trim(), { dataDir: flags.data });
          for (const n of run.notes) out.note(`${d.trim()}: ${n}`);
          runs.push(run);
        }
        return runs;
      };
      const a = await load(runA);
      const b = await load(runB);
      const result = compareRuns(a, b, flags.metric ?? null, flags.split, {
        resamples: flags.resamples,
        seed: flags.seed,
      });
      out.result(result, comparisonText);
    });
}
