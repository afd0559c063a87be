import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import type { SeqBatch } from "../../src/data/batches.js";
import { type Dataset, loadDataset } from "../../src/data/dataset.js";
import { generatePlanted, writePlanted } from "../../src/data/planted.js";
import { noGrad } from "../../src/engine/index.js";
import { buildBaseline } from "../../src/models/factory.js";
import { FullSoftmax } from "../../src/models/rec-loss.js";
import type { SequentialRecommender } from "../../src/models/recommender.js";
import { resolveConfig } from "../../src/train/config.js";
import { Rng } from "../../src/util/rng.js";

/**
 * The two multi-interest rules, checked on a real SequentialRecommender over
 * MIND against sums written out by hand: ranking by max_k <h_k, v_j>, and the
 * training loss as the CE of the interest nearest the target.
 */

const K = 4;
const D = 8;
let ds: Dataset;

before(async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "demure-mi-")), "tiny");
  writePlanted(dir, "tiny", generatePlanted({ users: 20, items: 30, seqLength: [5, 8], seed: 3 }));
  ds = await loadDataset(dir);
});

function mindModel(dropoutRng: Rng): SequentialRecommender {
  const cfg = resolveConfig({ data: ds.dir, model: "mind", dim: D, mind: { interests: K } });
  const spec = {
    model: cfg.model,
    variant: "id" as const,
    dim: cfg.dim,
    maxLength: 6,
    modalities: cfg.modalities,
    useId: true,
    fusion: cfg.fusion,
    backbones: cfg,
  };
  const model = buildBaseline(ds, spec, new FullSoftmax(), new Rng(5), dropoutRng);
  // Spread the parameters beyond their init, so interests and items differ clearly.
  const rng = new Rng(6);
  for (const p of model.params()) for (let i = 0; i < p.size; i++) p.data[i] = rng.normal() * 0.5;
  return model;
}

/** A batch of these users' histories (row r keeps at most 2 + r items), the next item as target. */
function batchOf(users: number[]): SeqBatch {
  const maxLength = 6;
  const items = new Int32Array(users.length * maxLength);
  const lengths = new Int32Array(users.length);
  const targets = new Int32Array(users.length);
  users.forEach((u, r) => {
    const seq = ds.sequences[u]!;
    const n = Math.min(maxLength, seq.length - 1, 2 + r);
    items.set(seq.subarray(0, n), r * maxLength);
    lengths[r] = n;
    targets[r] = seq[n]!;
  });
  return { size: users.length, maxLength, items, lengths, targets, users: Int32Array.from(users) };
}

/** Per row, h_k·v_j for every interest k and item j, in float64: [row][k][j]. */
function allScores(model: SequentialRecommender, batch: SeqBatch, training: boolean): number[][][] {
  return noGrad(() => {
    const v = model.encoder.encodeAll();
    const h = model.userStates(v, batch, training);
    assert.deepEqual(h.shape, [batch.size, K, D]);
    const n = ds.numItems + 1;
    return Array.from({ length: batch.size }, (_, r) =>
      Array.from({ length: K }, (_, k) =>
        Array.from({ length: n }, (_, j) => {
          let s = 0;
          for (let x = 0; x < D; x++) s += h.data[(r * K + k) * D + x]! * v.data[j * D + x]!;
          return s;
        }),
      ),
    );
  });
}

const topK = (scores: ArrayLike<number>, k: number): number[] =>
  Array.from(scores, (s, j) => [s, j] as const)
    .filter(([, j]) => j > 0)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, j]) => j);

describe("MIND in a SequentialRecommender", () => {
  test("scoreAll ranks every item by its best interest (max over K of <h_k, v_j>)", () => {
    const model = mindModel(new Rng(1));
    const batch = batchOf([0, 1, 2, 3]);
    const got = model.scoreAll(batch);
    const per = allScores(model, batch, false);
    const n = ds.numItems + 1;
    let winners = 0;
    per.forEach((interests, r) => {
      const best = Array.from({ length: n }, (_, j) => Math.max(...interests.map((s) => s[j]!)));
      const row = got.subarray(r * n, (r + 1) * n);
      for (let j = 0; j < n; j++)
        assert.ok(
          Math.abs(row[j]! - best[j]!) < 1e-4,
          `row ${r} item ${j}: ${row[j]} vs ${best[j]}`,
        );
      assert.deepEqual(topK(row, 10), topK(best, 10), `row ${r} top-10`);
      // Not a trivial case: several interests win some item, so the max matters.
      const won = new Set(
        Array.from({ length: n }, (_, j) => interests.findIndex((s) => s[j] === best[j])),
      );
      if (won.size > 1) winners++;
    });
    assert.ok(winners >= 2, `only ${winners} rows have more than one winning interest`);
  });

  test("evaluation is deterministic and a user's scores do not depend on their batch", () => {
    const model = mindModel(new Rng(1));
    const n = ds.numItems + 1;
    const batch = batchOf([0, 1, 2, 3]);
    const first = model.scoreAll(batch);
    assert.deepEqual(Array.from(model.scoreAll(batch)), Array.from(first));
    // Row 1 (user 1) scored alone, in a batch trimmed to its own length.
    const alone = batchOf([1]);
    alone.items.set(batch.items.subarray(6, 12));
    alone.lengths[0] = batch.lengths[1]!;
    const single = model.scoreAll(alone);
    for (let j = 0; j < n; j++) assert.ok(Math.abs(single[j]! - first[n + j]!) < 1e-5);
  });

  test("the training loss is the CE of the interest with the largest <h_k, v_target>", () => {
    const dropoutRng = new Rng(1);
    const model = mindModel(dropoutRng);
    const batch = batchOf([4, 5, 6, 7, 8, 9]);
    // The same routing draw for the loss and for the hand computation.
    dropoutRng.reseed(11);
    const loss = model.loss(batch).item();
    dropoutRng.reseed(11);
    const per = allScores(model, batch, true);
    const ce = (s: number[], target: number): number => {
      const top = Math.max(...s);
      return Math.log(s.reduce((a, x) => a + Math.exp(x - top), 0)) + top - s[target]!;
    };
    const picked = per.map((interests, r) => {
      const t = batch.targets[r]!;
      return interests.reduce((best, s, k) => (s[t]! > interests[best][t]! ? k : best), 0);
    });
    const expected =
      per.reduce((a, s, r) => a + ce(s[picked[r]]!, batch.targets[r]!), 0) / batch.size;
    assert.ok(Math.abs(loss - expected) < 1e-4 * Math.max(1, expected), `${loss} vs ${expected}`);
    // Not a trivial case: the picks differ between rows, and a fixed interest gives another loss.
    assert.ok(new Set(picked).size > 1, `every row picked interest ${picked[0]}`);
    const fixed = per.reduce((a, s, r) => a + ce(s[0]!, batch.targets[r]!), 0) / batch.size;
    assert.ok(Math.abs(fixed - expected) > 1e-3, `interest 0 everywhere gives ${fixed} too`);
  });
});
