import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  evaluateFullRanking,
  evaluateFullRankingAsync,
  type ItemList,
  pessimisticRank,
} from "../../src/eval/ranking.js";
import { UserError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";

/** A scorer over a fixed table: table[row] is the full row (index 0 = padding). */
function tableScorer(table: number[][]): (rows: readonly number[]) => Float32Array {
  const width = table[0].length;
  return (rows) => {
    const out = new Float32Array(rows.length * width);
    rows.forEach((r, b) => {
      out.set(table[r], b * width);
    });
    return out;
  };
}

function evalTable(
  table: number[][],
  targets: number[],
  history: ItemList[] = [],
  extra: { cutoffs?: number[]; excludeHistory?: boolean; batchSize?: number } = {},
) {
  return evaluateFullRanking({
    numItems: table[0].length - 1,
    users: Int32Array.from(targets.map((_, i) => i)),
    targets: Int32Array.from(targets),
    history: (row) => history[row] ?? [],
    scoreBatch: tableScorer(table),
    ...extra,
  });
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} != ${expected}`);
}

describe("full ranking: hand-computed metrics", () => {
  it("three users on five items", () => {
    //            pad  i1   i2   i3   i4   i5
    const row = [0, 0.9, 0.5, 0.7, 0.1, 0.3];
    // user 0, target 3 (0.7): only i1 (0.9) is >= -> rank 2
    // user 1, target 5 (0.3): i1, i2, i3 are >= -> rank 4
    // user 2, target 1 (0.9): nothing above -> rank 1
    const r = evalTable([row, row, row], [3, 5, 1], [], { cutoffs: [1, 3] });
    assert.deepEqual([...r.ranks], [2, 4, 1]);
    assert.equal(r.count, 3);
    assert.deepEqual(Object.keys(r.metrics), [
      "hr@1",
      "ndcg@1",
      "mrr@1",
      "hr@3",
      "ndcg@3",
      "mrr@3",
    ]);
    close(r.metrics["hr@1"], 1 / 3, "hr@1");
    close(r.metrics["ndcg@1"], 1 / 3, "ndcg@1");
    close(r.metrics["mrr@1"], 1 / 3, "mrr@1");
    close(r.metrics["hr@3"], 2 / 3, "hr@3");
    close(r.metrics["ndcg@3"], (1 / Math.log2(3) + 1) / 3, "ndcg@3");
    close(r.metrics["mrr@3"], (1 / 2 + 1) / 3, "mrr@3");
  });

  it("default cutoffs produce the contract keys", () => {
    const r = evalTable([[0, 1, 2]], [2]);
    assert.deepEqual(Object.keys(r.metrics), [
      "hr@5",
      "ndcg@5",
      "mrr@5",
      "hr@10",
      "ndcg@10",
      "mrr@10",
      "hr@20",
      "ndcg@20",
      "mrr@20",
    ]);
  });

  it("ties count against the target", () => {
    // target i2 = 0.5, tied with i1 and i3; i4 = 0.9 above -> rank 1 + 3 = 4
    const r = evalTable([[0, 0.5, 0.5, 0.5, 0.9, 0.1]], [2], [], { cutoffs: [3, 4] });
    assert.equal(r.ranks[0], 4);
    close(r.metrics["hr@3"], 0, "hr@3");
    close(r.metrics["ndcg@4"], 1 / Math.log2(5), "ndcg@4");
    close(r.metrics["mrr@4"], 1 / 4, "mrr@4");
  });

  it("history items above the target do not count unless excludeHistory is false", () => {
    // target i3 = 0.5; i1 = 0.9 (in history) and i2 = 0.8 are above
    const row = [0, 0.9, 0.8, 0.5, 0.1];
    assert.equal(evalTable([row], [3], [[1]]).ranks[0], 2); // only i2 counts
    assert.equal(evalTable([row], [3], [[1]], { excludeHistory: false }).ranks[0], 3);
    // a repeated history item is removed once, not twice
    assert.equal(evalTable([row], [3], [[1, 1, 1]]).ranks[0], 2);
    // a history item below the target changes nothing
    assert.equal(evalTable([row], [3], [[4]]).ranks[0], 3);
  });

  it("the target stays a candidate even when it is in the history", () => {
    const row = [0, 0.9, 0.8, 0.5, 0.1];
    // history [3, 1]: i3 is the target (kept), i1 excluded -> only i2 above -> rank 2
    assert.equal(evalTable([row], [3], [[3, 1]]).ranks[0], 2);
    // a target at the top stays rank 1 whatever the history
    assert.equal(evalTable([row], [1], [[1]]).ranks[0], 1);
  });

  it("ignores the padding item 0 even with a huge score, and 0 in the history", () => {
    const row = [1e30, 0.2, 0.9, 0.4];
    assert.equal(evalTable([row], [2], [[0, 0]]).ranks[0], 1);
  });

  it("NaN: a NaN candidate ranks below everything, a NaN target gets the worst rank", () => {
    // NaN candidates i1, i4 do not count against target i2 = 0.3; i3 = 0.6 does -> rank 2
    assert.equal(evalTable([[0, Number.NaN, 0.3, 0.6, Number.NaN]], [2]).ranks[0], 2);
    // NaN target among 5 items, no history -> 5 candidates -> rank 5
    assert.equal(evalTable([[0, 0.1, Number.NaN, 0.3, 0.4, 0.5]], [2]).ranks[0], 5);
    // ...with 2 distinct history items excluded (one repeated) -> 3 candidates -> rank 3
    assert.equal(evalTable([[0, 0.1, Number.NaN, 0.3, 0.4, 0.5]], [2], [[1, 4, 4]]).ranks[0], 3);
  });

  it("a cutoff larger than the catalogue counts every hit", () => {
    // 3 items, target i1 is last -> rank 3 <= 100
    const r = evalTable([[0, 0.1, 0.2, 0.3]], [1], [], { cutoffs: [100] });
    assert.equal(r.ranks[0], 3);
    close(r.metrics["hr@100"], 1, "hr@100");
    close(r.metrics["ndcg@100"], 1 / Math.log2(4), "ndcg@100");
    close(r.metrics["mrr@100"], 1 / 3, "mrr@100");
  });

  it("skips rows without a target (target 0) and never asks scores for them", () => {
    const asked: number[] = [];
    const row = [0, 0.9, 0.1];
    const r = evaluateFullRanking({
      numItems: 2,
      users: Int32Array.from([7, 8, 9]),
      targets: Int32Array.from([1, 0, 2]),
      scoreBatch: (rows, users) => {
        asked.push(...rows);
        assert.deepEqual(
          [...users],
          rows.map((x) => [7, 8, 9][x]),
        );
        return Float32Array.from(rows.flatMap(() => row));
      },
      batchSize: 5,
    });
    assert.deepEqual(asked, [0, 2]);
    assert.deepEqual([...r.ranks], [1, 0, 2]);
    assert.equal(r.count, 2);
    close(r.metrics["mrr@5"], (1 + 1 / 2) / 2, "mrr@5");
  });
});

/** Brute force: sort-free but set-based, written independently of the implementation. */
function referenceRank(row: Float32Array, target: number, hist: number[], exclude: boolean) {
  const seen = new Set(exclude ? hist : []);
  const st = row[target];
  let cands = 0;
  let above = 0;
  for (let j = 1; j < row.length; j++) {
    if (j === target || seen.has(j)) continue;
    cands++;
    if (row[j] >= st) above++;
  }
  return Number.isNaN(st) ? cands + 1 : above + 1;
}

describe("full ranking: batching and random cases", () => {
  const rng = new Rng(42);
  const numItems = 30;
  const n = 50;
  const table: number[][] = [];
  const targets: number[] = [];
  const hist: number[][] = [];
  for (let u = 0; u < n; u++) {
    // coarse scores so there are many ties, plus some NaN
    table.push(
      Array.from({ length: numItems + 1 }, () =>
        rng.uniform() < 0.05 ? Number.NaN : rng.int(8) / 8,
      ),
    );
    targets.push(1 + rng.int(numItems));
    hist.push(Array.from({ length: rng.int(10) }, () => rng.int(numItems + 1)));
  }

  it("matches a brute-force reference", () => {
    for (const exclude of [true, false]) {
      const r = evalTable(table, targets, hist, { excludeHistory: exclude });
      for (let u = 0; u < n; u++) {
        const ref = referenceRank(Float32Array.from(table[u]), targets[u], hist[u], exclude);
        assert.equal(r.ranks[u], ref, `row ${u}`);
      }
    }
  });

  it("gives the same result with batch sizes 1, 3 and 1000", () => {
    const results = [1, 3, 1000].map((batchSize) =>
      evalTable(table, targets, hist, { batchSize, cutoffs: [1, 5, 10] }),
    );
    for (const r of results.slice(1)) {
      assert.deepEqual(r.ranks, results[0].ranks);
      assert.deepEqual(r.metrics, results[0].metrics);
    }
  });

  it("a custom row order changes nothing but the order rows are scored in", () => {
    const plain = evalTable(table, targets, hist, { batchSize: 4 });
    const order = Array.from({ length: n }, (_, i) => i);
    new Rng(3).shuffle(order);
    const seen: number[] = [];
    const scorer = tableScorer(table);
    const r = evaluateFullRanking({
      numItems,
      users: Int32Array.from(targets.map((_, i) => i)),
      targets: Int32Array.from(targets),
      history: (row) => hist[row],
      scoreBatch: (rows) => {
        seen.push(...rows);
        return scorer(rows);
      },
      batchSize: 4,
      order,
    });
    assert.deepEqual(seen, order);
    assert.deepEqual(r, plain);
    assert.throws(
      () =>
        evaluateFullRanking({
          numItems,
          users: Int32Array.of(0, 1),
          targets: Int32Array.of(1, 2),
          scoreBatch: scorer,
          order: [0, 0],
        }),
      (e: unknown) => e instanceof UserError && /listed twice/.test(e.message),
    );
  });

  it("the async driver gives the same result", async () => {
    const sync = evalTable(table, targets, hist, { batchSize: 7 });
    const scorer = tableScorer(table);
    const r = await evaluateFullRankingAsync({
      numItems,
      users: Int32Array.from(targets.map((_, i) => i)),
      targets: Int32Array.from(targets),
      history: (row) => hist[row],
      scoreBatch: async (rows) => scorer(rows),
      batchSize: 7,
    });
    assert.deepEqual(r, sync);
  });

  it("accepts any iterable history", () => {
    const row = Float32Array.from([0, 0.9, 0.8, 0.5]);
    assert.equal(pessimisticRank(row, 0, 3, 3, new Set([1, 2])), 1);
    assert.equal(pessimisticRank(row, 0, 3, 3, [1, 2].values()), 1);
  });
});

describe("full ranking: bad input", () => {
  it("rejects targets and history items outside the catalogue", () => {
    const row = [0, 0.1, 0.2];
    assert.throws(() => evalTable([row], [3]), UserError);
    assert.throws(() => evalTable([row], [-1]), UserError);
    assert.throws(() => evalTable([row], [1], [[5]]), /item 5 is outside 1\.\.2/);
  });

  it("rejects bad options and a short score block", () => {
    const row = [0, 0.1, 0.2];
    assert.throws(() => evalTable([row], [1], [], { batchSize: 0 }), UserError);
    assert.throws(() => evalTable([row], [1], [], { cutoffs: [] }), UserError);
    assert.throws(() => evalTable([row], [1], [], { cutoffs: [0] }), UserError);
    assert.throws(
      () =>
        evaluateFullRanking({
          numItems: 2,
          users: Int32Array.from([0]),
          targets: Int32Array.from([1, 2]),
          scoreBatch: () => new Float32Array(3),
        }),
      UserError,
    );
    assert.throws(
      () =>
        evaluateFullRanking({
          numItems: 2,
          users: Int32Array.from([0]),
          targets: Int32Array.from([1]),
          scoreBatch: () => new Float32Array(2),
        }),
      /expected a Float32Array of at least 1 x 3/,
    );
  });
});
