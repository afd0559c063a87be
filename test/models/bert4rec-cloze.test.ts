import assert from "node:assert/strict";
import { test } from "node:test";
import { noGrad, type Tensor, tensor } from "../../src/engine/index.js";
import type { SeqBatchShape } from "../../src/models/backbones/backbone.js";
import { Bert4rec, drawClozePositions } from "../../src/models/backbones/bert4rec.js";
import { Rng } from "../../src/util/rng.js";

const L = 20;
const D = 8;
const CFG = {
  layers: 1,
  heads: 2,
  dim: D,
  inner: 16,
  hiddenDropout: 0,
  attnDropout: 0,
  layerNormEps: 1e-12,
  maxLength: L,
  maskRatio: 0.2,
};

/** 300 rows of lengths 1..20; every real position has its own id b·L + t + 1 (so an id names its position). */
function bigBatch(): { shape: SeqBatchShape; items: Tensor } {
  const rng = new Rng(5);
  const batch = 300;
  const lengths = Int32Array.from({ length: batch }, () => 1 + rng.int(L));
  const keyMask = new Uint8Array(batch * L);
  const ids = new Int32Array(batch * L);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < lengths[b]!; t++) {
      keyMask[b * L + t] = 1;
      ids[b * L + t] = b * L + t + 1;
    }
  }
  const items = tensor(
    Array.from({ length: batch * L * D }, () => rng.uniform() - 0.5),
    [batch, L, D],
  );
  return { shape: { batch, length: L, lengths, keyMask, items: ids }, items };
}

test("BERT4Rec cloze rows: the ids at the masked positions, about maskRatio of them, never padding", () => {
  const { shape, items } = bigBatch();
  const draws = new Rng(0);
  const model = new Bert4rec(CFG, new Rng(1), draws);
  draws.reseed(42);
  noGrad(() => model.forward(items, shape, true));
  const extra = model.extraRows();
  assert.ok(extra !== null);
  const real = shape.lengths.reduce((s, n) => s + n, 0);
  const r = extra.targets.length;
  assert.equal(extra.rows.length, r);
  assert.deepEqual(extra.states.shape, [r, D]);
  const ratio = r / real;
  process.stderr.write(
    `bert4rec cloze: ${r} of ${real} real positions masked (${ratio.toFixed(3)})\n`,
  );
  assert.ok(Math.abs(ratio - 0.2) < 0.03, `masked ratio ${ratio} should be near 0.2`);

  // Each target names its position: the row matches, the position is real, none repeats.
  const seen = new Set<number>();
  for (let i = 0; i < r; i++) {
    const id: number = extra.targets[i]!;
    assert.ok(id > 0, "a padding id is never a target");
    const b = Math.floor((id - 1) / L);
    const t = (id - 1) % L;
    assert.equal(extra.rows[i], b);
    assert.ok(t < shape.lengths[b]!, `row ${b} position ${t} is padding`);
    assert.equal(shape.items[b * L + t], id);
    assert.ok(!seen.has(id));
    seen.add(id);
  }
  // Exactly the positions of the draw the forward makes first with the same rng.
  const expected = drawClozePositions(shape, 0.2, new Rng(42));
  assert.deepEqual(
    Array.from(extra.targets),
    Array.from(expected, (p) => shape.items[p]!),
  );
});

test("BERT4Rec cloze: the masked inputs really are the mask vector", () => {
  const { shape, items } = bigBatch();
  const draws = new Rng(0);
  const model = new Bert4rec(CFG, new Rng(1), draws);
  draws.reseed(7);
  const trained = noGrad(() => model.forward(items, shape, true)).data;
  const targets = model.extraRows()!.targets;
  // Put the mask vector in by hand at those positions and run an evaluation forward:
  // with no dropout, the user states must agree.
  const masked = Float32Array.from(items.data);
  for (const id of targets) masked.set(model.mask.data, (id - 1) * D);
  const byHand = noGrad(() =>
    model.forward(tensor(masked, [shape.batch, L, D]), shape, false),
  ).data;
  let diff = 0;
  for (let i = 0; i < trained.length; i++)
    diff = Math.max(diff, Math.abs(trained[i]! - byHand[i]!));
  assert.ok(diff < 1e-5, `training and hand-masked states differ by ${diff}`);
  // ...and differ from the unmasked evaluation states.
  const plain = noGrad(() => model.forward(items, shape, false)).data;
  let gap = 0;
  for (let i = 0; i < trained.length; i++) gap = Math.max(gap, Math.abs(trained[i]! - plain[i]!));
  assert.ok(gap > 1e-3, "masking changed no state");
});

test("BERT4Rec extra rows: null after an evaluation forward; the same seed draws the same masks", () => {
  const { shape, items } = bigBatch();
  const draws = new Rng(0);
  const model = new Bert4rec({ ...CFG, hiddenDropout: 0.2, attnDropout: 0.2 }, new Rng(1), draws);
  const run = (seed: number): { targets: number[]; states: number[] } => {
    draws.reseed(seed);
    noGrad(() => model.forward(items, shape, true));
    const e = model.extraRows()!;
    return { targets: Array.from(e.targets), states: Array.from(e.states.data) };
  };
  const a = run(3);
  const b = run(3);
  const c = run(4);
  assert.deepEqual(b.targets, a.targets);
  assert.deepEqual(b.states, a.states, "same seed, same dropout and states");
  assert.notDeepEqual(c.targets, a.targets);
  noGrad(() => model.forward(items, shape, false));
  assert.equal(model.extraRows(), null);
  // maskRatio 0: no cloze rows even in training.
  const none = new Bert4rec({ ...CFG, maskRatio: 0 }, new Rng(1), draws);
  noGrad(() => none.forward(items, shape, true));
  assert.equal(none.extraRows(), null);
});
