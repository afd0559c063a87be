import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { concat, noGrad, type Tensor, tensor } from "../../src/engine/index.js";
import type { SeqBatchShape } from "../../src/models/backbones/backbone.js";
import { Bert4rec } from "../../src/models/backbones/bert4rec.js";
import { attentionPooling, ComirecSa } from "../../src/models/backbones/comirec-sa.js";
import { Rng } from "../../src/util/rng.js";
import { gradcheck, randParam } from "../engine/gradcheck.js";

/** A left-aligned batch shape; item ids are 1, 2, ... over the real positions. */
function shapeOf(lengths: number[], length: number): SeqBatchShape {
  const batch = lengths.length;
  const keyMask = new Uint8Array(batch * length);
  const items = new Int32Array(batch * length);
  let id = 1;
  lengths.forEach((n, b) => {
    for (let t = 0; t < n; t++) {
      keyMask[b * length + t] = 1;
      items[b * length + t] = id++;
    }
  });
  return { batch, length, lengths: Int32Array.from(lengths), keyMask, items };
}

/** Every parameter set to seeded values in [-0.5, 0.5), so no gradient is trivially small. */
function randomise(params: Tensor[], rng: Rng): void {
  for (const p of params) for (let i = 0; i < p.size; i++) p.data[i] = rng.uniform() - 0.5;
}

describe("ComiRec-SA attention pooling", () => {
  test("gradients wrt the logits and the values, with a padded row", () => {
    const rng = new Rng(11);
    // B 2, L 3, K 2, d 4; row 1 has 2 real items.
    const shape = shapeOf([3, 2], 3);
    const logits = randParam([2, 3, 2], rng, -2, 2);
    const values = randParam([2, 3, 4], rng);
    gradcheck(([l, v]) => attentionPooling(l!, v!, shape.keyMask), [logits, values]);
  });

  test("padding gets zero weight and each head's weights sum to one", () => {
    const rng = new Rng(12);
    const shape = shapeOf([3, 1], 3);
    const logits = randParam([2, 3, 2], rng, -2, 2);
    const values = randParam([2, 3, 4], rng);
    const before = noGrad(() => attentionPooling(logits, values, shape.keyMask)).data;
    // Changing padded values or logits must change nothing.
    for (const t of [1, 2]) {
      for (let x = 0; x < 4; x++) values.data[(3 + t) * 4 + x] = 100;
      for (let k = 0; k < 2; k++) logits.data[(3 + t) * 2 + k] = 50;
    }
    const after = noGrad(() => attentionPooling(logits, values, shape.keyMask)).data;
    assert.deepEqual(Array.from(after), Array.from(before));
    // Row 1 has one real item: both interests are exactly that item's vector.
    for (let k = 0; k < 2; k++)
      for (let x = 0; x < 4; x++)
        assert.ok(Math.abs(after[(2 + k) * 4 + x]! - values.data[12 + x]!) < 1e-6);
    // Constant values: every interest equals them (weights sum to one).
    const ones = tensor(new Float32Array(24).fill(1), [2, 3, 4]);
    const pooled = noGrad(() => attentionPooling(logits, ones, shape.keyMask)).data;
    for (const v of pooled) assert.ok(Math.abs(v - 1) < 1e-6, `pooled ${v}`);
  });

  test("whole forward: gradients wrt item vectors and every parameter (B 2, L 3, d 4, K 2)", () => {
    const rng = new Rng(13);
    const model = new ComirecSa({ dim: 4, interests: 2, hiddenFactor: 4, maxLength: 3 }, rng);
    randomise(model.params(), rng);
    const shape = shapeOf([3, 2], 3);
    const items = randParam([2, 3, 4], rng);
    const out = noGrad(() => model.forward(items, shape));
    assert.deepEqual(out.shape, [2, 2, 4]);
    gradcheck(([x]) => model.forward(x!, shape), [items, ...model.params()], { eps: 3e-3 });
  });

  test("interests pool the item vectors without the position embedding", () => {
    const rng = new Rng(14);
    const model = new ComirecSa({ dim: 4, interests: 3, hiddenFactor: 2, maxLength: 5 }, rng);
    randomise(model.params(), rng);
    // Every real item the same vector c: whatever the weights, each interest is c.
    const c = [0.3, -0.7, 1.1, 0.05];
    const shape = shapeOf([5, 2], 5);
    const items = tensor(
      Array.from({ length: 40 }, (_, i) => c[i % 4]!),
      [2, 5, 4],
    );
    const out = noGrad(() => model.forward(items, shape)).data;
    out.forEach((v, i) => {
      assert.ok(Math.abs(v - c[i % 4]!) < 1e-5, `interest value ${i}: ${v} vs ${c[i % 4]}`);
    });
    // ...and the heads do attend differently (the position embedding and W1, W2 matter).
    const varied = randParam([2, 5, 4], rng);
    const h = noGrad(() => model.forward(varied, shape)).data;
    let spread = 0;
    for (let x = 0; x < 4; x++) spread += Math.abs(h[x]! - h[4 + x]!);
    assert.ok(spread > 1e-3, `interests 0 and 1 of row 0 coincide (spread ${spread})`);
  });
});

describe("BERT4Rec with the mask vector", () => {
  const cfg = {
    layers: 2,
    heads: 2,
    dim: 4,
    inner: 6,
    hiddenDropout: 0,
    attnDropout: 0,
    layerNormEps: 1e-12,
    maxLength: 3,
    maskRatio: 0.5,
  };

  test("evaluation forward: gradients wrt item vectors and every parameter incl. the mask", () => {
    const rng = new Rng(21);
    const model = new Bert4rec(cfg, rng, new Rng(1));
    randomise(model.params(), rng);
    assert.equal(model.params()[0], model.mask);
    const shape = shapeOf([3, 2], 3);
    const items = randParam([2, 3, 4], rng);
    gradcheck(([x]) => model.forward(x!, shape, false), [items, ...model.params()], {
      eps: 3e-3,
    });
  });

  test("training forward with a fixed cloze draw and no dropout: main and extra rows", () => {
    const rng = new Rng(22);
    const draws = new Rng(0);
    const model = new Bert4rec(cfg, rng, draws);
    randomise(model.params(), rng);
    const shape = shapeOf([3, 2], 3);
    const items = randParam([2, 3, 4], rng);
    // The same draw at every call: reseed before each forward.
    const f = (x: Tensor): Tensor => {
      draws.reseed(5);
      const main = model.forward(x, shape, true);
      const extra = model.extraRows();
      return extra === null ? main : concat([main, extra.states], 0);
    };
    const probe = noGrad(() => f(items));
    assert.ok(probe.shape[0]! > 2, "seed 5 should mask at least one position");
    gradcheck(([x]) => f(x!), [items, ...model.params()], { eps: 3e-3 });
  });
});
