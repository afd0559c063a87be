import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type GruWeights,
  gruLastStates,
  gruSequence,
  noGrad,
  tensor,
} from "../../src/engine/index.js";
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

describe("GRU last states", () => {
  test("each row's state after its last real step, rows of every length (longest first inside)", () => {
    const rng = new Rng(21);
    const [b, l, din, hidden] = [70, 9, 16, 32];
    const w: GruWeights = {
      wx: randParam([din, 3 * hidden], rng),
      wh: randParam([hidden, 3 * hidden], rng),
      bx: randParam([3 * hidden], rng),
      bh: randParam([3 * hidden], rng),
    };
    const x = randParam([b, l, din], rng);
    const lengths = Int32Array.from({ length: b }, (_, i) => 1 + ((i * 5) % l));
    const all = noGrad(() => gruSequence(x, w)).data;
    const last = noGrad(() => gruLastStates(x, w, lengths));
    assert.deepEqual(last.shape, [b, hidden]);
    for (let r = 0; r < b; r++) {
      const t = lengths[r]! - 1;
      for (let c = 0; c < hidden; c++) {
        const want = all[(r * l + t) * hidden + c]!;
        const got = last.data[r * hidden + c]!;
        assert.ok(
          Math.abs(got - want) <= 1e-5,
          `row ${r} (length ${t + 1}) col ${c}: ${got} vs ${want}`,
        );
      }
    }
    assert.throws(() => noGrad(() => gruLastStates(x, w, new Int32Array(b))), /a length of 0/);
    assert.throws(() => gruLastStates(x, w, lengths), /inside noGrad/);
  });
});
