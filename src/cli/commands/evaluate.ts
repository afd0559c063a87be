import type { Command } from "commander";
import { evaluateRun, loadRun } from "../../train/run.js";
import { makeOutput } from "../output.js";
import { contractMetrics, formatMetrics } from "../table.js";

export function registerEvaluate(program: Command): void {
  program
    .command("evaluate")
    .description(
      "Evaluate a trained run on its test split, under the protocol it was trained with (full ranking; leave-one-out or ComiRec's user split)",
    )
    .requiredOption("--run <dir>", "run directory written by `demure train`")
    .option(
      "--data <dir>",
      "evaluate on this dataset folder's interactions instead (items matched to the run's by id)",
    )
    .option("--json", "print one JSON object as the last stdout line")
    .action(async (flags: { run: string; data?: string; json?: boolean }) => {
      const out = makeOutput(flags.json === true);
      const run = await loadRun(flags.run, { dataDir: flags.data });
      for (const n of run.notes) out.note(n);
      const protocol = run.config.protocol;
      const test = contractMetrics(evaluateRun(run), protocol);
      const mapping = run.remap === undefined ? {} : { data_mapping: run.remap };
      out.result({ protocol, test, ...mapping }, (r) => formatMetrics("test", r.test, r.protocol));
    });
}
