import type { Command } from "commander";
import { explainUser, explanationText } from "../../demure/explain.js";
import { DemureRecommender } from "../../demure/recommender.js";
import { loadRun } from "../../train/run.js";
import { UserError } from "../../util/errors.js";
import { makeOutput } from "../output.js";

export function registerExplain(program: Command): void {
  program
    .command("explain")
    .description(
      "A user's points of interest: the Demure weight of each modality and the history items behind it",
    )
    .requiredOption("--run <dir>", "run directory of a model trained with --variant demure")
    .requiredOption("--user <id>", "user id as in the dataset's .inter file")
    .option("--data <dir>", "the run's dataset folder, if it has moved since training")
    .option("--json", "print one JSON object as the last stdout line")
    .action(async (flags: { run: string; user: string; data?: string; json?: boolean }) => {
      const out = makeOutput(flags.json === true);
      const run = await loadRun(flags.run, { dataDir: flags.data });
      if (!(run.model instanceof DemureRecommender)) {
        throw new UserError(
          `explain needs a run trained with --variant demure; this one is ${run.config.variant}`,
          {
            file: flags.run,
          },
        );
      }
      const e = explainUser(run.model, run.dataset, flags.user, run.config.maxLength);
      out.result(e, explanationText);
    });
}
