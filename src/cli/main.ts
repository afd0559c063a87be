import { Command, CommanderError } from "commander";
import { escapeControl, Interrupted, isUserError, RunFailure } from "../util/errors.js";
import { registerBench } from "./commands/bench.js";
import { registerCompare } from "./commands/compare.js";
import { registerDemo } from "./commands/demo.js";
import { registerEvaluate } from "./commands/evaluate.js";
import { registerExplain } from "./commands/explain.js";
import { registerGenerate } from "./commands/generate.js";
import { registerImport } from "./commands/import.js";
import { registerIndex } from "./commands/index.js";
import { registerRecommend } from "./commands/recommend.js";
import { registerServe } from "./commands/serve.js";
import { registerTrain } from "./commands/train.js";
import { stopAllProgress } from "./progress.js";

/** Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input, 130 interrupted. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

export function buildProgram(): Command {
  const program = new Command("demure")
    .description("Multi-modal sequential recommendation with per-user modality denoising (Demure)")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    // Flag values are user text: keep their control characters off the terminal.
    .configureOutput({ outputError: (text, write) => write(escapeControl(text)) });
  registerDemo(program);
  registerTrain(program);
  registerEvaluate(program);
  registerCompare(program);
  registerRecommend(program);
  registerExplain(program);
  registerServe(program);
  registerIndex(program);
  registerGenerate(program);
  registerImport(program);
  registerBench(program);
  program.commands.forEach(function exitOverrideAll(c: Command): void {
    c.exitOverride();
    c.commands.forEach(exitOverrideAll);
  });
  return program;
}

/** What went wrong, as the `--json` contract prints it: `{"error": {...}}`. */
export interface ErrorReport {
  code: string;
  message: string;
  exit_code: number;
  file?: string;
  line?: number;
  column?: number;
}

function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).includes("--json");
}

function report(e: unknown): ErrorReport {
  if (e instanceof CommanderError)
    return { code: "usage", message: e.message.replace(/^error: /, ""), exit_code: EXIT.usage };
  if (isUserError(e))
    return { code: "bad_input", message: e.message, exit_code: e.exitCode, ...e.place };
  if (e instanceof Interrupted)
    return { code: "interrupted", message: e.message, exit_code: e.exitCode };
  if (e instanceof RunFailure) return { code: e.code, message: e.message, exit_code: e.exitCode };
  const message = e instanceof Error ? e.message : String(e);
  return { code: "failure", message, exit_code: EXIT.failure };
}

/** Run the CLI; resolves to the exit code (never throws). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const json = wantsJson(argv);
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (e) {
    stopAllProgress();
    // Help and version requests exit 0 (commander has printed them).
    if (e instanceof CommanderError && e.exitCode === 0) return EXIT.ok;
    const r = report(e);
    // Commander has already written its own message to stderr.
    if (!(e instanceof CommanderError))
      process.stderr.write(`demure: ${escapeControl(r.message)}\n`);
    if (json) process.stdout.write(`${JSON.stringify({ error: r })}\n`);
    const debug = process.env.DEMURE_DEBUG === "1" && e instanceof Error;
    if (debug && r.code === "failure") process.stderr.write(`${e.stack}\n`);
    return r.exit_code;
  }
}
