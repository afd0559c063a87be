import type { Command } from "commander";
import { runReferenceStep } from "../../bench/reference-step.js";
import { engineInfo, native } from "../../engine/native.js";
import { makeOutput } from "../output.js";
import { positiveInt } from "../parse.js";
import { progressBar } from "../progress.js";

export function registerBench(program: Command): void {
  const bench = program.command("bench").description("Benchmarks of the engine");
  bench
    .command("step")
    .description(
      "Time the reference training step: SASRec block (1 layer, 1 head), batch 256, length 50, d 64, 10 000 items, last-position full-softmax CE, Adam",
    )
    .option("--steps <n>", "timed steps after 3 warm-up steps", positiveInt("--steps"), 20)
    .option(
      "--threads <n>",
      "threads for the native kernels (default: all cores)",
      positiveInt("--threads"),
    )
    .option("--json", "print one JSON object as the last stdout line")
    .action((opts: { steps: number; threads?: number; json?: boolean }) => {
      const out = makeOutput(opts.json === true);
      // Loads the kernels before the progress bar starts, so a load error ends the command at once.
      const { simd } = engineInfo();
      if (opts.threads !== undefined) native.setThreads(opts.threads);
      const bar = progressBar(opts.steps, "bench step");
      const r = runReferenceStep(opts.steps, (_, ms) => bar.tick(1, `${ms.toFixed(1)} ms`));
      bar.stop();
      const { ms_per_step_median, steps, threads, engine } = r;
      out.result({ ms_per_step_median, steps, threads, engine, ms_per_step: r.ms_per_step }, (v) =>
        [
          `reference step: median ${v.ms_per_step_median} ms over ${v.steps} steps`,
          `engine ${v.engine}, ${v.threads} threads (kernels for ${simd}, chosen for this CPU)`,
        ].join("\n"),
      );
    });
}
