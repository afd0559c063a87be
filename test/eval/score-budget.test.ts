import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadDataset } from "../../src/data/dataset.js";
import { generatePlanted, writePlanted } from "../../src/data/planted.js";
import { leaveOneOut } from "../../src/data/split.js";
import { evaluateMultiTarget } from "../../src/eval/multi-target.js";
import {
  evaluateFullRanking,
  rowsPerBlock,
  SCORE_BLOCK_BYTES,
  type ScoreBatch,
} from "../../src/eval/ranking.js";
import { resolveConfig } from "../../src/train/config.js";
import { evaluateModel } from "../../src/train/evaluate.js";
import { buildModel } from "../../src/train/model.js";
import { UserError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";

describe("score-block budget", () => {
  test("rowsPerBlock: batchSize, capped by the bytes of a block, at least one row", () => {
    assert.equal(SCORE_BLOCK_BYTES, 64 * 2 ** 20);
    assert.equal(rowsPerBlock(10_000, 256), 256);
    assert.equal(rowsPerBlock(65_535, 256), 256);
    assert.equal(rowsPerBlock(65_536, 256), 255);
    assert.equal(rowsPerBlock(1_000_000, 256), 16);
    assert.equal(rowsPerBlock(1_000_000, 8), 8);
    assert.equal(rowsPerBlock(30, 256, 1), 1);
    assert.equal(rowsPerBlock(30, 256, 4 * 31 * 3), 3);
    assert.throws(() => rowsPerBlock(30, 256, 0), UserError);
  });

  // Coarse random scores (many ties, some NaN) on 40 items for 50 rows.
  const rng = new Rng(5);
  const numItems = 40;
  const width = numItems + 1;
  const n = 50;
  const table = Array.from({ length: n }, () =>
    Float32Array.from({ length: width }, () =>
      rng.uniform() < 0.05 ? Number.NaN : rng.int(6) / 6,
    ),
  );
  const targets = Int32Array.from({ length: n }, (_, r) =>
    r % 9 === 4 ? 0 : 1 + rng.int(numItems),
  );
  const hist = Array.from({ length: n }, () =>
    Array.from({ length: rng.int(8) }, () => 1 + rng.int(numItems)),
  );
  /** A scorer over `table` that records the block sizes it was asked for. */
  const scorer = (sizes: number[]): ScoreBatch => {
    return (rows) => {
      sizes.push(rows.length);
      const out = new Float32Array(rows.length * width);
      rows.forEach((r, b) => {
        out.set(table[r]!, b * width);
      });
      return out;
    };
  };

  test("full ranking: a tiny budget gives bit-identical ranks and metrics, in smaller blocks", () => {
    const run = (scoreBlockBytes?: number) => {
      const sizes: number[] = [];
      const r = evaluateFullRanking({
        numItems,
        users: Int32Array.from({ length: n }, (_, r) => r),
        targets,
        history: (r) => hist[r],
        scoreBatch: scorer(sizes),
        ...(scoreBlockBytes === undefined ? {} : { scoreBlockBytes }),
      });
      return { r, sizes };
    };
    const plain = run();
    assert.deepEqual(plain.sizes, [plain.r.count]);
    for (const [budget, rows] of [
      [1, 1],
      [4 * width * 3, 3],
      [4 * width * 3 + 7, 3],
    ] as const) {
      const small = run(budget);
      assert.ok(small.sizes.every((s) => s <= rows) && small.sizes[0] === rows, `budget ${budget}`);
      assert.deepEqual(small.r.ranks, plain.r.ranks);
      assert.deepEqual(small.r.metrics, plain.r.metrics);
      assert.equal(small.r.count, plain.r.count);
    }
  });

  test("multi-target ranking: the same under a tiny budget", () => {
    const many = Array.from({ length: n }, (_, r) =>
      r % 7 === 0 ? new Int32Array(0) : Int32Array.of(1 + (r % numItems), 1 + ((r * 3) % numItems)),
    );
    const run = (scoreBlockBytes?: number) => {
      const sizes: number[] = [];
      const r = evaluateMultiTarget({
        numItems,
        users: Int32Array.from({ length: n }, (_, r) => r),
        targets: many,
        history: (r) => hist[r],
        scoreBatch: scorer(sizes),
        ...(scoreBlockBytes === undefined ? {} : { scoreBlockBytes }),
      });
      return { r, sizes };
    };
    const plain = run();
    const small = run(4 * width * 2);
    assert.ok(small.sizes.every((s) => s <= 2));
    assert.ok(plain.sizes.length < small.sizes.length);
    assert.deepEqual(small.r.metrics, plain.r.metrics);
  });

  test("a model's evaluation: one row per block gives the default's metrics exactly", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "demure-budget-")), "planted");
    writePlanted(
      dir,
      "planted",
      generatePlanted({ users: 60, items: 50, seqLength: [6, 12], seed: 4 }),
    );
    const ds = await loadDataset(dir);
    const split = leaveOneOut(ds.sequences);
    for (const variant of ["id", "demure"]) {
      const cfg = resolveConfig({ data: dir, model: "sasrec", variant, seed: 1 });
      const model = buildModel(ds, cfg, new Rng(1), new Rng(2));
      const opts = { batchSize: 256, maxLength: cfg.maxLength, excludeHistory: true };
      const plain = evaluateModel(model, split.valid, opts);
      const tiny = evaluateModel(model, split.valid, { ...opts, scoreBlockBytes: 1 });
      assert.deepEqual(tiny.ranks, plain.ranks, variant);
      assert.deepEqual(tiny.metrics, plain.metrics, variant);
    }
  });
});
