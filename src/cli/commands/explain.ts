import type { Command } from "commander";
import { explainUser, explanationText } from "../../demure/explain.js";
import { summarizePoi, summaryText } from "../../demure/poi-summary.js";
import { DemureRecommender } from "../../demure/recommender.js";
import { loadRun } from "../../train/run.js";
import { UserError } from "../../util/errors.js";
import { makeOutput } from "../output.js";

interface ExplainFlags {
  run: string;
  user?: string;
  all?: boolean;
  data?: string;
  json?: boolean;
}

export function registerExplain(program: Command): void {
  program
    .command("explain")
    .description(
      "A user's points of interest: the Demure weight of each modality and the history items behind it (or, with --all, how the weights spread over every user)",
    )
    .requiredOption("--run <dir>", "run directory of a model trained with --variant demure")
    .option("--user <id>", "user id as in the dataset's .inter file")
    .option("--all", "every user at once: per modality, the mean weight and how often it is on top")
    .option(
      "--data <dir>",
      "read user histories from this folder (items matched to the run's by id); the run keeps its own data",
    )
    .option("--json", "print one JSON object as the last stdout line")
    .action(async (flags: ExplainFlags) => {
      if ((flags.user === undefined) === (flags.all !== true))
        throw new UserError("explain needs one of --user ID or --all");
      const out = makeOutput(flags.json === true);
      const run = await loadRun(flags.run, { dataDir: flags.data });
      for (const n of run.notes) out.note(n);
      if (!(run.model instanceof DemureRecommender)) {
        throw new UserError(
          `explain needs a run trained with --variant demure; this one is ${run.config.variant}`,
          { file: flags.run },
        );
      }
      if (flags.user === undefined) {
        out.result(summarizePoi(run.model, run.dataset, run.config.maxLength), summaryText);
      } else {
        const e = explainUser(run.model, run.dataset, flags.user, run.config.maxLength);
        out.result(e, explanationText);
      }
    });
}
