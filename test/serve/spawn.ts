import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { spawn } from "node:child_process";
import { bin } from "../cli/helpers.js";

/** Start `demure serve --json` and resolve with its address line once it listens. */
export function serve(args: string[], env: Record<string, string> = {}) {
  const base: Record<string, string | undefined> = { ...process.env, DEMURE_QUIET: "1" };
  delete base.DEMURE_TOKEN;
  const child = spawn(process.execPath, [bin, "serve", "--port", "0", "--json", ...args], {
    env: { ...base, ...env },
  }) as ChildProcessWithoutNullStreams;
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d;
  });
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
    });
    child.on("exit", (c) => reject(new Error(`serve exited with ${c}: ${stderr}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.on("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { ready, stop, stderr: () => stderr };
}
