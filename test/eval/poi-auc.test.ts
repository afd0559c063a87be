import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { meanPoiAuc, pairwiseAuc, pooledPoiAuc } from "../../src/eval/poi-auc.js";
import { UserError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";

describe("POI-AUC per user", () => {
  it("hand-computed cases", () => {
    // POI above both non-POI: 2 wins of 2 pairs
    assert.equal(pairwiseAuc([0.5, 0.3, 0.2], [1, 0, 0]), 1);
    // POI below both: 0 of 2
    assert.equal(pairwiseAuc([0.2, 0.5, 0.3], [1, 0, 0]), 0);
    // POI 0.3 vs 0.5 (loss), 0.2 (win), 0.3 (tie 0.5) -> 1.5 / 3
    assert.equal(pairwiseAuc([0.3, 0.5, 0.2, 0.3], [1, 0, 0, 0]), 1.5 / 3);
    // two POI (0.4, 0.1) vs two non-POI (0.1, 0.4):
    // 0.4: win + tie = 1.5; 0.1: tie + loss = 0.5 -> 2 / 4
    assert.equal(pairwiseAuc([0.4, 0.1, 0.4, 0.1], [true, false, false, true]), 2 / 4);
  });

  it("is undefined (NaN) without both kinds of modality", () => {
    assert.ok(Number.isNaN(pairwiseAuc([0.5, 0.5], [1, 1])));
    assert.ok(Number.isNaN(pairwiseAuc([0.5, 0.5], [0, 0])));
  });

  it("a NaN weight is the lowest weight", () => {
    assert.equal(pairwiseAuc([Number.NaN, 0.2], [1, 0]), 0);
    assert.equal(pairwiseAuc([0.2, Number.NaN], [1, 0]), 1);
    assert.equal(pairwiseAuc([Number.NaN, Number.NaN], [1, 0]), 0.5);
  });

  it("averages over qualifying users only", () => {
    const w = [
      [0.5, 0.3, 0.2], // AUC 1
      [0.2, 0.5, 0.3], // AUC 0
      [0.3, 0.5, 0.2, 0.3], // AUC 0.5
      [0.1, 0.9], // all POI: skipped
      [0.1, 0.9], // no POI: skipped
    ];
    const l = [
      [1, 0, 0],
      [1, 0, 0],
      [1, 0, 0, 0],
      [1, 1],
      [0, 0],
    ];
    assert.deepEqual(meanPoiAuc(w, l), { auc: (1 + 0 + 0.5) / 3, users: 3, skipped: 2 });
  });

  it("accepts flat matrices and typed rows", () => {
    const flatW = {
      data: Float32Array.from([0.5, 0.25, 0.25, 0.125, 0.5, 0.25]),
      rows: 2,
      cols: 3,
    };
    const flatL = { data: Uint8Array.from([1, 0, 0, 0, 0, 1]), rows: 2, cols: 3 };
    // user 0: 1; user 1: POI 0.25 vs 0.125 (win), 0.5 (loss) -> 0.5
    assert.deepEqual(meanPoiAuc(flatW, flatL), { auc: 0.75, users: 2, skipped: 0 });
    const nested = [Float32Array.from([0.5, 0.25, 0.25]), Float32Array.from([0.125, 0.5, 0.25])];
    assert.deepEqual(meanPoiAuc(nested, flatL), meanPoiAuc(flatW, flatL));
  });

  it("rejects mismatched shapes", () => {
    assert.throws(
      () =>
        meanPoiAuc(
          [[1, 2]],
          [
            [1, 0],
            [0, 1],
          ],
        ),
      UserError,
    );
    assert.throws(() => meanPoiAuc([[1, 2]], [[1, 0, 0]]), UserError);
    assert.throws(() => pooledPoiAuc({ data: [1], rows: 1, cols: 2 }, [[1, 0]]), UserError);
  });
});

describe("POI-AUC pooled", () => {
  it("hand-computed case across users", () => {
    // POI weights 0.9 (u0), 0.5 (u1); non-POI 0.1 (u0), 0.6 (u1).
    // pairs: 0.9>0.1, 0.9>0.6, 0.5>0.1 win; 0.5<0.6 loses -> 3 / 4
    assert.equal(
      pooledPoiAuc(
        [
          [0.9, 0.1],
          [0.6, 0.5],
        ],
        [
          [1, 0],
          [0, 1],
        ],
      ),
      3 / 4,
    );
  });

  it("counts ties as one half, like the pairwise definition", () => {
    const rng = new Rng(7);
    const w: number[][] = [];
    const l: number[][] = [];
    for (let u = 0; u < 40; u++) {
      w.push(Array.from({ length: 4 }, () => (rng.uniform() < 0.1 ? Number.NaN : rng.int(5))));
      l.push(Array.from({ length: 4 }, () => (rng.uniform() < 0.4 ? 1 : 0)));
    }
    const expected = pairwiseAuc(w.flat(), l.flat());
    assert.ok(Math.abs(pooledPoiAuc(w, l) - expected) < 1e-12);
  });

  it("is NaN with no POI at all", () => {
    assert.ok(Number.isNaN(pooledPoiAuc([[0.1, 0.2]], [[0, 0]])));
  });
});
