import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadDataset } from "../../src/data/dataset.js";
import { generatePlanted, writePlanted } from "../../src/data/planted.js";
import { seenOf } from "../../src/data/split.js";
import { userSplit } from "../../src/data/user-split.js";
import { resolveConfig } from "../../src/train/config.js";
import { train } from "../../src/train/trainer.js";

/**
 * On planted data the next item follows the user's clusters, so a sequence
 * model must rank the true next item far above chance. A random ranker over
 * 120 items (history excluded) has HR@10 ≈ 10/(120 − |history|) ≈ 0.1 and
 * NDCG@10 ≈ 0.04.
 */
for (const model of ["sasrec", "gru4rec"] as const) {
  test(`${model} learns the planted pattern (NDCG@10 far above a random ranker)`, async () => {
    const root = mkdtempSync(join(tmpdir(), "demure-learn-"));
    const dir = join(root, "planted");
    writePlanted(
      dir,
      "planted",
      generatePlanted({ users: 300, items: 120, seqLength: [12, 20], seed: 1 }),
    );
    const cfg = resolveConfig({
      data: dir,
      model,
      variant: "id",
      epochs: 8,
      dim: 32,
      batchSize: 64,
      lr: 0.005,
      seed: 1,
      sasrec: { layers: 1, heads: 1, inner: 64, hiddenDropout: 0.2, attnDropout: 0.2 },
      gru4rec: { hidden: 32, dropout: 0.1 },
    });
    const r = await train(cfg, join(root, "run"));
    const ndcg = r.test["ndcg@10"]!;
    process.stderr.write(`${model} planted test NDCG@10 ${ndcg.toFixed(4)}\n`);
    assert.ok(ndcg > 0.15, `${model} test NDCG@10 ${ndcg.toFixed(4)} should be far above ~0.04`);
  });
}

/**
 * The user split holds whole users out: the model must generalise to users it
 * never trained on, and rank the last 20 % of each one's history. A random
 * ranker finds each target in the top 20 with probability 20 / (candidates),
 * candidates = items − the input items that are not targets, so its expected
 * recall@20 is the mean of that over the test users (0.175 here; sasrec
 * reaches 0.71 after 8 epochs).
 */
test("sasrec learns the planted pattern under the user split (recall@20 far above a random ranker)", async () => {
  const root = mkdtempSync(join(tmpdir(), "demure-learn-us-"));
  const dir = join(root, "planted");
  writePlanted(
    dir,
    "planted",
    generatePlanted({ users: 500, items: 120, seqLength: [12, 20], seed: 1 }),
  );
  const cfg = resolveConfig({
    data: dir,
    model: "sasrec",
    variant: "id",
    protocol: "user-split",
    epochs: 8,
    dim: 32,
    batchSize: 64,
    lr: 0.005,
    seed: 1,
    sasrec: { layers: 1, heads: 1, inner: 64, hiddenDropout: 0.2, attnDropout: 0.2 },
  });
  const r = await train(cfg, join(root, "run"));
  const ds = await loadDataset(dir);
  const { test: held } = userSplit(ds.sequences, ds.userIds, cfg.splitSeed);
  let random = 0;
  for (let e = 0; e < held.size; e++) {
    const targets = new Set(held.targets[e]);
    const excluded = [...seenOf(held, e)].filter((i) => !targets.has(i)).length;
    random += Math.min(1, 20 / (ds.numItems - excluded));
  }
  random /= held.size;
  const recall = r.test["recall@20"]!;
  process.stderr.write(
    `sasrec planted user-split test recall@20 ${recall.toFixed(4)} (random ${random.toFixed(4)}), ndcg@20 ${r.test["ndcg@20"]!.toFixed(4)}, ${held.size} test users\n`,
  );
  assert.equal(r.protocol, "user-split");
  assert.ok(random > 0.15 && random < 0.25, `random recall@20 ${random}`);
  assert.ok(
    recall > 3 * random,
    `recall@20 ${recall.toFixed(4)} should be far above ${random.toFixed(4)}`,
  );
});
