import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  add,
  addScalar,
  attention,
  bmm,
  concat,
  cosine,
  crossEntropy,
  div,
  dropout,
  embedding,
  embeddingBagMean,
  exp,
  gelu,
  gruSequence,
  infoNce,
  l2Normalize,
  layerNorm,
  linear,
  log,
  logSoftmax,
  maskedSoftmax,
  matmul,
  max,
  mean,
  mul,
  neg,
  relu,
  reshape,
  scale,
  segmentMean,
  selectPositions,
  sigmoid,
  slice,
  softmax,
  sqrt,
  sub,
  sum,
  tanh,
  tensor,
  transpose,
  unitSum,
  weightedSum,
} from "../../src/engine/index.js";
import { Rng } from "../../src/util/rng.js";
import { gradcheck, randParam } from "./gradcheck.js";

const rng = new Rng(42);
const P = (shape: number[], lo = -1, hi = 1) => randParam(shape, rng, lo, hi);

describe("matmul gradients", () => {
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    test(`2-D transA=${ta} transB=${tb}`, () => {
      const a = P(ta ? [4, 3] : [3, 4]);
      const b = P(tb ? [5, 4] : [4, 5]);
      gradcheck(([x, y]) => matmul(x!, y!, { transA: ta, transB: tb }), [a, b]);
    });
    test(`batched transA=${ta} transB=${tb}`, () => {
      const a = P(ta ? [2, 4, 3] : [2, 3, 4]);
      const b = P(tb ? [2, 5, 4] : [2, 4, 5]);
      gradcheck(([x, y]) => bmm(x!, y!, { transA: ta, transB: tb }), [a, b]);
    });
  }
  test("linear with bias (fused)", () => {
    gradcheck(([x, w, b]) => linear(x!, w!, b!), [P([2, 3, 4]), P([4, 5]), P([5])]);
  });
  test("leading batch dims flattened into rows", () => {
    gradcheck(([x, w]) => matmul(x!, w!), [P([2, 3, 4]), P([4, 2])]);
  });
});

describe("broadcasting arithmetic gradients", () => {
  const cases: Array<[string, number[], number[]]> = [
    ["same shape", [3, 4], [3, 4]],
    ["row vector", [2, 3, 4], [4]],
    ["trailing block", [2, 3, 4], [3, 4]],
    ["column", [3, 4], [3, 1]],
    ["scalar", [3, 4], [1]],
    ["general", [2, 1, 3], [1, 4, 1]],
    ["left operand broadcast", [4], [3, 4]],
    ["column with row (outer)", [3, 1], [4]],
    ["row with column (outer)", [4], [3, 1]],
  ];
  for (const [name, sa, sb] of cases) {
    test(`add/sub/mul/div ${name}`, () => {
      gradcheck(([a, b]) => add(a!, b!), [P(sa), P(sb)]);
      gradcheck(([a, b]) => sub(a!, b!), [P(sa), P(sb)]);
      gradcheck(([a, b]) => mul(a!, b!), [P(sa), P(sb)]);
      gradcheck(([a, b]) => div(a!, b!), [P(sa), P(sb, 0.5, 1.5)]);
    });
  }
  test("a column with a row: every a_i (op) b_k, exactly as float32 arithmetic gives it", () => {
    const a = P([5, 1]);
    const b = P([7]);
    for (const [op, f] of [
      [mul, (x: number, y: number) => x * y],
      [add, (x: number, y: number) => x + y],
    ] as const) {
      for (const out of [op(a, b), op(b, a)]) {
        assert.deepEqual(out.shape, [5, 7]);
        for (let i = 0; i < 5; i++)
          for (let k = 0; k < 7; k++)
            assert.equal(out.data[i * 7 + k], Math.fround(f(a.data[i]!, b.data[k]!)));
      }
    }
  });
  test("scale and addScalar", () => {
    gradcheck(([a]) => scale(a!, -2.5), [P([3, 4])]);
    gradcheck(([a]) => addScalar(a!, 3), [P([3, 4])]);
  });
});

