import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  multiMetricOfPositions,
  multiTargetMetrics,
  parseMultiMetricKey,
} from "../../src/eval/multi-metrics.js";
import {
  evaluateMultiTarget,
  evaluateMultiTargetAsync,
  targetPositions,
} from "../../src/eval/multi-target.js";
import { UserError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";

/** One score row (index 0 = padding) as a Float32Array. */
const row = (...scores: number[]) => Float32Array.from([0, ...scores]);

const positions = (
  scores: Float32Array,
  targets: number[],
  history: number[] | null = null,
): number[] => [...targetPositions(scores, 0, scores.length - 1, targets, history)];

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} != ${expected}`);
}

/** 1 / log2(p + 1), the gain of a hit at position p. */
const g = (p: number) => 1 / Math.log2(p + 1);

describe("multi-target ranking: hand-computed positions and metrics", () => {
  // Items by score: i2 0.9, i1 0.8, i5 0.7, i3 0.6, i4 0.5, i7 0.4, i6 0.3, i8 0.2, i9 0.1, i10 0.
  //               i1   i2   i3   i4   i5   i6   i7   i8   i9   i10
  const scores = row(0.8, 0.9, 0.6, 0.5, 0.7, 0.3, 0.4, 0.2, 0.1, 0);

  it("three targets at positions 1, 3 and 6", () => {
    assert.deepEqual(positions(scores, [7, 2, 5]), [1, 3, 6]);
    const p = Int32Array.of(1, 3, 6);
    const at = (key: string) => multiMetricOfPositions(p, parseMultiMetricKey(key));
    // @2: one hit (position 1). IDCG over min(3, 2) = 2 positions; ComiRec's over the 1 hit.
    close(at("recall@2"), 1 / 3, "recall@2");
    close(at("hit@2"), 1, "hit@2");
    close(at("ndcg@2"), 1 / (1 + g(2)), "ndcg@2");
    close(at("ndcg_comirec@2"), 1, "ndcg_comirec@2");
    // @5: hits at 1 and 3, DCG = 1 + 1/2.
    close(at("recall@5"), 2 / 3, "recall@5");
    close(at("ndcg@5"), 1.5 / (1 + g(2) + g(3)), "ndcg@5");
    close(at("ndcg_comirec@5"), 1.5 / (1 + g(2)), "ndcg_comirec@5");
    // @10: all three hit; both NDCGs normalise by 3 positions.
    close(at("recall@10"), 1, "recall@10");
    close(at("ndcg@10"), (1 + g(3) + g(6)) / (1 + g(2) + g(3)), "ndcg@10");
    close(at("ndcg_comirec@10"), at("ndcg@10"), "ndcg_comirec@10");
    // The same through the mean over users, in the documented key order.
    const { metrics, count } = multiTargetMetrics([p], [5, 2]);
    assert.equal(count, 1);
    assert.deepEqual(Object.keys(metrics), [
      "recall@2",
      "recall@5",
      "ndcg@2",
      "ndcg@5",
      "ndcg_comirec@2",
      "ndcg_comirec@5",
      "hit@2",
      "hit@5",
    ]);
    close(metrics["ndcg@5"]!, at("ndcg@5"), "mean ndcg@5");
  });

  it("no hit: every metric 0; two users average", () => {
    const miss = Int32Array.of(4, 9);
    for (const name of ["recall", "hit", "ndcg", "ndcg_comirec"])
      assert.equal(multiMetricOfPositions(miss, parseMultiMetricKey(`${name}@3`)), 0, name);
    const { metrics } = multiTargetMetrics([miss, Int32Array.of(1)], [3]);
    close(metrics["recall@3"]!, 0.5, "recall@3");
    close(metrics["hit@3"]!, 0.5, "hit@3");
    close(metrics["ndcg@3"]!, 0.5, "ndcg@3");
  });

  it("ties: a target tied with non-targets ranks after them; tied targets take consecutive places", () => {
    //                  i1   i2   i3   i4   i5   i6
    const tied = row(0.9, 0.5, 0.5, 0.5, 0.1, 0.5);
    // target i2 ties with i3, i4, i6 and has i1 above: position 5.
    assert.deepEqual(positions(tied, [2]), [5]);
    // targets i4 and i6 tie with non-targets i2, i3, below i1: positions 4 and 5.
    assert.deepEqual(positions(tied, [6, 4]), [4, 5]);
    // every item a target: positions 1..6 whatever the ties.
    assert.deepEqual(positions(tied, [1, 2, 3, 4, 5, 6]), [1, 2, 3, 4, 5, 6]);
  });

  it("NaN: a NaN candidate never counts; NaN targets take the last places among the candidates", () => {
    //                       i1   i2   i3   i4   i5
    const nan = row(Number.NaN, 0.5, 0.9, Number.NaN, 0.1);
    assert.deepEqual(positions(nan, [2, 4]), [2, 5]);
    assert.deepEqual(positions(nan, [2, 4], [5]), [2, 4], "i5 excluded: 4 candidates");
    assert.deepEqual(positions(nan, [1, 4]), [4, 5]);
    assert.deepEqual(positions(row(Number.NaN, Number.NaN), [1, 2]), [1, 2]);
  });

  it("history is excluded, but a target in the history stays a candidate", () => {
    //                  i1   i2   i3   i4
    const s = row(0.2, 0.9, 0.5, 0.8);
    assert.deepEqual(positions(s, [3]), [3]);
    assert.deepEqual(
      positions(s, [3], [2, 2, 0]),
      [2],
      "i2 excluded (repeats and padding ignored)",
    );
    // targets i1 and i3, history i1, i2: i1 stays, i2 goes; order i4, i3, i1.
    assert.deepEqual(positions(s, [1, 3], [1, 2]), [2, 3]);
    assert.deepEqual(positions(s, [1, 3]), [3, 4], "nothing excluded");
    assert.deepEqual(positions(s, [3, 3, 1], [1, 2]), [2, 3], "repeated targets count once");
  });

  it("bad input is a UserError naming the row", () => {
    assert.throws(() => positions(row(1, 2), [3]), UserError);
    assert.throws(() => positions(row(1, 2), [0]), /target item 0 is outside 1..2/);
    assert.throws(() => positions(row(1, 2), [1], [5]), /item 5 is outside/);
    assert.throws(() => parseMultiMetricKey("hr@10"), /recall, ndcg, ndcg_comirec, hit/);
    assert.throws(() => parseMultiMetricKey("recall"), UserError);
    assert.deepEqual(parseMultiMetricKey(" NDCG_ComiRec@50 "), {
      name: "ndcg_comirec",
      cutoff: 50,
    });
  });
});

/** Reference: sort every candidate (NaN last, non-targets before tied targets) and read off the targets. */
function reference(scores: Float32Array, targets: Set<number>, history: Set<number>): number[] {
  const items: number[] = [];
  for (let i = 1; i < scores.length; i++) if (targets.has(i) || !history.has(i)) items.push(i);
  const key = (i: number) => (Number.isNaN(scores[i]!) ? Number.NEGATIVE_INFINITY : scores[i]!);
  const nan = (i: number) => (Number.isNaN(scores[i]!) ? 1 : 0);
  items.sort(
    (a, b) =>
      nan(a) - nan(b) ||
      key(b) - key(a) ||
      (targets.has(a) ? 1 : 0) - (targets.has(b) ? 1 : 0) ||
      0,
  );
  const out: number[] = [];
  items.forEach((i, p) => {
    if (targets.has(i)) out.push(p + 1);
  });
  return out;
}

describe("multi-target ranking: against a full sort", () => {
  it("random rows with ties, NaN, infinities, histories overlapping the targets, in batches", async () => {
    const rng = new Rng(7);
    const numItems = 40;
    const rows = 53;
    const table: Float32Array[] = [];
    const targets: Int32Array[] = [];
    const histories: number[][] = [];
    for (let r = 0; r < rows; r++) {
      const s = new Float32Array(numItems + 1);
      for (let i = 1; i <= numItems; i++) {
        const u = rng.uniform();
        s[i] = u < 0.03 ? Number.NaN : u < 0.05 ? Number.NEGATIVE_INFINITY : rng.int(6) / 5;
      }
      table.push(s);
      const m = r % 7 === 0 ? 0 : 1 + rng.int(8);
      targets.push(Int32Array.from({ length: m }, () => 1 + rng.int(numItems)));
      histories.push(Array.from({ length: rng.int(12) }, () => 1 + rng.int(numItems)));
    }
    const scoreBatch = (batch: readonly number[]) => {
      const out = new Float32Array(batch.length * (numItems + 1));
      batch.forEach((r, b) => {
        out.set(table[r]!, b * (numItems + 1));
      });
      return out;
    };
    const opts = {
      numItems,
      users: Int32Array.from({ length: rows }, (_, r) => r),
      targets,
      history: (r: number) => histories[r],
      batchSize: 8,
      cutoffs: [5, 10],
      order: Array.from({ length: rows }, (_, r) => rows - 1 - r),
    };
    const res = evaluateMultiTarget({ ...opts, scoreBatch });
    const again = await evaluateMultiTargetAsync({
      ...opts,
      scoreBatch: async (b) => scoreBatch(b),
    });
    assert.deepEqual(again.metrics, res.metrics);
    let evaluated = 0;
    for (let r = 0; r < rows; r++) {
      const want = reference(table[r]!, new Set(targets[r]), new Set(histories[r]));
      assert.deepEqual([...res.positions[r]!], want, `row ${r}`);
      if (want.length > 0) evaluated++;
    }
    assert.equal(res.count, evaluated);
    assert.ok(evaluated < rows, "rows without a target are skipped");
    const all = multiTargetMetrics(res.positions, [5, 10]);
    assert.deepEqual(all.metrics, res.metrics);
  });

  it("no evaluated row: every metric is 0", () => {
    const r = evaluateMultiTarget({
      numItems: 3,
      users: Int32Array.of(0),
      targets: [new Int32Array(0)],
      scoreBatch: () => new Float32Array(4),
    });
    assert.equal(r.count, 0);
    assert.equal(Object.keys(r.metrics).length, 8, "recall, ndcg, ndcg_comirec, hit at 20 and 50");
    for (const v of Object.values(r.metrics)) assert.equal(v, 0);
  });
});
