import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { noGrad, type Tensor } from "../../src/engine/index.js";
import {
  buildRecLoss,
  FullSoftmax,
  InBatchSoftmax,
  inBatchSoftmax,
  SampledSoftmax,
  sampledSoftmax,
} from "../../src/models/rec-loss.js";
import { ItemPopularity, LogUniformSampler, UniformSampler } from "../../src/models/sampler.js";
import { Rng } from "../../src/util/rng.js";
import { assertClose, gradcheck, randParam } from "../engine/gradcheck.js";

/** <a_r, b_c> of two row-major float32 matrices, in float64. */
function dot(a: Tensor, r: number, b: Tensor, c: number): number {
  const d = a.shape[1]!;
  let s = 0;
  for (let x = 0; x < d; x++) s += a.data[r * d + x]! * b.data[c * d + x]!;
  return s;
}

/** −log softmax(logits)[0] in float64 (null entries are removed candidates). */
function ceAtZero(logits: Array<number | null>): number {
  const kept = logits.filter((l): l is number => l !== null);
  const m = Math.max(...kept);
  const lse = m + Math.log(kept.reduce((s, l) => s + Math.exp(l - m), 0));
  return lse - logits[0]!;
}

/** The catalogue rows that received a nonzero gradient. */
function touchedRows(catalogue: Tensor): number[] {
  const d = catalogue.shape[1]!;
  const g = catalogue.grad!;
  const rows: number[] = [];
  for (let r = 0; r < catalogue.shape[0]!; r++) {
    if (g.subarray(r * d, (r + 1) * d).some((v) => v !== 0)) rows.push(r);
  }
  return rows;
}

// Training counts 1:1, 2:3, 3:2, 4:0, 5:0 → ranks 2, 3, 1, 4, 5 (ties by index).
const train = [Int32Array.of(1, 2, 2, 3), Int32Array.of(2, 3)];
const popularity = new ItemPopularity(train, 5);

describe("gradients against finite differences", () => {
  const rng = new Rng(3);
  const targets = Int32Array.of(2, 4, 2);
  // A fixed draw with a repeated negative (3 twice) and an accidental hit of rows 0 and 2 (item 2).
  const negatives = Int32Array.of(3, 1, 3, 2, 5);
  const logQ = (i: number) => Math.log(5 * new LogUniformSampler(popularity).prob(i));

  test("sampled softmax, with respect to the queries and the catalogue", () => {
    gradcheck(
      ([q, c]) => sampledSoftmax(q!, c!, targets, negatives, logQ),
      [randParam([3, 4], rng), randParam([6, 4], rng)],
    );
  });

  test("in-batch softmax, with respect to the queries and the catalogue", () => {
    gradcheck(
      ([q, c]) => inBatchSoftmax(q!, c!, targets, (i) => popularity.logProb(i)),
      [randParam([3, 4], rng), randParam([6, 4], rng)],
    );
  });

  test("only the gathered rows of the catalogue get a gradient", () => {
    const q = randParam([3, 4], rng);
    const c = randParam([6, 4], rng);
    sampledSoftmax(q, c, targets, negatives, logQ).backward();
    assert.deepEqual(touchedRows(c), [1, 2, 3, 4, 5]);
    const c2 = randParam([6, 4], rng);
    inBatchSoftmax(q, c2, targets, (i) => popularity.logProb(i)).backward();
    assert.deepEqual(touchedRows(c2), [2, 4]);
  });
});

