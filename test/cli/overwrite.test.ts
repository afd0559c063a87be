import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { demure, demureAsync, lastJson, tempDir, waitFor } from "./helpers.js";

/** Slow enough per epoch (many small batches) that a kill lands inside the first one. */
const CONFIG = `
model: gru4rec
variant: id
epochs: 2
patience: 5
dim: 16
batchSize: 8
`;

const root = tempDir("overwrite");
const data = join(root, "planted");
const cfg = join(root, "c.yaml");
const run = join(root, "run");

function trainArgs(seed: number, extra: string[] = []): string[] {
  return ["train", "--data", data, "--config", cfg, "--seed", String(seed), "--out", run, ...extra];
}

test("training into an existing run needs --resume or --overwrite (exit 2, nothing touched)", () => {
  assert.equal(demure(["generate", "planted", "--out", data, "--users", "300"]).code, 0);
  writeFileSync(cfg, CONFIG);
  const first = demure([...trainArgs(1), "--json"]);
  assert.equal(first.code, 0, first.stderr);
  const before = readFileSync(join(run, "config.json"), "utf8");
  const again = demure(trainArgs(2));
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already holds a run; pass --resume to continue it or --overwrite/);
  assert.equal(readFileSync(join(run, "config.json"), "utf8"), before);
  const both = demure(trainArgs(2, ["--resume", "--overwrite"]));
  assert.equal(both.code, 2);
  // A folder with someone else's files is never a training target.
  const foreign = join(root, "foreign");
  mkdirSync(foreign);
  writeFileSync(join(foreign, "notes.txt"), "mine");
  const r = demure(["train", "--data", data, "--config", cfg, "--out", foreign, "--overwrite"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not a demure run directory/);
  assert.deepEqual(readdirSync(foreign), ["notes.txt"]);
});

test("a retrain killed before its first epoch leaves the old run whole; a finished one replaces it", async () => {
  const old = demure(["evaluate", "--run", run, "--json"]);
  assert.equal(old.code, 0, old.stderr);
  const oldConfig = readFileSync(join(run, "config.json"), "utf8");

  const child = demureAsync(trainArgs(2, ["--overwrite"]));
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on("exit", (_c, s) => r(s)));
  const staging = () => readdirSync(dirname(run)).some((f) => f.startsWith(".run.new-"));
  await waitFor(staging, 60_000, 5);
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL");
  assert.equal(readFileSync(join(run, "config.json"), "utf8"), oldConfig, "the old config stays");
  const after = demure(["evaluate", "--run", run, "--json"]);
  assert.equal(after.code, 0, after.stderr);
  assert.deepEqual(lastJson(after.stdout).test, lastJson(old.stdout).test);

  // The next retrain clears the dead one's staging folder and replaces the run whole.
  const done = demure([...trainArgs(2, ["--overwrite"]), "--json"]);
  assert.equal(done.code, 0, done.stderr);
  assert.equal(staging(), false, "no staging folder is left behind");
  assert.equal(JSON.parse(readFileSync(join(run, "config.json"), "utf8")).seed, 2);
  assert.deepEqual(lastJson(done.stdout).run_dir, run);
  assert.equal(existsSync(join(run, ".lock")), false);
});