describe("unary gradients", () => {
  test("relu (inputs away from the kink)", () => {
    const x = P([5, 4]);
    for (let i = 0; i < x.size; i++) if (Math.abs(x.data[i]!) < 0.1) x.data[i] = 0.5;
    gradcheck(([a]) => relu(a!), [x]);
  });
  for (const [name, f, lo, hi] of [
    ["gelu", gelu, -3, 3],
    ["tanh", tanh, -2, 2],
    ["sigmoid", sigmoid, -4, 4],
    ["exp", exp, -2, 2],
    ["log", log, 0.5, 3],
    ["neg", neg, -1, 1],
    ["sqrt", sqrt, 0.5, 3],
  ] as const) {
    test(name, () => gradcheck(([a]) => f(a!), [P([4, 5], lo, hi)]));
  }
});

describe("reduction and shape gradients", () => {
  test("sum over all, one axis, middle axis with keepDims", () => {
    gradcheck(([a]) => sum(a!), [P([3, 4])]);
    gradcheck(([a]) => sum(a!, -1), [P([3, 4])]);
    gradcheck(([a]) => sum(a!, 0), [P([3, 4])]);
    gradcheck(([a]) => sum(a!, 1, true), [P([2, 3, 4])]);
  });
  test("sum's gradient adds to one that already arrived (the input feeds two ops)", () => {
    for (const axis of [1, 2]) {
      gradcheck(
        ([a]) => {
          const h = mul(a!, a!);
          return add(scale(sum(sum(h, axis)), 0.5), sum(mul(h, h)));
        },
        [P([2, 3, 4])],
      );
    }
  });
  test("mean and max", () => {
    gradcheck(([a]) => mean(a!), [P([3, 4])]);
    gradcheck(([a]) => mean(a!, 1), [P([2, 3, 4])]);
    // Distinct values 0.1 apart, so the ±eps probes never change the arg-max.
    const spaced = (shape: number[]) => {
      const x = P(shape);
      const order = Array.from(x.data.keys());
      rng.shuffle(order);
      order.forEach((v, i) => {
        x.data[i] = v * 0.1;
      });
      return x;
    };
    gradcheck(([a]) => max(a!, -1), [spaced([3, 6])]);
    gradcheck(([a]) => max(a!, 0), [spaced([4, 3])]);
  });
  test("reshape, transpose, concat, slice, selectPositions", () => {
    gradcheck(([a]) => reshape(a!, [4, -1]), [P([2, 3, 4])]);
    gradcheck(([a]) => transpose(a!, [2, 0, 1]), [P([2, 3, 4])]);
    gradcheck(([a]) => transpose(a!, [0, 2, 1, 3]), [P([2, 3, 2, 2])]);
    gradcheck(([a, b]) => concat([a!, b!], 1), [P([2, 3]), P([2, 2])]);
    gradcheck(([a, b]) => concat([a!, b!], 0), [P([2, 3]), P([1, 3])]);
    gradcheck(([a]) => slice(a!, 1, 1, 3), [P([2, 4, 3])]);
    gradcheck(([a]) => selectPositions(a!, Int32Array.from([2, 0, 1])), [P([3, 4, 2])]);
  });
});

