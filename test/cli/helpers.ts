import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (where package.json and bin/ live). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const bin = join(repoRoot, "bin", "demure.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI to completion. */
export function demure(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, DEMURE_QUIET: "1", ...env },
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Start the CLI without waiting. */
export function demureAsync(args: string[]) {
  return spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, DEMURE_QUIET: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `demure-${prefix}-`));
}

/** The last stdout line parsed as JSON (the --json contract). */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

/** Resolves once `cond()` holds, checking every `everyMs`; rejects after `ms`. */
export function waitFor(cond: () => boolean, ms: number, everyMs = 10): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) resolve();
      else if (Date.now() - t0 > ms) reject(new Error("timed out"));
      else setTimeout(tick, everyMs);
    };
    tick();
  });
}
