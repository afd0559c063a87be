import type { Command } from "commander";
import { annRecommendForUser } from "../../ann/search.js";
import { AnnIndex } from "../../ann/store.js";
import { loadRun, recommendForUser } from "../../train/run.js";
import { UserError } from "../../util/errors.js";
import { makeOutput } from "../output.js";
import { positiveInt } from "../parse.js";
import { formatTable } from "../table.js";

export function registerRecommend(program: Command): void {
  program
    .command("recommend")
    .description("Top-k items for a user of a trained run (items the user has seen are excluded)")
    .requiredOption("--run <dir>", "run directory written by `demure train`")
    .requiredOption("--user <id>", "user id as in the dataset's .inter file")
    .option("--k <n>", "how many items", positiveInt("--k"), 10)
    .option(
      "--data <dir>",
      "read user histories from this folder (items matched to the run's by id); the run keeps its own data",
    )
    .option("--ann", "through the run's index (RUN/index/, from `demure index`) instead of exactly")
    .option("--json", "print one JSON object as the last stdout line")
    .action(
      async (flags: {
        run: string;
        user: string;
        k: number;
        data?: string;
        ann?: boolean;
        json?: boolean;
      }) => {
        const out = makeOutput(flags.json === true);
        const run = await loadRun(flags.run, { dataDir: flags.data });
        for (const n of run.notes) out.note(n);
        let items = null;
        if (flags.ann === true) {
          const ann = await AnnIndex.open(run);
          if (ann === null)
            throw new UserError(
              `--ann: the run has no index; build one with \`demure index --run ${flags.run}\``,
            );
          items = await annRecommendForUser(run, ann, flags.user, flags.k);
        } else {
          items = recommendForUser(run, flags.user, flags.k);
        }
        out.result({ user: flags.user, k: flags.k, items }, (r) =>
          formatTable(
            ["rank", "item", "score"],
            r.items.map((it, i) => [String(i + 1), it.item, it.score.toFixed(4)]),
          ),
        );
      },
    );
}
