import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { coherence, randomPairBaseline } from "../../src/eval/coherence.js";
import {
  denseView,
  ModalityCosine,
  type ModalityView,
  tokenListView,
  tokenView,
  viewNumItems,
} from "../../src/eval/modality-view.js";
import { meanPoiAuc } from "../../src/eval/poi-auc.js";
import { UserError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";

function close(a: number, b: number, tol = 1e-9): void {
  assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);
}

/** Mean cosine over pairs of positions, the slow way. */
function bruteMean(cos: ModalityCosine, items: number[]): number {
  const p = items.filter((i) => i !== 0 && cos.present(i));
  let s = 0;
  let n = 0;
  for (let a = 0; a < p.length; a++) {
    for (let b = a + 1; b < p.length; b++) {
      s += cos.cosine(p[a], p[b]);
      n++;
    }
  }
  return n === 0 ? Number.NaN : s / n;
}

describe("modality views", () => {
  it("cosines by hand", () => {
    const d = new ModalityCosine(denseView(Float32Array.from([0, 0, 1, 0, 1, 1, 0, 2]), 2));
    assert.equal(d.numItems, 3);
    close(d.cosine(1, 2), 1 / Math.SQRT2); // (1,0) . (1,1) / sqrt(2)
    close(d.cosine(1, 3), 0); // (1,0) . (0,2)
    const t = new ModalityCosine(tokenView([0, 4, 4, 7]));
    assert.equal(t.cosine(1, 2), 1);
    assert.equal(t.cosine(1, 3), 0);
    // {1,2,3} vs {2,3,4,5} (repeats count once): |A n B| = 2, sqrt(3 * 4) -> 2 / sqrt(12)
    const l = new ModalityCosine(tokenListView([null, [3, 1, 2, 2], [5, 4, 3, 2]]));
    close(l.cosine(1, 2), 2 / Math.sqrt(12));
    close(l.cosine(1, 1), 1);
  });

  it("missing values take part in no cosine", () => {
    const d = new ModalityCosine(denseView(new Float32Array([0, 0, 0, 0, 1, 1]), 2));
    assert.equal(d.present(1), false); // zero vector
    assert.equal(d.present(2), true);
    const masked = new ModalityCosine(tokenView([0, 1, 1, 1, 0], Uint8Array.from([0, 1, 0, 1, 1])));
    assert.deepEqual(
      [1, 2, 3, 4].map((i) => masked.present(i)),
      [true, false, true, false],
    );
    const l = new ModalityCosine(tokenListView([null, [], [2], undefined, [0, -3]]));
    assert.deepEqual(
      [1, 2, 3, 4].map((i) => l.present(i)),
      [false, true, false, false],
    );
    assert.equal(viewNumItems(l.view), 4);
    assert.ok(Number.isNaN(l.meanPairwiseCosine([1, 2, 3, 4]).mean)); // one present item
  });

  it("the linear-time history mean equals the pairwise mean", () => {
    const rng = new Rng(3);
    const n = 30;
    const vec = Float32Array.from({ length: (n + 1) * 5 }, () => rng.normal());
    vec.fill(0, 5 * 7, 5 * 8); // item 7 has a zero vector
    const views: ModalityView[] = [
      denseView(vec, 5),
      tokenView(Array.from({ length: n + 1 }, () => rng.int(4))),
      tokenListView(
        Array.from({ length: n + 1 }, () => Array.from({ length: rng.int(4) }, () => rng.int(6))),
      ),
      // a data-layer shaped token_seq with unsorted, repeated ids, used as is
      {
        kind: "token_seq",
        offsets: Int32Array.from([0, 0, 3, 5, 6]),
        ids: Int32Array.from([3, 1, 3, 2, 1, 3]),
      },
    ];
    for (const v of views) {
      const cos = new ModalityCosine(v);
      for (let t = 0; t < 20; t++) {
        const hist = Array.from({ length: 2 + rng.int(10) }, () => rng.int(cos.numItems + 1));
        const fast = cos.meanPairwiseCosine(hist).mean;
        const slow = bruteMean(cos, hist);
        if (Number.isNaN(slow)) assert.ok(Number.isNaN(fast));
        else close(fast, slow, 1e-6);
      }
    }
  });

  it("rejects bad shapes and items", () => {
    assert.throws(() => denseView(new Float32Array(5), 2), UserError);
    const t = new ModalityCosine(tokenView([0, 1, 2]));
    assert.throws(() => t.meanPairwiseCosine([1, 3]), UserError);
  });
});

describe("random-pair baseline", () => {
  it("the sample agrees with the exact mean and is seeded", () => {
    // 4 tokens, 25 items each: exact P(equal | distinct items) = 24 / 99
    const v = tokenView([0, ...Array.from({ length: 100 }, (_, i) => 1 + (i % 4))]);
    close(randomPairBaseline(v, { baseline: "exact" }), 24 / 99, 1e-12);
    const s = randomPairBaseline(v, { samples: 20_000, seed: 5 });
    close(s, 24 / 99, 0.02);
    assert.equal(
      randomPairBaseline(v, { samples: 500, seed: 5 }),
      randomPairBaseline(v, { samples: 500, seed: 5 }),
    );
    assert.throws(() => randomPairBaseline(v, { samples: 0 }), UserError);
  });
});

describe("coherence heuristic", () => {
  // 40 items; m0 token = 1 + i % 5, m1 token = 1 + i % 4, m2 random dense vectors
  const n = 40;
  const rng = new Rng(11);
  const views: ModalityView[] = [
    tokenView(Array.from({ length: n + 1 }, (_, i) => 1 + (i % 5))),
    tokenView(Array.from({ length: n + 1 }, (_, i) => 1 + (i % 4))),
    denseView(
      Float32Array.from({ length: (n + 1) * 8 }, () => rng.normal()),
      8,
    ),
  ];
  const histories = [
    [2, 6, 10, 14, 18, 22], // all m1 token 3; m0 tokens 3,2,1,5,4,3
    [3, 8, 13, 18, 23, 28], // all m0 token 4; m1 tokens 4,1,2,3,4,1
    [1], // too short: NaN everywhere
  ];

  it("scores highest the modality the history shares", () => {
    const c = coherence(views, histories, { seed: 1 });
    assert.equal(c.rows, 3);
    assert.equal(c.cols, 3);
    const row = (u: number) => Array.from(c.data.subarray(u * 3, u * 3 + 3));
    const [u0, u1, u2] = [row(0), row(1), row(2)];
    assert.ok(u0[1] > u0[0] && u0[1] > u0[2], `user 0: ${u0}`);
    assert.ok(u1[0] > u1[1] && u1[0] > u1[2], `user 1: ${u1}`);
    // a fully shared token modality: 1 - baseline
    close(u0[1], 1 - c.baseline[1]);
    assert.ok(u2.every(Number.isNaN));
    // as POI weights, the heuristic recovers these labels perfectly
    const labels = [
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 0],
    ];
    assert.deepEqual(meanPoiAuc(c, labels), { auc: 1, users: 2, skipped: 1 });
  });

  it("is deterministic under a seed", () => {
    assert.deepEqual(
      coherence(views, histories, { seed: 4 }),
      coherence(views, histories, { seed: 4 }),
    );
  });
});
