import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadDataset } from "../../src/data/dataset.js";
import { embedding, mul, noGrad, sum, type Tensor } from "../../src/engine/index.js";
import { ItemEncoder } from "../../src/models/item-encoder.js";
import { type Catalogue, inBatchSoftmax, sampledSoftmax } from "../../src/models/rec-loss.js";
import { Rng } from "../../src/util/rng.js";
import { datasetDir } from "../data/helpers.js";
import { gradcheck, randParam } from "../engine/gradcheck.js";

/** Six items with a token, a token_seq (one item without tokens) and a dense modality (one row missing). */
async function tiny() {
  const inter = ["user_id:token\titem_id:token\ttimestamp:float"];
  const seqs = [
    ["a", "b", "c", "d"],
    ["b", "e", "f", "a"],
    ["c", "d", "e", "f"],
  ];
  for (const [u, s] of seqs.entries()) {
    for (const [t, it] of s.entries()) inter.push(`u${u}\t${it}\t${t}`);
  }
  const dir = datasetDir("tiny", {
    "tiny.inter": `${inter.join("\n")}\n`,
    "tiny.item":
      "item_id:token\tbrand:token\ttags:token_seq\tvec:float_seq\n" +
      "a\tx\tt1 t2\t1 0 2\n" +
      "b\ty\tt2\t0 1 1\n" +
      "c\tx\t\t\n" +
      "d\t\tt3 t1 t2\t2 2 0\n" +
      "e\tz\tt3\t1 1 1\n" +
      "f\ty\tt1\t0 0 3\n",
  });
  return loadDataset(dir);
}

function close(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    assert.ok(
      Math.abs(a[i]! - b[i]!) <= 1e-6 * (1 + Math.abs(b[i]!)),
      `${what}: [${i}] ${a[i]} vs ${b[i]}`,
    );
  }
}

const ids = Int32Array.of(3, 0, 1, 3, 6, 4, 2, 5);

describe("ItemEncoder.encodeRows: the rows of encodeAll, from those items alone", () => {
  for (const fusion of ["concat", "mean"] as const) {
    for (const useId of [true, false]) {
      test(`${fusion} fusion, ${useId ? "with" : "without"} the ID: same values, same gradients`, async () => {
        const ds = await tiny();
        const enc = new ItemEncoder(ds, { useId, modalities: "all", fusion, dim: 4 }, new Rng(2));
        assert.equal(enc.encoders.length, useId ? 4 : 3);
        const full = noGrad(() => embedding(enc.encodeAll(), ids)).data;
        close(noGrad(() => enc.encodeRows(ids)).data, full, "values");
        const shaped = noGrad(() => enc.encodeRows(ids, [2, 4]));
        assert.deepEqual(shaped.shape, [2, 4, 4]);
        // Gradients of a weighted sum through both paths agree parameter by parameter.
        const w = randParam([ids.length, 4], new Rng(5));
        const grads = (f: () => Tensor) => {
          for (const p of enc.params()) p.grad?.fill(0);
          f().backward();
          return enc.params().map((p) => Float32Array.from(p.grad ?? new Float32Array(p.size)));
        };
        const weighted = (v: Tensor) => sumAll(v, w);
        const a = grads(() => weighted(enc.encodeRows(ids)));
        const b = grads(() => weighted(embedding(enc.encodeAll(), ids)));
        for (const [k, g] of a.entries()) {
          close(g, b[k]!, `gradient of ${enc.params()[k]!.name ?? k}`);
        }
      });
    }
  }

  test("gradcheck of encodeRows with respect to every parameter (concat fusion)", async () => {
    const ds = await tiny();
    const enc = new ItemEncoder(
      ds,
      { useId: true, modalities: "all", fusion: "concat", dim: 3 },
      new Rng(4),
    );
    gradcheck(() => enc.encodeRows(ids), enc.params());
  });

  test("the sampled and in-batch losses give the same value on rows as on the whole catalogue", async () => {
    const ds = await tiny();
    const enc = new ItemEncoder(
      ds,
      { useId: true, modalities: "all", fusion: "concat", dim: 4 },
      new Rng(6),
    );
    const q = randParam([3, 4], new Rng(7));
    const rows: Catalogue = { all: () => enc.encodeAll(), rows: (r) => enc.encodeRows(r) };
    const targets = Int32Array.of(2, -1, 5);
    const negatives = Int32Array.of(1, 5, 5, 6);
    const logQ = (i: number) => -Math.log(1 + i);
    noGrad(() => {
      const a = sampledSoftmax(q, rows, targets, negatives, logQ).item();
      const b = sampledSoftmax(q, enc.encodeAll(), targets, negatives, logQ).item();
      assert.ok(Math.abs(a - b) < 1e-6, `sampled ${a} vs ${b}`);
      const c = inBatchSoftmax(q, rows, targets, logQ).item();
      const d = inBatchSoftmax(q, enc.encodeAll(), targets, logQ).item();
      assert.ok(Math.abs(c - d) < 1e-6, `in-batch ${c} vs ${d}`);
    });
  });
});

/** Σ v ⊙ w as a scalar tensor. */
function sumAll(v: Tensor, w: Tensor): Tensor {
  return sum(mul(v, w));
}
