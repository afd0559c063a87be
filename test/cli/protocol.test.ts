import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { generatePlanted, writePlanted } from "../../src/data/planted.js";
import { demure, lastJson, tempDir } from "./helpers.js";

const USER_SPLIT_KEYS = [
  "recall@20",
  "recall@50",
  "ndcg@20",
  "ndcg@50",
  "ndcg_comirec@20",
  "ndcg_comirec@50",
  "hit@20",
  "hit@50",
];

test("--protocol user-split: the eight ComiRec metrics everywhere, evaluate agrees, loo stays the default", () => {
  const root = tempDir("protocol");
  const data = join(root, "planted");
  writePlanted(
    data,
    "planted",
    generatePlanted({ users: 150, items: 60, seqLength: [8, 14], seed: 3 }),
  );
  const cfg = join(root, "c.json");
  writeFileSync(
    cfg,
    JSON.stringify({ dim: 16, batchSize: 64, sasrec: { layers: 1, heads: 1, inner: 32 } }),
  );
  const train = (out: string, ...extra: string[]) => {
    const r = demure([
      "train",
      "--data",
      data,
      "--epochs",
      "2",
      "--config",
      cfg,
      "--out",
      join(root, out),
      "--json",
      ...extra,
    ]);
    assert.equal(r.code, 0, r.stderr);
    return { json: lastJson(r.stdout), stderr: r.stderr };
  };

  const us = train("us", "--protocol", "user-split");
  assert.equal(us.json.protocol, "user-split");
  assert.deepEqual(Object.keys(us.json.test as object), USER_SPLIT_KEYS);
  assert.ok("recall@50" in (us.json.valid as object));
  assert.match(us.stderr, /epoch 1: loss [\d.]+, valid recall@50 \d\.\d{4} ndcg@50 \d\.\d{4}/);
  const saved = JSON.parse(readFileSync(join(root, "us", "result.json"), "utf8")) as Record<
    string,
    unknown
  >;
  assert.equal(saved.protocol, "user-split");
  assert.deepEqual(saved.test, us.json.test);

  const ev = demure(["evaluate", "--run", join(root, "us"), "--json"]);
  assert.equal(ev.code, 0, ev.stderr);
  assert.equal(lastJson(ev.stdout).protocol, "user-split");
  assert.deepEqual(
    lastJson(ev.stdout).test,
    us.json.test,
    "evaluate reproduces training's test metrics",
  );
  const text = demure(["evaluate", "--run", join(root, "us")]);
  assert.match(text.stdout, /^test \(protocol user-split\): recall@20 \d\.\d{4} {2}recall@50 /m);

  // Another training seed, the same splitSeed: the same held-out users, so compare pairs them.
  train("us2", "--protocol", "user-split", "--seed", "7");
  const cmp = demure([
    "compare",
    join(root, "us"),
    join(root, "us2"),
    "--resamples",
    "200",
    "--json",
  ]);
  assert.equal(cmp.code, 0, cmp.stderr);
  const c = lastJson(cmp.stdout) as { protocol: string; metric: string; a: number; users: number };
  assert.equal(c.protocol, "user-split");
  assert.equal(c.metric, "recall@50", "the protocol's selection metric by default");
  assert.ok(Math.abs(c.a - (us.json.test as Record<string, number>)["recall@50"]!) < 1e-12);
  assert.equal(c.users, 15, "the 10 % test users");
  const hr = demure(["compare", join(root, "us"), join(root, "us2"), "--metric", "hr@10"]);
  assert.equal(hr.code, 2);
  assert.match(hr.stderr, /recall, ndcg, ndcg_comirec, hit .*under protocol user-split/);

  const loo = train("loo");
  assert.equal(loo.json.protocol, "loo");
  assert.deepEqual(Object.keys(loo.json.test as object), [
    "hr@10",
    "ndcg@10",
    "mrr@10",
    "hr@20",
    "ndcg@20",
    "mrr@20",
  ]);
  assert.match(loo.stderr, /valid ndcg@10 \d\.\d{4} hr@10 \d\.\d{4}/);
  const evLoo = demure(["evaluate", "--run", join(root, "loo"), "--json"]);
  assert.equal(lastJson(evLoo.stdout).protocol, "loo");
  assert.deepEqual(lastJson(evLoo.stdout).test, loo.json.test);
  assert.match(
    demure(["evaluate", "--run", join(root, "loo")]).stdout,
    /^test \(protocol loo\): hr@10 /m,
  );
  const mixed = demure(["compare", join(root, "us"), join(root, "loo")]);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /different protocols: user-split in .*us, loo in .*loo/);
});
