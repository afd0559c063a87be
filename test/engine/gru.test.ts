import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type GruWeights, gruSequence, noGrad, tensor } from "../../src/engine/index.js";
import { Rng } from "../../src/util/rng.js";
import { randParam } from "./gradcheck.js";

describe("GRU sequence", () => {
  for (const [b, l, din, hidden] of [
    [3, 5, 4, 6],
    // Rows enough for the gates to run on several threads.
    [64, 12, 64, 128],
  ] as const) {
    test(`[${b}, ${l}, ${din}] -> ${hidden}: inference (fused gates) gives the floats of the cell op by op`, () => {
      const rng = new Rng(b + hidden);
      const w: GruWeights = {
        wx: randParam([din, 3 * hidden], rng),
        wh: randParam([hidden, 3 * hidden], rng),
        bx: randParam([3 * hidden], rng),
        bh: randParam([3 * hidden], rng),
      };
      const x = randParam([b, l, din], rng);
      const withGraph = gruSequence(x, w);
      assert.ok(withGraph.requiresGrad, "the op-by-op path records a graph");
      const inference = noGrad(() => gruSequence(x, w));
      assert.equal(inference.requiresGrad, false);
      assert.deepEqual(inference.shape, [b, l, hidden]);
      assert.deepEqual(inference.data, withGraph.data);
      // Inputs that need no gradient take the fused path outside noGrad too.
      const frozen = (t: typeof x) => tensor(Float32Array.from(t.data), t.shape);
      const plain = gruSequence(frozen(x), {
        wx: frozen(w.wx),
        wh: frozen(w.wh),
        bx: frozen(w.bx),
        bh: frozen(w.bh),
      });
      assert.deepEqual(plain.data, withGraph.data);
    });
  }
});