describe("neural-network op gradients", () => {
  test("softmax and log-softmax", () => {
    gradcheck(([a]) => softmax(a!), [P([3, 5], -2, 2)]);
    gradcheck(([a]) => logSoftmax(a!), [P([3, 5], -2, 2)]);
  });
  test("masked softmax: causal, padded keys, 2 heads", () => {
    const keyMask = Uint8Array.from([1, 1, 1, 0, 1, 1, 0, 0]);
    gradcheck(
      ([a]) => maskedSoftmax(a!, { causal: true, keyMask, heads: 2 }),
      [P([4, 4, 4], -2, 2)],
    );
  });
  test("layer norm (x, gamma, beta)", () => {
    gradcheck(
      ([x, g, b]) => layerNorm(x!, g!, b!, 1e-5),
      [P([4, 6], -2, 2), P([6], 0.5, 1.5), P([6])],
      {
        eps: 5e-3,
      },
    );
  });
  test("dropout with a fixed seed", () => {
    gradcheck(([a]) => dropout(a!, 0.3, new Rng(5), true), [P([6, 7])]);
  });
  test("cross-entropy with an ignored row", () => {
    const t = Int32Array.from([2, -1, 0, 4]);
    gradcheck(([a]) => crossEntropy(a!, t), [P([4, 5], -2, 2)]);
  });
  test("embedding with repeated ids", () => {
    const ids = Int32Array.from([1, 3, 1, 0, 3, 3]);
    gradcheck(([e]) => embedding(e!, ids, [2, 3]), [P([5, 4])]);
  });
  test("attention: causal, padded, 1 and 2 heads", () => {
    const keyMask = Uint8Array.from([1, 1, 1, 1, 1, 0]);
    for (const heads of [1, 2]) {
      gradcheck(
        ([q, k, v]) => attention(q!, k!, v!, { heads, causal: true, keyMask }),
        [P([2, 3, 4]), P([2, 3, 4]), P([2, 3, 4])],
      );
    }
  });
  test("GRU over a sequence", () => {
    const [din, h] = [3, 4];
    gradcheck(
      ([x, wx, wh, bx, bh]) => gruSequence(x!, { wx: wx!, wh: wh!, bx: bx!, bh: bh! }),
      [
        P([2, 3, din]),
        P([din, 3 * h], -0.5, 0.5),
        P([h, 3 * h], -0.5, 0.5),
        P([3 * h], -0.5, 0.5),
        P([3 * h], -0.5, 0.5),
      ],
    );
  });
  test("segment mean with an empty segment", () => {
    gradcheck(([x]) => segmentMean(x!, Int32Array.from([0, 2, 2, 5])), [P([5, 3])]);
  });
  test("embedding-bag mean: gradient, and the same values as gather + segment mean", () => {
    const ids = Int32Array.from([3, 0, 3, 1, 2]);
    const offsets = Int32Array.from([0, 2, 2, 5]);
    gradcheck(([t]) => embeddingBagMean(t!, ids, offsets), [P([4, 3])]);
    const table = P([4, 3]);
    const fused = embeddingBagMean(table, ids, offsets).data;
    const plain = segmentMean(embedding(table, ids), offsets).data;
    for (let i = 0; i < plain.length; i++) assert.ok(Math.abs(fused[i]! - plain[i]!) < 1e-6);
    assert.throws(() => embeddingBagMean(table, Int32Array.from([4]), Int32Array.from([0, 1])));
  });
  test("L2 normalise, cosine, InfoNCE", () => {
    gradcheck(([a]) => l2Normalize(a!), [P([3, 4])]);
    gradcheck(([a, b]) => cosine(a!, b!), [P([3, 4]), P([3, 4])]);
    gradcheck(([a, b]) => infoNce(a!, b!, 0.2), [P([4, 5]), P([4, 5])]);
  });
  test("sum of unit vectors under a mask: gradients, and the values of l2Normalize · mask summed", () => {
    const mask = Uint8Array.from([1, 0, 1, 1, 1, 0, 0, 1]);
    gradcheck(([x]) => unitSum(x!, mask), [P([2, 4, 3])]);
    const x = P([2, 4, 3]);
    const keep = tensor(Float32Array.from(mask), [2, 4, 1]);
    const plain = sum(mul(l2Normalize(x), keep), 1).data;
    assert.deepEqual(unitSum(x, mask).data, plain);
    assert.throws(() => unitSum(x, new Uint8Array(7)), /mask has 7 entries/);
    assert.throws(() => unitSum(P([8, 3]), mask), /expected \[outer, n, d\]/);
  });
  test("weighted sum over modalities: gradients, and the same values as mul + add", () => {
    gradcheck(
      ([x0, x1, x2, w]) => weightedSum([x0!, x1!, x2!], w!),
      [P([2, 3, 4]), P([2, 3, 4]), P([2, 3, 4]), P([2, 3])],
    );
    // The same tensor twice (its gradient accumulates), rows of a matrix.
    gradcheck(([x, w]) => weightedSum([x!, x!], w!), [P([3, 5]), P([3, 2])]);
    const xs = [P([2, 3, 4]), P([2, 3, 4])];
    const w = P([2, 2]);
    const fused = weightedSum(xs, w);
    const col = (m: number) => reshape(slice(w, 1, m, m + 1), [2, 1, 1]);
    const chain = add(mul(xs[0]!, col(0)), mul(xs[1]!, col(1)));
    for (let i = 0; i < fused.size; i++) {
      assert.ok(Math.abs(fused.data[i]! - chain.data[i]!) < 1e-6);
    }
  });
});
