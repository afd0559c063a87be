import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  add,
  embedding,
  noGrad,
  reshape,
  selectPositions,
  type Tensor,
} from "../../src/engine/index.js";
import type { SeqBatchShape } from "../../src/models/backbones/backbone.js";
import { Sasrec } from "../../src/models/backbones/sasrec.js";
import { Rng } from "../../src/util/rng.js";
import { randParam } from "../engine/gradcheck.js";

const cfg = {
  layers: 2,
  heads: 2,
  dim: 8,
  inner: 16,
  hiddenDropout: 0.5,
  attnDropout: 0.5,
  maxLength: 6,
  layerNormEps: 1e-12,
};

/** Every layer over every position, then the last real one: what the model computed before. */
function everyPosition(m: Sasrec, items: Tensor, shape: SeqBatchShape): Tensor {
  const { batch, length } = shape;
  const pos = new Int32Array(length).map((_, i) => i);
  let h = m.ln.forward(add(items, reshape(embedding(m.position, pos), [1, length, cfg.dim])));
  for (const layer of m.layers) h = layer.forward(h, shape.keyMask, new Rng(0), false);
  return selectPositions(
    h,
    new Int32Array(batch).map((_, b) => shape.lengths[b]! - 1),
  );
}

describe("SASRec outside training", () => {
  test("the last layer at the last real position alone equals every layer over every position", () => {
    const rng = new Rng(5);
    const m = new Sasrec(cfg, rng, new Rng(6));
    const lengths = Int32Array.of(6, 3, 1, 4);
    const [batch, length] = [4, 6];
    const keyMask = new Uint8Array(batch * length);
    for (let b = 0; b < batch; b++)
      for (let t = 0; t < lengths[b]!; t++) keyMask[b * length + t] = 1;
    const shape: SeqBatchShape = { batch, length, lengths, keyMask, items: new Int32Array(24) };
    const items = randParam([batch, length, cfg.dim], rng);
    const fast = noGrad(() => m.forward(items, shape, false));
    const full = noGrad(() => everyPosition(m, items, shape));
    assert.deepEqual(fast.shape, [batch, cfg.dim]);
    for (let i = 0; i < full.size; i++)
      assert.ok(
        Math.abs(fast.data[i]! - full.data[i]!) < 1e-5,
        `${i}: ${fast.data[i]} vs ${full.data[i]}`,
      );
    // A real item after the queried position would be seen by nobody: refused, not silently wrong.
    const last = m.layers[cfg.layers - 1]!;
    assert.throws(
      () => noGrad(() => last.forwardAt(items, keyMask, Int32Array.of(5, 1, 0, 3))),
      /row 1 has a real item after position 1/,
    );
  });
});
