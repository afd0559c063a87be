import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { generatePlanted, writePlanted } from "../../src/data/planted.js";
import { resolveConfig } from "../../src/train/config.js";
import { train } from "../../src/train/trainer.js";
import { demure, lastJson, tempDir } from "./helpers.js";

test("compare: two runs on the same users, paired; refuses runs on different data", async () => {
  const root = tempDir("compare");
  const runOn = async (data: string, seed: number, out: string) => {
    const cfg = resolveConfig({
      data,
      model: "sasrec",
      variant: "id",
      epochs: 2,
      seed,
      dim: 16,
      batchSize: 64,
      sasrec: { layers: 1, heads: 1, inner: 32 },
    });
    return train(cfg, join(root, out));
  };
  const data = join(root, "planted");
  writePlanted(
    data,
    "planted",
    generatePlanted({ users: 90, items: 50, seqLength: [8, 12], seed: 2 }),
  );
  const other = join(root, "other");
  writePlanted(
    other,
    "other",
    generatePlanted({ users: 60, items: 50, seqLength: [8, 12], seed: 3 }),
  );
  const a = await runOn(data, 1, "a");
  const b = await runOn(data, 2, "b");
  await runOn(other, 1, "c");

  const text = demure(["compare", join(root, "a"), join(root, "b"), "--resamples", "500"]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /ndcg@10 on test, 90 users ranked by both/);
  assert.match(text.stdout, /B − A {2}[+−]\d\.\d{4}/);
  assert.match(text.stdout, /p = /);

  const res = demure(["compare", join(root, "a"), join(root, "b"), "--resamples", "500", "--json"]);
  assert.equal(res.code, 0, res.stderr);
  const c = lastJson(res.stdout) as {
    users: number;
    a: number;
    b: number;
    difference: number;
    ci95: [number, number];
    pValue: number;
    better: number;
    worse: number;
    tied: number;
  };
  // The paired means are the figures training reported on test.
  assert.ok(Math.abs(c.a - a.test["ndcg@10"]!) < 1e-12);
  assert.ok(Math.abs(c.b - b.test["ndcg@10"]!) < 1e-12);
  assert.ok(Math.abs(c.difference - (c.b - c.a)) < 1e-12);
  assert.ok(c.ci95[0] <= c.difference && c.difference <= c.ci95[1]);
  assert.ok(c.pValue > 0 && c.pValue <= 1);
  assert.equal(c.better + c.worse + c.tied, c.users);

  const valid = demure([
    "compare",
    join(root, "a"),
    join(root, "a"),
    "--split",
    "valid",
    "--metric",
    "hr@5",
    "--json",
  ]);
  assert.equal(valid.code, 0, valid.stderr);
  assert.equal(lastJson(valid.stdout).pValue, 1, "a run against itself");
  assert.equal(lastJson(valid.stdout).metric, "hr@5");

  // Seeds on each side: A = runs a and b, B = run b alone; the means are the runs' figures.
  const seeds = demure([
    "compare",
    `${join(root, "a")},${join(root, "b")}`,
    join(root, "b"),
    "--json",
  ]);
  assert.equal(seeds.code, 0, seeds.stderr);
  const s = lastJson(seeds.stdout) as { a: number; b: number; runs: { a: unknown[] } };
  assert.ok(Math.abs(s.a - (a.test["ndcg@10"]! + b.test["ndcg@10"]!) / 2) < 1e-12);
  assert.ok(Math.abs(s.b - b.test["ndcg@10"]!) < 1e-12);
  assert.equal(s.runs.a.length, 2);
  const text2 = demure(["compare", `${join(root, "a")},${join(root, "b")}`, join(root, "b")]);
  assert.match(text2.stdout, /mean of 2 runs \(seeds 1, 2\)/);

  const mixed = demure(["compare", join(root, "a"), join(root, "c")]);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /not trained on the same data: planted \(90 users.*other \(60 users/);
  for (const bad of [
    ["--metric", "ndcg"],
    ["--split", "train"],
    ["--resamples", "0"],
  ]) {
    const r = demure(["compare", join(root, "a"), join(root, "b"), ...bad]);
    assert.equal(r.code, 2, `${bad.join(" ")}: ${r.stderr}`);
    assert.ok(r.stderr.length > 0 && !/\n\s+at /.test(r.stderr), "a message, no stack trace");
  }
});
