import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type MetricAt, metricOfRank, parseMetricKey } from "../../src/eval/metrics.js";
import {
  bootstrapInterval,
  comparePaired as comparePairedValues,
  meanOverRuns,
  type PairedOptions,
  signFlipPValue,
  userMetric,
} from "../../src/eval/paired.js";
import { rankingMetrics } from "../../src/eval/ranking.js";
import { Rng } from "../../src/util/rng.js";

/** Two models' ranks compared through their per-user metrics. */
function comparePaired(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  metric: MetricAt,
  opts: PairedOptions = {},
) {
  return comparePairedValues(userMetric(a, metric), userMetric(b, metric), opts);
}

describe("paired comparison of two models' ranks", () => {
  test("per-user metrics from ranks, by hand, and their mean is the reported metric", () => {
    const ndcg10 = parseMetricKey("NDCG@10");
    assert.deepEqual(ndcg10, { name: "ndcg", cutoff: 10 });
    assert.equal(metricOfRank(1, ndcg10), 1);
    assert.equal(metricOfRank(3, ndcg10), 0.5); // 1 / log2(4)
    assert.equal(metricOfRank(11, ndcg10), 0);
    assert.equal(metricOfRank(4, parseMetricKey("mrr@5")), 0.25);
    assert.equal(metricOfRank(6, parseMetricKey("hr@5")), 0);
    assert.ok(Number.isNaN(metricOfRank(0, ndcg10)), "rank 0: not evaluated");
    const ranks = [1, 3, 7, 12, 0, 2];
    const cmp = comparePaired(ranks, ranks, ndcg10, { resamples: 50 });
    assert.equal(cmp.users, 5, "the unevaluated row is left out");
    assert.ok(Math.abs(cmp.a - rankingMetrics(ranks, [10]).metrics["ndcg@10"]!) < 1e-12);
    for (const bad of ["ndcg", "ndcg@0", "auc@10", "ndcg@x"])
      assert.throws(() => parseMetricKey(bad), /expected NAME@K/);
  });

  test("identical models: difference 0, interval [0, 0], p = 1, everyone level", () => {
    const ranks = [1, 2, 5, 30, 4, 9, 100, 3];
    const c = comparePaired(ranks, ranks, parseMetricKey("ndcg@10"), { resamples: 200 });
    assert.equal(c.difference, 0);
    assert.deepEqual(c.ci95, [0, 0]);
    assert.equal(c.pValue, 1);
    assert.deepEqual([c.better, c.worse, c.tied], [0, 0, 8]);
  });

  test("the sign-flip p-value matches the exact permutation distribution of a tiny case", () => {
    // d = (1, 2, 3): of the 8 sign patterns, only +++ and --- reach |mean| = 2, so p = 2/8.
    const p = signFlipPValue(Float64Array.of(1, 2, 3), 40_000, new Rng(3));
    assert.ok(Math.abs(p - 0.25) < 0.01, `p = ${p}`);
    // Thirty users all better by the same amount: no flip but the all-plus and all-minus reach it.
    const all = signFlipPValue(new Float64Array(30).fill(0.1), 999, new Rng(4));
    assert.equal(all, 1 / 1000, "the observed arrangement is the only hit");
  });

  test("the bootstrap interval covers the mean, narrows with more users and is seeded", () => {
    const rng = new Rng(5);
    const draw = (n: number) => Float64Array.from({ length: n }, () => rng.normal() + 0.2);
    const small = draw(100);
    const large = draw(10_000);
    const a = bootstrapInterval(small, 2000, new Rng(1), 0.95);
    const b = bootstrapInterval(large, 2000, new Rng(1), 0.95);
    const m = small.reduce((s, x) => s + x, 0) / small.length;
    assert.ok(a[0] < m && m < a[1]);
    // The width of a mean's interval is about 2·1.96·σ/√n: 0.39 for 100 users, 0.039 for 10 000.
    assert.ok(Math.abs(a[1] - a[0] - 0.39) < 0.06, `width ${a[1] - a[0]}`);
    assert.ok(Math.abs(b[1] - b[0] - 0.039) < 0.006, `width ${b[1] - b[0]}`);
    assert.deepEqual(
      bootstrapInterval(small, 2000, new Rng(1), 0.95),
      a,
      "same seed, same interval",
    );
  });

  test("a model better for most users is found better; B worse gives a negative difference", () => {
    const a = Array.from({ length: 400 }, (_, i) => 5 + (i % 7));
    const b = a.map((r, i) => (i % 4 === 0 ? r + 3 : Math.max(1, r - 3)));
    const c = comparePaired(a, b, parseMetricKey("ndcg@10"), { resamples: 2000 });
    assert.ok(c.difference > 0 && c.ci95[0] > 0 && c.pValue < 0.001);
    assert.equal(c.better + c.worse + c.tied, 400);
    const r = comparePaired(b, a, parseMetricKey("ndcg@10"), { resamples: 2000 });
    assert.ok(Math.abs(r.difference + c.difference) < 1e-12);
    assert.equal(r.better, c.worse);
  });
  test("several runs per side: each user's mean over them, whose mean is the mean of the runs", () => {
    const m = parseMetricKey("ndcg@10");
    const seeds = [
      [1, 4, 12, 2, 0],
      [2, 4, 3, 1, 0],
      [11, 1, 30, 2, 5],
    ].map((r) => userMetric(r, m));
    const mean = meanOverRuns(seeds);
    assert.ok(Number.isNaN(mean[4]!), "a row one run skipped is skipped");
    assert.ok(Math.abs(mean[0]! - (1 + 1 / Math.log2(3) + 0) / 3) < 1e-12);
    const c = comparePairedValues(seeds[0]!, mean, { resamples: 100 });
    const runMean = (v: Float64Array) => v.slice(0, 4).reduce((s, x) => s + x, 0) / 4;
    assert.ok(
      Math.abs(c.b - (runMean(seeds[0]!) + runMean(seeds[1]!) + runMean(seeds[2]!)) / 3) < 1e-12,
    );
  });
});
