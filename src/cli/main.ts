import { Command, CommanderError } from "commander";
import { isUserError } from "../util/errors.js";
import { registerBench } from "./commands/bench.js";
import { registerCompare } from "./commands/compare.js";
import { registerDemo } from "./commands/demo.js";
import { registerEvaluate } from "./commands/evaluate.js";
import { registerExplain } from "./commands/explain.js";
import { registerGenerate } from "./commands/generate.js";
import { registerRecommend } from "./commands/recommend.js";
import { registerServe } from "./commands/serve.js";
import { registerTrain } from "./commands/train.js";

/** Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export function buildProgram(): Command {
  const program = new Command("demure")
    .description("Multi-modal sequential recommendation with per-user modality denoising (Demure)")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerDemo(program);
  registerTrain(program);
  registerEvaluate(program);
  registerCompare(program);
  registerRecommend(program);
  registerExplain(program);
  registerServe(program);
  registerGenerate(program);
  registerBench(program);
  program.commands.forEach(function exitOverrideAll(c: Command): void {
    c.exitOverride();
    c.commands.forEach(exitOverrideAll);
  });
  return program;
}

/** Run the CLI; resolves to the exit code (never throws). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version requests exit 0; everything else commander rejects is usage.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (isUserError(e)) {
      process.stderr.write(`demure: ${e.message}\n`);
      return EXIT.usage;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`demure: ${message}\n`);
    if (process.env.DEMURE_DEBUG === "1" && e instanceof Error)
      process.stderr.write(`${e.stack}\n`);
    return EXIT.failure;
  }
}
