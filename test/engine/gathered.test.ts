import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  embedding,
  gatheredWeightedSum,
  l2Normalize,
  mul,
  sum,
  type Tensor,
  tensor,
  unitSum,
  weightedBag,
  weightedSum,
} from "../../src/engine/index.js";
import { Rng } from "../../src/util/rng.js";
import { gradcheck, randParam } from "./gradcheck.js";

const rng = new Rng(11);
const P = (shape: number[]) => randParam(shape, rng);
const ids = (n: number, vocab: number) =>
  Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * vocab));

/** Gradients of Σ f(·) ⊙ r for a fixed random r, per input (copies). */
function grads(f: () => Tensor, inputs: Tensor[]): Float32Array[] {
  for (const t of inputs) t.grad = null;
  const y = f();
  const r = new Float32Array(y.size).map((_, i) => Math.sin(i + 1));
  sum(mul(y, tensor(r, y.shape))).backward();
  return inputs.map((t) => Float32Array.from(t.grad ?? new Float32Array(t.size)));
}

function close(a: Float32Array, b: Float32Array, tol: number): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
  }
}

describe("ops that read table rows through ids", () => {
  test("gathered weighted sum: gradients (repeated ids, the padding row)", () => {
    const id = Int32Array.from([0, 2, 2, 1, 3, 0]);
    gradcheck(
      ([t0, t1, w]) => gatheredWeightedSum([t0!, t1!], id, w!, [2, 3]),
      [P([4, 3]), P([4, 3]), P([2, 2])],
    );
    // The same table twice: its gradient accumulates over both terms.
    gradcheck(([t, w]) => gatheredWeightedSum([t!, t!], id, w!, [3, 2]), [P([4, 3]), P([3, 2])]);
  });

  for (const [b, l, d, vocab] of [
    [3, 5, 4, 6],
    // Large enough that the scatter into the tables and the sums run on several threads.
    [64, 40, 64, 300],
  ] as const) {
    test(`gathered weighted sum [${b}, ${l}, ${d}]: the floats of weightedSum over gathered copies`, () => {
      const tables = [P([vocab, d]), P([vocab, d]), P([vocab, d])];
      const w = P([b, 3]);
      const id = ids(b * l, vocab);
      const fused = () => gatheredWeightedSum(tables, id, w, [b, l]);
      const chain = () =>
        weightedSum(
          tables.map((t) => embedding(t, id, [b, l])),
          w,
        );
      assert.deepEqual(fused().shape, [b, l, d]);
      assert.deepEqual(fused().data, chain().data);
      const gf = grads(fused, [...tables, w]);
      const gc = grads(chain, [...tables, w]);
      for (const [i, g] of gf.entries()) close(g, gc[i]!, 1e-5);
    });
  }

  test("weighted bag: gradients to the table and the weights", () => {
    const id = Int32Array.from([1, 0, 3, 3, 2, 1, 0, 2]);
    gradcheck(([t, a]) => weightedBag(t!, id, a!), [P([4, 3]), P([2, 4])]);
    gradcheck(([t, a]) => weightedBag(t!, id, a!), [P([4, 3]), P([2, 1, 4])]);
  });

  test("weighted bag with 0/1 weights over unit rows: the floats of unitSum over a gathered copy", () => {
    for (const [b, l, d, vocab] of [
      [4, 6, 5, 7],
      [64, 40, 64, 300],
    ] as const) {
      const table = P([vocab, d]);
      const id = ids(b * l, vocab);
      const mask = Uint8Array.from({ length: b * l }, () => (rng.uniform() < 0.7 ? 1 : 0));
      const keep = tensor(Float32Array.from(mask), [b, l]);
      const fused = () => weightedBag(l2Normalize(table), id, keep);
      const chain = () => unitSum(embedding(table, id, [b, l]), mask);
      assert.deepEqual(fused().data, chain().data);
      close(grads(fused, [table])[0]!, grads(chain, [table])[0]!, 1e-5);
    }
  });

  test("bad shapes and ids are refused", () => {
    const t = P([4, 3]);
    assert.throws(
      () => gatheredWeightedSum([t], Int32Array.from([0, 1, 2]), P([2, 1]), [2, 2]),
      /3 ids for a \[2, 2\] batch/,
    );
    assert.throws(
      () => gatheredWeightedSum([t, P([4, 2])], Int32Array.from([0, 1]), P([1, 2]), [1, 2]),
      /tables differ in width/,
    );
    assert.throws(
      () => gatheredWeightedSum([t], Int32Array.from([0, 1]), P([1, 2]), [1, 2]),
      /weights must be \[1, 1\]/,
    );
    assert.throws(
      () => gatheredWeightedSum([t], Int32Array.from([0, 4]), P([1, 1]), [1, 2]),
      /index 4 at position 1 is outside \[0, 4\)/,
    );
    assert.throws(
      () => weightedBag(t, Int32Array.from([0, 1, 2]), P([2, 2])),
      /3 ids for 4 weights/,
    );
    assert.throws(() => weightedBag(t, Int32Array.from([0, -1]), P([1, 2])), /index -1/);
  });
});
