import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { generatePlanted, writePlanted } from "../../src/data/planted.js";
import { resolveConfig } from "../../src/train/config.js";
import { train } from "../../src/train/trainer.js";

/**
 * ComiRec-SA and BERT4Rec on the planted data of test/train/learn.test.ts: the
 * next item follows the user's clusters, so NDCG@10 must be far above a
 * random ranker's ≈ 0.04.
 */
function plantedDir(): { dir: string; root: string } {
  const root = mkdtempSync(join(tmpdir(), "demure-bb-learn-"));
  const dir = join(root, "planted");
  writePlanted(
    dir,
    "planted",
    generatePlanted({ users: 300, items: 120, seqLength: [12, 20], seed: 1 }),
  );
  return { dir, root };
}

const SMALL = {
  "comirec-sa": { interests: 4, hiddenFactor: 4 },
  bert4rec: { layers: 1, heads: 1, inner: 64, hiddenDropout: 0.2, attnDropout: 0.2 },
};

for (const model of ["comirec-sa", "bert4rec"] as const) {
  test(`${model} learns the planted pattern (NDCG@10 far above a random ranker)`, async () => {
    const { dir, root } = plantedDir();
    const t0 = performance.now();
    const cfg = resolveConfig({
      data: dir,
      model,
      variant: "id",
      epochs: 8,
      dim: 32,
      batchSize: 64,
      lr: 0.005,
      seed: 1,
      ...SMALL,
    });
    const r = await train(cfg, join(root, "run"));
    const ndcg = r.test["ndcg@10"]!;
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    process.stderr.write(`${model} planted test NDCG@10 ${ndcg.toFixed(4)} (${s} s)\n`);
    // Observed 0.43-0.49 over seeds 1-3 for both; a random ranker gets ~0.04.
    assert.ok(ndcg > 0.25, `${model} test NDCG@10 ${ndcg.toFixed(4)} should be far above ~0.04`);
  });
}

for (const model of ["bert4rec", "comirec-sa"] as const) {
  test(`variant demure trains over ${model} (finite metrics, above random in 2 epochs)`, async () => {
    const { dir, root } = plantedDir();
    const cfg = resolveConfig({
      data: dir,
      model,
      variant: "demure",
      epochs: 2,
      dim: 16,
      batchSize: 128,
      // BERT4Rec learns slowly at the default 1e-3 (NDCG@10 0.08 after 5 epochs here).
      lr: 0.005,
      seed: 1,
      ...SMALL,
    });
    const r = await train(cfg, join(root, "run"));
    const ndcg = r.test["ndcg@10"]!;
    process.stderr.write(`demure over ${model}: 2 epochs, test NDCG@10 ${ndcg.toFixed(4)}\n`);
    for (const [k, v] of Object.entries(r.test)) assert.ok(Number.isFinite(v), `${k} is ${v}`);
    // Observed 0.25 (bert4rec) and 0.5 (comirec-sa); random ~0.04.
    assert.ok(ndcg > 0.08, `demure over ${model}: test NDCG@10 ${ndcg.toFixed(4)}`);
  });
}