describe("the log-uniform sampler", () => {
  test("ranks items by training count, most popular first, ties by index", () => {
    const s = new LogUniformSampler(popularity);
    assert.deepEqual([...s.itemAt], [2, 3, 1, 4, 5]);
    // P(rank r) = log((r + 2) / (r + 1)) / log(6), summing to 1.
    const p = [2, 3, 1, 4, 5].map((i) => s.prob(i));
    const expected = [0, 1, 2, 3, 4].map((r) => Math.log((r + 2) / (r + 1)) / Math.log(6));
    assertClose(p, expected, 1e-12, "P(rank)");
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.equal(s.prob(0), 0);
  });

  test("its draws follow P(rank r) (chi-square over 200 000 draws) and the rank order of the counts", () => {
    // Item i occurs ((7 i) mod 20) + 1 times: 20 distinct counts in a scrambled order.
    const seqs = Array.from({ length: 20 }, (_, k) =>
      new Int32Array(((7 * (k + 1)) % 20) + 1).fill(k + 1),
    );
    const pop = new ItemPopularity(seqs, 20);
    const s = new LogUniformSampler(pop);
    for (let r = 1; r < 20; r++) assert.ok(pop.counts[s.itemAt[r - 1]]! > pop.counts[s.itemAt[r]]!);
    const n = 200_000;
    const seen = new Float64Array(21);
    for (const item of s.draw(n, new Rng(11))) seen[item]!++;
    assert.equal(seen[0], 0);
    let chi2 = 0;
    for (let item = 1; item <= 20; item++) {
      const e = n * s.prob(item);
      chi2 += (seen[item]! - e) ** 2 / e;
    }
    // 19 degrees of freedom: P(chi2 > 43.8) = 0.001.
    assert.ok(chi2 < 43.8, `chi-square ${chi2.toFixed(1)} over 19 degrees of freedom`);
    // The most popular item is drawn most: log2/log21 ≈ 22.8 % of the draws.
    assert.ok(Math.abs(seen[s.itemAt[0]]! / n - Math.log(2) / Math.log(21)) < 0.005);
  });

  test("the uniform sampler: every item about n / numItems times, never the padding", () => {
    const s = new UniformSampler(10);
    const seen = new Float64Array(11);
    for (const item of s.draw(100_000, new Rng(2))) seen[item]!++;
    assert.equal(seen[0], 0);
    let chi2 = 0;
    for (let i = 1; i <= 10; i++) chi2 += (seen[i]! - 10_000) ** 2 / 10_000;
    assert.ok(chi2 < 27.9, `chi-square ${chi2.toFixed(1)} over 9 degrees of freedom`); // p = 0.001
  });
});

describe("the sampled loss", () => {
  test("logQ correction: the logits of a tiny case by hand, log-uniform sampler", () => {
    const rng = new Rng(5);
    const q = randParam([2, 3], rng);
    const c = randParam([6, 3], rng);
    const targets = Int32Array.of(3, 1);
    const loss = new SampledSoftmax(4, new LogUniformSampler(popularity), new Rng(9));
    const value = noGrad(() => loss.loss(q, c, targets)).item();
    const negs = [...loss.lastNegatives!];
    assert.equal(negs.length, 4);
    // Ranks: item 2 → 0, 3 → 1, 1 → 2, 4 → 3, 5 → 4; Q = N · p = 4 · log((r+2)/(r+1)) / log 6.
    const rank: Record<number, number> = { 2: 0, 3: 1, 1: 2, 4: 3, 5: 4 };
    const logQ = (i: number) =>
      Math.log((4 * Math.log((rank[i]! + 2) / (rank[i]! + 1))) / Math.log(6));
    let expected = 0;
    for (let r = 0; r < 2; r++) {
      const t = targets[r]!;
      const logits = [
        dot(q, r, c, t) - logQ(t),
        ...negs.map((n) => (n === t ? null : dot(q, r, c, n) - logQ(n))),
      ];
      expected += ceAtZero(logits) / 2;
    }
    assert.ok(Math.abs(value - expected) < 1e-5, `${value} vs ${expected}`);
  });

  test("log(N·p) and log p give the same loss: the constant log N cancels", () => {
    const rng = new Rng(6);
    const q = randParam([3, 4], rng);
    const c = randParam([6, 4], rng);
    const t = Int32Array.of(1, 2, 5);
    const negs = Int32Array.of(2, 4, 4, 3);
    const s = new LogUniformSampler(popularity);
    const a = noGrad(() => sampledSoftmax(q, c, t, negs, (i) => Math.log(4 * s.prob(i)))).item();
    const b = noGrad(() => sampledSoftmax(q, c, t, negs, (i) => Math.log(s.prob(i)))).item();
    assert.ok(Math.abs(a - b) < 1e-5);
  });

  test("accidental hits are removed: loss and gradient are those of the draw without them", () => {
    const rng = new Rng(8);
    const q = randParam([2, 4], rng);
    const zero = () => 0;
    const [q0, q1] = [0, 1].map((r) => {
      const t = randParam([1, 4], rng);
      t.data.set(q.data.subarray(r * 4, r * 4 + 4));
      return t;
    });
    // Row 0's target 3 is drawn twice; row 1's target 5 never.
    const c = randParam([6, 4], rng);
    const withHits = sampledSoftmax(q, c, Int32Array.of(3, 5), Int32Array.of(3, 1, 3, 4), zero);
    withHits.backward();
    const cut = randParam([6, 4], rng);
    cut.data.set(c.data);
    const r0 = sampledSoftmax(q0!, cut, Int32Array.of(3), Int32Array.of(1, 4), zero);
    const r1 = sampledSoftmax(q1!, cut, Int32Array.of(5), Int32Array.of(3, 1, 3, 4), zero);
    assert.ok(Math.abs(withHits.item() - (r0.item() + r1.item()) / 2) < 1e-5);
    r0.backward();
    r1.backward();
    assertClose(
      c.grad!,
      cut.grad!.map((g) => g / 2),
      1e-6,
      "catalogue gradient",
    );
    // Every negative a hit: only the target is left, the softmax is 1 there, loss and gradient 0.
    const only = randParam([6, 4], rng);
    const l = sampledSoftmax(q0!, only, Int32Array.of(3), Int32Array.of(3, 3), zero);
    l.backward();
    assert.ok(Math.abs(l.item()) < 1e-7);
    assert.ok(only.grad!.every((v) => Math.abs(v) < 1e-7));
  });

  test("ignored rows (target −1) take no part", () => {
    const rng = new Rng(10);
    const q = randParam([2, 4], rng);
    const c = randParam([6, 4], rng);
    const negs = Int32Array.of(1, 2, 4);
    const both = noGrad(() => sampledSoftmax(q, c, Int32Array.of(3, -1), negs, Math.log)).item();
    const q0 = randParam([1, 4], rng);
    q0.data.set(q.data.subarray(0, 4));
    const one = noGrad(() => sampledSoftmax(q0, c, Int32Array.of(3), negs, Math.log)).item();
    assert.ok(Math.abs(both - one) < 1e-6);
  });
});

