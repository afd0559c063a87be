import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { generatePlanted, writePlanted } from "../../src/data/planted.js";
import { resolveConfig, type TrainConfigInput } from "../../src/train/config.js";
import { train } from "../../src/train/trainer.js";

/**
 * The sampled and in-batch losses on planted data (learn.test.ts's setting:
 * 300 users, 120 items, where a random ranker has NDCG@10 ≈ 0.04 and the
 * full softmax reaches about 0.5): each must learn the pattern far above
 * chance. Measured: sampled 0.48 (log-uniform) and 0.49 (uniform), in-batch
 * 0.53, so 0.3 leaves room and still catches a loss that learns little.
 */
function plantedDir(users: number, items: number, seqLength: [number, number], seed: number) {
  const root = mkdtempSync(join(tmpdir(), "demure-learn-loss-"));
  const dir = join(root, "planted");
  writePlanted(dir, "planted", generatePlanted({ users, items, seqLength, seed }));
  return { root, dir };
}

const sasrecSmall = { layers: 1, heads: 1, inner: 64, hiddenDropout: 0.2, attnDropout: 0.2 };

for (const loss of [
  { loss: "sampled", negatives: 64 },
  { loss: "sampled", negatives: 64, sampler: "uniform" },
  { loss: "inbatch" },
] as const) {
  const name = Object.values(loss).join(" ");
  test(`sasrec id with ${name} learns the planted pattern (NDCG@10 far above a random ranker)`, async () => {
    const { root, dir } = plantedDir(300, 120, [12, 20], 1);
    const cfg = resolveConfig({
      data: dir,
      model: "sasrec",
      variant: "id",
      ...loss,
      epochs: 8,
      dim: 32,
      batchSize: 64,
      lr: 0.005,
      seed: 1,
      sasrec: sasrecSmall,
    });
    const r = await train(cfg, join(root, "run"));
    const ndcg = r.test["ndcg@10"]!;
    process.stderr.write(`sasrec id ${name}: planted test NDCG@10 ${ndcg.toFixed(4)}\n`);
    assert.ok(ndcg > 0.3, `test NDCG@10 ${ndcg.toFixed(4)} should be far above ~0.04`);
  });
}

test("Demure with the sampled loss trains on planted data to finite metrics", async () => {
  const { root, dir } = plantedDir(200, 100, [10, 16], 2);
  const cfg = resolveConfig({
    data: dir,
    model: "sasrec",
    variant: "demure",
    loss: "sampled",
    negatives: 64,
    epochs: 3,
    dim: 16,
    batchSize: 64,
    lr: 0.005,
    seed: 1,
    sasrec: sasrecSmall,
  });
  const r = await train(cfg, join(root, "run"));
  process.stderr.write(
    `sasrec demure sampled: planted test NDCG@10 ${r.test["ndcg@10"]!.toFixed(4)}\n`,
  );
  for (const [k, v] of Object.entries(r.test)) assert.ok(Number.isFinite(v), `${k} ${v}`);
  assert.ok(r.test["ndcg@10"]! > 0.04, "above a random ranker");
});

test("sampled loss: the same seed gives the same metrics, and a run stopped mid-epoch resumes to them", async () => {
  const { root, dir } = plantedDir(60, 40, [8, 10], 4);
  for (const variant of ["id", "demure"] as const) {
    const input: TrainConfigInput = {
      data: dir,
      model: "sasrec",
      variant,
      loss: "sampled",
      negatives: 30,
      epochs: 3,
      dim: 8,
      batchSize: 16,
      seed: 5,
      sasrec: { layers: 1, heads: 1, inner: 16 },
    };
    const cfg = resolveConfig(input);
    const a = await train(cfg, join(root, `${variant}-a`));
    const b = await train(cfg, join(root, `${variant}-b`));
    assert.deepEqual(b.test, a.test, `${variant}: same seed, same metrics`);
    const other = await train(resolveConfig({ ...input, seed: 6 }), join(root, `${variant}-c`));
    assert.notDeepEqual(other.test, a.test, `${variant}: another seed, other draws`);
    // Stop after the first batch of epoch 2, then resume: epoch 2 is redone from its seed.
    let epoch = 0;
    const cut = join(root, `${variant}-cut`);
    const stopped = await train(cfg, cut, {
      onEpochStart: (e) => {
        epoch = e;
      },
      shouldStop: () => epoch === 2,
    });
    assert.equal(stopped.interrupted, true);
    assert.equal(stopped.epochs_run, 1);
    const resumed = await train(cfg, cut, { resume: true });
    assert.deepEqual(resumed.test, a.test, `${variant}: resumed mid-epoch, same metrics`);
  }
});
