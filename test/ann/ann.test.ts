import assert from "node:assert/strict";
import { copyFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { annRecommendForHistory, annRecommendForUser } from "../../src/ann/search.js";
import { AnnIndex, buildRunIndex } from "../../src/ann/store.js";
import { loadRun, recommendForHistory, recommendForUser } from "../../src/train/run.js";
import { UserError } from "../../src/util/errors.js";
import { copyRun, trainedRuns } from "./fixture.js";

describe("approximate top-k through RUN/index", () => {
  let runs: Awaited<ReturnType<typeof trainedRuns>>;
  before(async () => {
    runs = await trainedRuns(1500);
  });

  test("IVF_PQ over the gated catalogue: overlap@10 with exact top-k ≥ 0.9, seen items excluded", async () => {
    const run = await loadRun(runs.run);
    const { meta } = await buildRunIndex(run, {
      flat: false,
      partitions: 16,
      subVectors: 8,
      nprobes: 12,
      refineFactor: 20,
    });
    assert.equal(meta.kind, "ivf_pq");
    assert.equal(meta.items, run.dataset.numItems);
    assert.ok(meta.items > 1000);
    // Demure: the concatenated views of every modality (M · d).
    assert.equal(meta.dim % 16, 0);
    assert.ok(meta.dim > 16);
    const ann = await AnnIndex.open(run);
    assert.ok(ann !== null);
    let overlap = 0;
    const users = run.dataset.userIds.slice(0, 30);
    for (const user of users) {
      const exact = recommendForUser(run, user, 10);
      const approx = await annRecommendForUser(run, ann, user, 10);
      assert.equal(approx.length, 10);
      const history = run.dataset.sequences[run.dataset.userIndex.get(user) ?? 0]!;
      const seen = new Set(Array.from(history, (i) => run.dataset.itemIds[i]!));
      for (const r of approx)
        assert.ok(!seen.has(r.item), `${user}: seen item ${r.item} recommended`);
      const exactIds = new Set(exact.map((r) => r.item));
      overlap += approx.filter((r) => exactIds.has(r.item)).length / 10;
      // Scores are the exact scorer's (re-scored candidates), in descending order.
      const exactScore = new Map(exact.map((r) => [r.item, r.score]));
      for (const r of approx) {
        const e = exactScore.get(r.item);
        if (e !== undefined) assert.ok(Math.abs(e - r.score) <= 1e-4 * (1 + Math.abs(e)));
      }
      for (let i = 1; i < approx.length; i++) assert.ok(approx[i - 1]!.score >= approx[i]!.score);
    }
    const mean = overlap / users.length;
    assert.ok(mean >= 0.9, `mean overlap@10 ${mean}`);
  });

  test("an ad-hoc history excludes its items; too few candidates fall back to exact", async () => {
    const run = await loadRun(runs.run);
    const ann = await AnnIndex.open(run);
    assert.ok(ann !== null);
    const history = Int32Array.from([3, 7, 11, 19]);
    const approx = await annRecommendForHistory(run, ann, history, 5);
    assert.equal(approx.length, 5);
    for (const r of approx) assert.ok(!history.includes(run.dataset.itemIndex.get(r.item)!));
    // Everything but 4 items excluded: the index cannot give k = 10, the exact scan answers.
    const all = Array.from({ length: run.dataset.numItems }, (_, i) => i + 1).slice(4);
    const few = await annRecommendForHistory(run, ann, history, 10, all);
    assert.deepEqual(few, recommendForHistory(run, history, 10, all));
    assert.equal(few.length, 4);
  });

  test("a stale index (the run retrained since) is refused, naming what to do", async () => {
    const copy = copyRun(runs.run, join(runs.root, "retrained"));
    // Retraining replaces best.params: here with the other seed's (same shapes).
    copyFileSync(join(runs.other, "best.params"), join(copy, "best.params"));
    const run = await loadRun(copy);
    assert.ok(existsSync(join(copy, "index", "meta.json")));
    await assert.rejects(
      AnnIndex.open(run),
      (e: unknown) =>
        e instanceof UserError &&
        /stale index/.test(e.message) &&
        /demure index --run/.test(e.message) &&
        /serve --exact/.test(e.message),
    );
  });

  test("rebuilding replaces the index atomically (no temporary folders left)", async () => {
    const run = await loadRun(runs.run);
    await buildRunIndex(run, { flat: false, partitions: 8, subVectors: 8, nprobes: 8 });
    const left = readdirSync(runs.run).filter((f) => f.startsWith("index."));
    assert.deepEqual(left, []);
    const ann = await AnnIndex.open(run);
    assert.equal(ann?.meta.partitions, 8);
  });
});

describe("a small catalogue gets a flat table", () => {
  test("ID-only run: flat index, the same top-k as the exact scan", async () => {
    const runs = await trainedRuns(80, "id");
    const run = await loadRun(runs.run);
    const { meta } = await buildRunIndex(run);
    assert.equal(meta.kind, "flat");
    assert.equal(meta.dim, 16);
    const ann = await AnnIndex.open(run);
    assert.ok(ann !== null);
    for (const user of run.dataset.userIds.slice(0, 10)) {
      const exact = recommendForUser(run, user, 10).map((r) => r.item);
      const found = await annRecommendForUser(run, ann, user, 10);
      const approx = found.map((r) => r.item);
      assert.deepEqual(approx, exact);
    }
  });
});