describe("the in-batch loss", () => {
  test("a duplicate of the row's target elsewhere in the batch is not a negative; logits by hand", () => {
    const rng = new Rng(12);
    const q = randParam([4, 3], rng);
    const c = randParam([8, 3], rng);
    const targets = Int32Array.of(3, 5, 3, 7);
    const pop = new ItemPopularity(train, 7);
    const value = noGrad(() => new InBatchSoftmax(pop).loss(q, c, targets)).item();
    let expected = 0;
    for (let i = 0; i < 4; i++) {
      const t = targets[i]!;
      const row: Array<number | null> = [];
      // The diagonal first (column 0 of ceAtZero), then the other rows' targets.
      row.push(dot(q, i, c, t) - pop.logProb(t));
      for (let j = 0; j < 4; j++) {
        if (j === i) continue;
        const tj = targets[j]!;
        row.push(tj === t ? null : dot(q, i, c, tj) - pop.logProb(tj));
      }
      expected += ceAtZero(row) / 4;
    }
    assert.ok(Math.abs(value - expected) < 1e-5, `${value} vs ${expected}`);
    // log p of an item never seen in training (5, 7) counts it once: finite.
    assert.ok(Number.isFinite(pop.logProb(5)));
    assert.equal(pop.logProb(2), Math.log(3 / 6));
  });
});

describe("building a loss", () => {
  const spec = { negatives: null, sampler: null, batchSize: 4 } as const;

  test("ce is the full softmax; sampled draws 10 × batch size by default", () => {
    assert.ok(buildRecLoss({ ...spec, loss: "ce" }, 5, null, new Rng(1)) instanceof FullSoftmax);
    const s = buildRecLoss({ ...spec, loss: "sampled" }, 5, popularity, new Rng(1));
    assert.ok(
      s instanceof SampledSoftmax && s.negatives === 40 && s.sampler?.kind === "log-uniform",
    );
  });

  test("without the training counts, a loss that needs them fails when called, never silently uniform", () => {
    const q = randParam([1, 2], new Rng(1));
    const c = randParam([6, 2], new Rng(2));
    for (const loss of ["sampled", "inbatch"] as const) {
      const l = buildRecLoss({ ...spec, loss }, 5, null, new Rng(1));
      assert.throws(() => l.loss(q, c, Int32Array.of(1)), /training counts/);
    }
    const uniform = buildRecLoss(
      { ...spec, loss: "sampled", sampler: "uniform" },
      5,
      null,
      new Rng(1),
    );
    assert.ok(Number.isFinite(uniform.loss(q, c, Int32Array.of(1)).item()));
  });
});
