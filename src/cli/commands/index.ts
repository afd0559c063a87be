import type { Command } from "commander";
import { buildRunIndex } from "../../ann/store.js";
import { loadRun } from "../../train/run.js";
import { UserError } from "../../util/errors.js";
import { makeOutput } from "../output.js";
import { positiveInt } from "../parse.js";

interface IndexFlags {
  run: string;
  metric: string;
  partitions?: number;
  subVectors?: number;
  nprobes?: number;
  refineFactor?: number;
  flat?: boolean;
  json?: boolean;
}

export function registerIndex(program: Command): void {
  program
    .command("index")
    .description(
      "Write an approximate nearest-neighbour index of a trained run's items into RUN/index/ (serve uses it)",
    )
    .requiredOption("--run <dir>", "run directory written by `demure train`")
    .option("--metric <metric>", "distance: dot (the scorer's inner product; the only one)", "dot")
    .option(
      "--partitions <n>",
      "IVF partitions (default √items, at most 256; with it or --sub-vectors even a small catalogue gets IVF_PQ)",
      positiveInt("--partitions"),
    )
    .option(
      "--sub-vectors <m>",
      "PQ sub-vectors (default ⌈(dimension + 1) / 4⌉; the stored vectors are padded to a multiple)",
      positiveInt("--sub-vectors"),
    )
    .option(
      "--nprobes <n>",
      "partitions searched per query (default 5/32 of them: 40 of 256)",
      positiveInt("--nprobes"),
    )
    .option(
      "--refine-factor <r>",
      "re-rank limit × r PQ candidates on the full vectors (default 10)",
      positiveInt("--refine-factor"),
    )
    .option(
      "--flat",
      "a flat table (exact scan), whatever the catalogue's size (the default below 4096 items)",
    )
    .option("--json", "print one JSON object as the last stdout line")
    .action(async (flags: IndexFlags) => {
      const out = makeOutput(flags.json === true);
      if (flags.metric !== "dot")
        throw new UserError(
          `--metric: expected dot (the scorer is an inner product), got ${JSON.stringify(flags.metric)}`,
        );
      const run = await loadRun(flags.run);
      for (const n of run.notes) out.note(n);
      const { meta, path } = await buildRunIndex(run, {
        metric: "dot",
        partitions: flags.partitions,
        subVectors: flags.subVectors,
        nprobes: flags.nprobes,
        refineFactor: flags.refineFactor,
        ...(flags.flat === true ? { flat: true } : {}),
      });
      out.result(
        { index: path, ...meta },
        (r) =>
          `${r.kind} index of ${r.items} items × ${r.dim} (dot) in ${r.index}, ${r.build_seconds.toFixed(1)} s`,
      );
    });
}
