import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { demure, demureAsync, lastJson, tempDir, waitFor } from "./helpers.js";

/** Many short epochs: the signal lands while training still has work to do. */
const CONFIG = `
model: gru4rec
variant: id
epochs: 50
patience: 50
dim: 16
batchSize: 64
`;

const root = tempDir("signals");
const data = join(root, "planted");

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  test(`${signal} during train exits 130, keeps the last epoch, and says how to resume`, async () => {
    if (!existsSync(data)) {
      const g = demure(["generate", "planted", "--out", data, "--users", "200", "--items", "100"]);
      assert.equal(g.code, 0, g.stderr);
      writeFileSync(join(root, "c.yaml"), CONFIG);
    }
    const dir = join(root, signal);
    const args = ["train", "--data", data, "--config", join(root, "c.yaml"), "--out", dir];
    const child = demureAsync([...args, "--json"]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const metrics = join(dir, "metrics.jsonl");
    await waitFor(() => existsSync(metrics) && readFileSync(metrics, "utf8").length > 0, 120_000);
    child.kill(signal);
    const code = await exited;
    assert.equal(code, 130, stderr);
    assert.match(stderr, /resume with: demure train --resume --out/);
    assert.equal(existsSync(join(dir, "result.json")), false, "an interrupted run has no result");
    const err = lastJson(stdout).error as Record<string, unknown>;
    assert.equal(err.code, "interrupted");
    assert.equal(err.exit_code, 130);
    assert.equal(existsSync(join(dir, "resume.params")), true, "the last epoch is saved");
  });
}
