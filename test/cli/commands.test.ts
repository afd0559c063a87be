import assert from "node:assert/strict";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { demure, demureAsync, lastJson, tempDir } from "./helpers.js";

test("train, evaluate, recommend, explain and serve agree with each other through the CLI", async () => {
  const root = tempDir("cmds");
  const data = join(root, "planted");
  const gen = demure([
    "generate",
    "planted",
    "--out",
    data,
    "--users",
    "120",
    "--items",
    "80",
    "--json",
  ]);
  assert.equal(gen.code, 0, gen.stderr);
  assert.equal(lastJson(gen.stdout).users, 120);
  assert.equal(lastJson(gen.stdout).name, "planted", "the name defaults to the folder's");
  const plain = demure(["generate", "planted", "--out", join(root, "small"), "--users", "30"]);
  assert.match(
    plain.stdout,
    /^wrote small: 30 users, 500 items, 4 modalities, \d+ interactions to /,
  );
  const cfg = join(root, "c.json");
  writeFileSync(
    cfg,
    JSON.stringify({ dim: 16, batchSize: 64, sasrec: { layers: 1, heads: 1, inner: 32 } }),
  );
  const run = join(root, "run");
  const tr = demure([
    "train",
    "--data",
    relative(process.cwd(), data), // relative on purpose: the run must still load from anywhere
    "--model",
    "sasrec",
    "--variant",
    "id",
    "--epochs",
    "2",
    "--config",
    cfg,
    "--out",
    run,
    "--json",
  ]);
  assert.equal(tr.code, 0, tr.stderr);
  const trained = lastJson(tr.stdout);
  assert.deepEqual(Object.keys(trained.test as object).sort(), [
    "hr@10",
    "hr@20",
    "mrr@10",
    "mrr@20",
    "ndcg@10",
    "ndcg@20",
  ]);
  for (const key of [
    "model",
    "variant",
    "dataset",
    "epochs_run",
    "best_epoch",
    "train_seconds",
    "valid",
    "run_dir",
  ]) {
    assert.ok(key in trained, `train --json has ${key}`);
  }

  const ev = demure(["evaluate", "--run", run, "--json"]);
  assert.equal(ev.code, 0, ev.stderr);
  assert.deepEqual(
    lastJson(ev.stdout).test,
    trained.test,
    "evaluate reproduces the test metrics of training",
  );

  const rec = demure(["recommend", "--run", run, "--user", "5", "--k", "7", "--json"]);
  assert.equal(rec.code, 0, rec.stderr);
  const items = (lastJson(rec.stdout).items as Array<{ item: string; score: number }>).map(
    (x) => x.item,
  );
  assert.equal(items.length, 7);
  const seen = new Set(
    readFileSync(join(data, "planted.inter"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split("\t"))
      .filter((f) => f[0] === "5")
      .map((f) => f[1]),
  );
  for (const it of items) assert.ok(!seen.has(it), `item ${it} was already seen by user 5`);

  const config = JSON.parse(readFileSync(join(run, "config.json"), "utf8")) as { data: string };
  assert.equal(config.data, data, "config.json keeps the data folder absolute");
  const unknown = demure(["recommend", "--run", run, "--user", "no-such-user"]);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /unknown user "no-such-user" in planted \(its 120 user ids are like "1"/,
  );
  // The data folder moved: the run keeps its own data, and --data maps histories by id.
  const moved = join(root, "elsewhere", "planted"); // files are named after their folder
  mkdirSync(dirname(moved));
  renameSync(data, moved);
  const lost = demure(["recommend", "--run", run, "--user", "5", "--k", "7", "--json"]);
  assert.equal(lost.code, 0, lost.stderr);
  assert.deepEqual(lastJson(lost.stdout).items, lastJson(rec.stdout).items);
  const found = demure([
    "recommend",
    "--run",
    run,
    "--user",
    "5",
    "--k",
    "7",
    "--data",
    moved,
    "--json",
  ]);
  assert.equal(found.code, 0, found.stderr);
  assert.deepEqual(lastJson(found.stdout).items, lastJson(rec.stdout).items);
  renameSync(moved, data);
  assert.equal(
    demure(["explain", "--run", run, "--user", "5"]).code,
    2,
    "explain needs a demure run",
  );
  assert.equal(demure(["evaluate", "--run", join(root, "missing")]).code, 2);
  for (const which of [[], ["--user", "5", "--all"]]) {
    const r = demure(["explain", "--run", run, ...which]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /explain needs one of --user ID or --all/);
  }

  // serve --json: stdout holds only the address line; SIGTERM shuts down cleanly.
  const server = demureAsync(["serve", "--run", run, "--port", "0", "--json"]);
  let stdout = "";
  const address = await new Promise<string>((ok, fail) => {
    server.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes("\n"))
        ok((JSON.parse(stdout.split("\n")[0]!) as { address: string }).address);
    });
    server.on("exit", (c) => fail(new Error(`serve exited early with ${c}`)));
  });
  const health = (await (await fetch(`${address}/health`)).json()) as { status: string };
  assert.equal(health.status, "ok");
  const exited = new Promise<number | null>((r) => server.on("exit", (c) => r(c)));
  server.kill("SIGTERM");
  assert.equal(await exited, 0);
  assert.equal(stdout.trim().split("\n").length, 1, `stdout: ${stdout}`);
});
