import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { demure, demureAsync, lastJson, tempDir, waitFor } from "./helpers.js";

/** Small enough for seconds per epoch, big enough that a kill lands mid-run. */
const CONFIG = `
model: sasrec
variant: id
epochs: 5
patience: 10
dim: 16
batchSize: 64
sasrec: { layers: 1, heads: 1, inner: 32 }
`;

test("kill -9 mid-training, then --resume, ends with the same best metrics as an uninterrupted run", async () => {
  const root = tempDir("resume");
  const data = join(root, "planted");
  assert.equal(
    demure([
      "generate",
      "planted",
      "--out",
      data,
      "--users",
      "300",
      "--items",
      "150",
      "--seed",
      "3",
    ]).code,
    0,
  );
  const cfg = join(root, "c.yaml");
  writeFileSync(cfg, CONFIG);

  const full = demure([
    "train",
    "--data",
    data,
    "--config",
    cfg,
    "--seed",
    "7",
    "--out",
    join(root, "full"),
    "--json",
  ]);
  assert.equal(full.code, 0, full.stderr);
  const want = lastJson(full.stdout);

  const dir = join(root, "killed");
  const child = demureAsync([
    "train",
    "--data",
    data,
    "--config",
    cfg,
    "--seed",
    "7",
    "--out",
    dir,
    "--json",
  ]);
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on("exit", (_c, sig) => r(sig)));
  const metrics = join(dir, "metrics.jsonl");
  const epochsDone = () =>
    existsSync(metrics) ? readFileSync(metrics, "utf8").trim().split("\n").length : 0;
  await waitFor(() => epochsDone() >= 2, 120_000);
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL");
  assert.equal(
    existsSync(join(dir, "result.json")),
    false,
    "the kill must land before the run finished",
  );

  assert.equal(existsSync(join(dir, ".lock")), true, "the killed run leaves its lock behind");
  const resumed = demure(["train", "--resume", "--out", dir, "--json"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(
    existsSync(join(dir, ".lock")),
    false,
    "the stale lock was taken over, then released",
  );
  const got = lastJson(resumed.stdout);
  assert.equal(got.best_epoch, want.best_epoch);
  assert.equal(got.epochs_run, want.epochs_run);
  assert.deepEqual(got.test, want.test);
  assert.deepEqual(got.valid, want.valid);
});
