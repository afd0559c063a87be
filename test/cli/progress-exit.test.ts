import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./helpers.js";

test("a command that fails while its progress bar runs still exits (the bar's timer is stopped)", () => {
  const progress = pathToFileURL(join(repoRoot, "dist", "src", "cli", "progress.js")).href;
  // A bar started, then an error: what main's catch does (stopAllProgress) must free the process.
  const script = `
    const { progressBar, stopAllProgress } = await import(${JSON.stringify(progress)});
    progressBar(100, "work");
    try { throw new Error("boom"); } catch { stopAllProgress(); }
  `;
  const env = { ...process.env };
  delete env.DEMURE_QUIET;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    env,
    timeout: 20_000,
    encoding: "utf8",
  });
  assert.equal(r.signal, null, "the process hung until the test killed it");
  assert.equal(r.status, 0, r.stderr);
});
