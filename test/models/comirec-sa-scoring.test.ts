import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { batchOfHistories } from "../../src/data/batches.js";
import { loadDataset } from "../../src/data/dataset.js";
import { generatePlanted, writePlanted } from "../../src/data/planted.js";
import { noGrad } from "../../src/engine/index.js";
import { buildBaseline } from "../../src/models/factory.js";
import { FullSoftmax } from "../../src/models/rec-loss.js";
import { resolveConfig } from "../../src/train/config.js";
import { Rng } from "../../src/util/rng.js";

test("ComiRec-SA scoreAll is the max over interests of <h_k, v_j>, computed by hand", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "demure-sa-")), "planted");
  writePlanted(
    dir,
    "planted",
    generatePlanted({ users: 30, items: 25, seqLength: [5, 9], seed: 3 }),
  );
  const ds = await loadDataset(dir);
  const cfg = resolveConfig({ data: dir, model: "comirec-sa", dim: 8, maxLength: 10 });
  const [K, d, n] = [cfg["comirec-sa"].interests, 8, ds.numItems + 1];
  assert.equal(K, 4);
  const model = buildBaseline(
    ds,
    {
      model: "comirec-sa",
      variant: "id",
      dim: d,
      maxLength: 10,
      modalities: [],
      useId: true,
      fusion: cfg.fusion,
      backbones: cfg,
    },
    new FullSoftmax(),
    new Rng(1),
    new Rng(2),
  );
  assert.equal(model.backbone.interests, K);
  // Spread the item vectors so the interests differ clearly.
  const rng = new Rng(9);
  for (const p of model.encoder.params()) for (let i = 0; i < p.size; i++) p.data[i] = rng.normal();
  const batch = batchOfHistories(ds.sequences.slice(0, 12), 10);
  const scores = model.scoreAll(batch);
  assert.equal(scores.length, batch.size * n);

  const { h, v } = noGrad(() => {
    const v = model.encoder.encodeAll();
    return { h: model.userStates(v, batch, false).data, v: v.data };
  });
  const winners = new Set<number>();
  for (let b = 0; b < batch.size; b++) {
    for (let j = 0; j < n; j++) {
      let best = -Infinity;
      let arg = -1;
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let x = 0; x < d; x++) s += h[(b * K + k) * d + x]! * v[j * d + x]!;
        if (s > best) [best, arg] = [s, k];
      }
      winners.add(arg);
      const got = scores[b * n + j]!;
      assert.ok(
        Math.abs(got - best) <= 1e-4 * Math.max(1, Math.abs(best)),
        `row ${b} item ${j}: ${got} vs ${best}`,
      );
    }
  }
  // Not one interest winning everywhere (so a score from interest 0 alone would fail above).
  assert.ok(winners.size >= 2, `only interests ${[...winners]} ever win`);
});
