import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import {
  crossEntropy,
  crossEntropyRows,
  dropout,
  engineInfo,
  gemmStrided,
  layerNorm,
  native,
  softmax,
  tensor,
} from "../../src/engine/index.js";
import { Rng } from "../../src/util/rng.js";
import { assertClose } from "./gradcheck.js";

function rand(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() * 2 - 1;
  return a;
}

/** C = alpha·op(A)·op(B) + beta·C in float64, the yardstick for both kernels. */
function reference(
  ta: boolean,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
): Float32Array {
  const out = Float32Array.from(c);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++)
        s += (ta ? a[p * lda + i]! : a[i * lda + p]!) * (tb ? b[j * ldb + p]! : b[p * ldb + j]!);
      out[i * ldc + j] = alpha * s + (beta === 0 ? 0 : beta * c[i * ldc + j]!);
    }
  }
  return out;
}

function withBlas<T>(on: boolean, fn: () => T): T {
  const before = engineInfo().blas;
  native.setBlas(on);
  try {
    return fn();
  } finally {
    native.setBlas(before);
  }
}

describe("matrix-product kernel selection", () => {
  test("OpenBLAS is loaded at run time when the system has it", () => {
    const libs = ["x86_64-linux-gnu", "aarch64-linux-gnu"].map(
      (d) => `/usr/lib/${d}/libopenblas.so.0`,
    );
    if (!libs.some((l) => existsSync(l))) return;
    assert.equal(engineInfo().blasLoaded, true, engineInfo().blasError);
  });
  test("DEMURE_GEMM / DEMURE_NO_BLAS pick the kernel at load time", () => {
    const info = engineInfo();
    if (process.env.DEMURE_GEMM === "portable" || process.env.DEMURE_NO_BLAS === "1")
      assert.equal(info.blas, false);
    // A BLAS request that cannot be met fails at load (native.ts), so here it was met.
    if (process.env.DEMURE_GEMM === "blas") assert.equal(info.blas, true);
  });
  test("setBlas(true) without OpenBLAS leaves the portable kernel on", () => {
    if (engineInfo().blasLoaded) return;
    assert.equal(native.setBlas(true), false);
    assert.equal(engineInfo().blas, false);
  });
});

describe("sgemm: portable kernel and BLAS agree with a float64 reference", () => {
  const rng = new Rng(1);
  const shapes: Array<[number, number, number]> = [
    [1, 1, 1],
    [7, 13, 5],
    [65, 63, 67],
    [129, 3, 257],
    [3, 300, 2],
    [256, 50, 64],
    [16, 24, 6000], // small C, long K: the BLAS path splits K across threads
    [300, 40, 30], // tall C: split by rows
    [20, 700, 30], // wide C: split by columns
    // A dimension of 1 (the portable kernel's unpacked path): matrix-vector,
    // vector-matrix and outer products, serial and split over threads.
    [1, 37, 70],
    [1, 2000, 600],
    [45, 1, 70],
    [3000, 1, 64],
    [64, 1, 12800],
    [40, 33, 1],
    [2000, 700, 1],
  ];
  for (const [m, n, k] of shapes) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      test(`${m}x${n}x${k} transA=${ta} transB=${tb}, padded leading dims`, () => {
        const lda = (ta ? m : k) + 3;
        const ldb = (tb ? k : n) + 2;
        const ldc = n + 1;
        const a = rand((ta ? k : m) * lda, rng);
        const b = rand((tb ? n : k) * ldb, rng);
        const c0 = rand(m * ldc, rng);
        for (const beta of [0, 0.5]) {
          const want = reference(ta, tb, m, n, k, 1.5, a, lda, b, ldb, beta, c0, ldc);
          for (const blas of [false, true]) {
            const c = Float32Array.from(c0);
            if (beta === 0) for (let i = 0; i < c.length; i += 2) c[i] = Number.NaN; // beta=0 must overwrite
            withBlas(blas, () => native.gemm(ta, tb, m, n, k, 1.5, a, lda, b, ldb, beta, c, ldc));
            for (let i = 0; i < m; i++) {
              for (let j = 0; j < n; j++) {
                const got = c[i * ldc + j]!;
                const exp = want[i * ldc + j]!;
                assert.ok(
                  Math.abs(got - exp) <= 1e-4 * (1 + Math.abs(exp)) * Math.sqrt(k),
                  `blas=${blas} beta=${beta} C[${i},${j}] ${got} vs ${exp}`,
                );
              }
            }
          }
        }
      });
    }
  }
  test("K = 0 leaves beta·C", () => {
    for (const blas of [false, true]) {
      const c = Float32Array.from([1, 2, 3, 4]);
      withBlas(blas, () =>
        native.gemm(
          false,
          false,
          2,
          2,
          0,
          1,
          new Float32Array(0),
          1,
          new Float32Array(0),
          2,
          0.5,
          c,
          2,
        ),
      );
      assertClose(c, [0.5, 1, 1.5, 2], 1e-6, `blas=${blas}`);
    }
  });
  test("strided batched products read each head's slice in place", () => {
    // A: [outer, m, heads*k] read per head; B: packed [outer*heads, n, k] used transposed.
    const [outer, heads, m, n, k] = [3, 2, 7, 6, 5];
    const a = rand(outer * m * heads * k, rng);
    const b = rand(outer * heads * n * k, rng);
    const c = new Float32Array(outer * heads * m * n);
    const la = { ld: heads * k, outer: m * heads * k, inner: k };
    const lb = { ld: k, outer: heads * n * k, inner: n * k };
    const lc = { ld: n, outer: heads * m * n, inner: m * n };
    for (const blas of [false, true]) {
      withBlas(blas, () =>
        gemmStrided(false, true, outer, heads, m, n, k, 1, a, la, b, lb, 0, c, lc),
      );
      for (let o = 0; o < outer; o++) {
        for (let h = 0; h < heads; h++) {
          const aoff = o * la.outer + h * la.inner;
          const boff = o * lb.outer + h * lb.inner;
          const coff = o * lc.outer + h * lc.inner;
          const want = reference(
            false,
            true,
            m,
            n,
            k,
            1,
            a.subarray(aoff),
            la.ld,
            b.subarray(boff),
            k,
            0,
            new Float32Array(m * n),
            n,
          );
          assertClose(c.subarray(coff, coff + m * n), want, 1e-5, `outer ${o} head ${h}`);
        }
      }
    }
  });
  test("bad buffers are refused, not read out of bounds", () => {
    assert.throws(
      () =>
        native.gemm(
          false,
          false,
          4,
          4,
          4,
          1,
          new Float32Array(3),
          4,
          new Float32Array(16),
          4,
          0,
          new Float32Array(16),
          4,
        ),
      /too short/,
    );
    const table = new Float32Array(8);
    assert.throws(
      () => native.gatherRows(table, 4, Int32Array.from([0, 4]), new Float32Array(4), 2, 2),
      /outside/,
    );
  });
});

describe("thread pool", () => {
  test("changing the thread count between jobs keeps results identical", () => {
    const n = 300;
    const a = new Float32Array(n * n).map((_, i) => ((i * 7) % 13) / 13);
    const want = new Float32Array(n * n);
    native.gemm(false, false, n, n, n, 1, a, n, a, n, 0, want, n);
    const before = engineInfo().threads;
    try {
      for (const t of [1, 3, 2, 1, 2]) {
        native.setThreads(t);
        const c = new Float32Array(n * n);
        native.gemm(false, false, n, n, n, 1, a, n, a, n, 0, c, n);
        assertClose(c, want, 1e-5, `threads=${t}`);
      }
    } finally {
      native.setThreads(before);
    }
  });
});

describe("vectorised math against double precision", () => {
  const erf = (x: number): number => {
    // erf by its Maclaurin series (|x| < 3) or continued fraction tail, in float64.
    if (Math.abs(x) > 3)
      return (
        Math.sign(x) *
        (1 - (Math.exp(-x * x) / (Math.abs(x) * Math.sqrt(Math.PI))) * (1 - 1 / (2 * x * x)))
      );
    let sum = 0;
    let term = x;
    for (let n = 0; n < 60; n++) {
      sum += term / (2 * n + 1);
      term *= (-x * x) / (n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  };
  const cases: Array<[string, number, (x: number) => number, number, number]> = [
    ["exp", 4, Math.exp, -80, 80],
    ["sigmoid", 3, (x) => 1 / (1 + Math.exp(-x)), -30, 30],
    ["tanh", 2, Math.tanh, -12, 12],
    ["gelu", 1, (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)), -8, 8],
  ];
  for (const [name, op, ref, lo, hi] of cases) {
    test(`${name} on [${lo}, ${hi}]`, () => {
      const n = 200_001;
      const x = new Float32Array(n).map((_, i) => lo + ((hi - lo) * i) / (n - 1));
      const y = new Float32Array(n);
      native.unary(op, x, y, n);
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const want = ref(x[i]!);
        const err = Math.abs(y[i]! - want) / Math.max(1, Math.abs(want));
        worst = Math.max(worst, err);
      }
      assert.ok(worst < 1e-6, `${name}: worst relative error ${worst}`);
    });
  }
});

describe("numeric kernels against hand-computed values", () => {
  test("softmax rows sum to one and match exp/sum", () => {
    const y = softmax(tensor([1, 2, 3, 1000, 1000, 1000], [2, 3])).data;
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const z = e.reduce((s, v) => s + v, 0);
    assertClose(y, [...e.map((v) => v / z), 1 / 3, 1 / 3, 1 / 3], 1e-6);
  });
  test("cross-entropy equals −log softmax at the target, averaged over kept rows", () => {
    const logits = tensor([1, 2, 3, 0, 0, 0, 5, 1, 1], [3, 3]);
    const loss = crossEntropy(logits, Int32Array.from([2, -1, 0])).item();
    const l0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
    const l2 = Math.log(Math.exp(5) + 2 * Math.exp(1)) - 5;
    assert.ok(Math.abs(loss - (l0 + l2) / 2) < 1e-6, `${loss}`);
    const both = crossEntropyRows(logits, Int32Array.from([2, -1, 0]));
    assert.equal(both.loss.item(), loss, "the same mean loss with the rows kept");
    assertClose(both.rows, [l0, 0, l2], 1e-6);
  });
  test("layer norm gives zero mean and unit variance before the affine part", () => {
    const y = layerNorm(
      tensor([1, 2, 3, 4, 10, 10, 10, 14], [2, 4]),
      tensor([1, 1, 1, 1]),
      tensor([0, 0, 0, 0]),
      0,
    ).data;
    const s = Math.sqrt(1.25);
    assertClose(y.subarray(0, 4), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], 1e-5);
    assertClose(
      y.subarray(4),
      [-1 / Math.sqrt(3), -1 / Math.sqrt(3), -1 / Math.sqrt(3), Math.sqrt(3)],
      1e-5,
    );
  });
  test("dropout is deterministic per seed, drops about p, keeps the expectation", () => {
    const x = tensor(new Float32Array(100_000).fill(1), [100_000]);
    const a = dropout(x, 0.25, new Rng(3), true).data;
    const b = dropout(x, 0.25, new Rng(3), true).data;
    const c = dropout(x, 0.25, new Rng(4), true).data;
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    const zeros = a.filter((v) => v === 0).length / a.length;
    assert.ok(Math.abs(zeros - 0.25) < 0.01, `dropped ${zeros}`);
    assert.ok(Math.abs(a.reduce((s, v) => s + v, 0) / a.length - 1) < 0.01);
    assert.equal(dropout(x, 0.25, new Rng(3), false), x);
  });
  test("scatter-add sums repeated ids, independent of threading", () => {
    const dim = 3;
    const n = 40_000;
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i % 7;
    const dout = new Float32Array(n * dim).fill(1);
    const table = new Float32Array(7 * dim);
    native.scatterAddRows(dout, idx, table, 7, n, dim);
    const counts = [0, 1, 2, 3, 4, 5, 6].map((r) => idx.filter((v) => v === r).length);
    assertClose(
      table,
      counts.flatMap((c) => [c, c, c]),
      1e-6,
    );
  });
  test("copyRows copies or adds strided row blocks exactly, single- and multi-threaded", () => {
    const rng = new Rng(9);
    for (const [rows, cols] of [
      [3, 5],
      [2000, 64],
    ] as const) {
      const xStride = cols * 3 + 1;
      const yStride = cols * 2;
      const x = rand(2 + (rows - 1) * xStride + cols, rng);
      const y0 = rand(1 + (rows - 1) * yStride + cols, rng);
      const want = Float32Array.from(y0);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          const a = want[1 + r * yStride + c]!;
          want[1 + r * yStride + c] = Math.fround(a + x[2 + r * xStride + c]!);
        }
      const added = Float32Array.from(y0);
      native.copyRows(x, 2, xStride, added, 1, yStride, rows, cols, true);
      assert.deepEqual(added, want, "accumulate: y + x in float32, other elements untouched");
      const copied = Float32Array.from(y0);
      native.copyRows(x, 2, xStride, copied, 1, yStride, rows, cols, false);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++)
          assert.equal(copied[1 + r * yStride + c], x[2 + r * xStride + c]);
      assert.equal(copied[0], y0[0], "the element before the block is untouched");
    }
  });
  test("copyRows refuses blocks that reach past either buffer", () => {
    const x = new Float32Array(10);
    const y = new Float32Array(10);
    assert.throws(() => native.copyRows(x, 0, 4, y, 0, 2, 3, 3, false), /too short/);
    assert.throws(() => native.copyRows(x, 0, 2, y, 5, 3, 3, 3, false), /too short/);
    assert.throws(() => native.copyRows(x, -1, 2, y, 0, 2, 3, 2, false), /negative/);
    native.copyRows(x, 0, 4, y, 0, 4, 0, 3, true);
  });
  test("sumMiddle gives sumRows' floats block by block; spreadMiddle is its gradient", () => {
    const rng = new Rng(11);
    for (const [outer, n, inner] of [
      [1, 5, 3],
      [7, 50, 64],
      [3, 1, 9],
      [2, 300, 128], // blocks above sumRows' threading size
    ] as const) {
      const x = rand(outer * n * inner, rng);
      const want = new Float32Array(outer * inner);
      for (let o = 0; o < outer; o++)
        native.sumRows(
          x.subarray(o * n * inner, (o + 1) * n * inner),
          want.subarray(o * inner, (o + 1) * inner),
          n,
          inner,
          false,
        );
      const got = rand(outer * inner, rng);
      native.sumMiddle(x, got, outer, n, inner, false);
      assert.deepEqual(got, want, "bit for bit, overwriting what was there");
      const base = rand(outer * inner, rng);
      const added = Float32Array.from(base);
      native.sumMiddle(x, added, outer, n, inner, true);
      for (let k = 0; k < base.length; k++)
        assert.equal(added[k], Math.fround(base[k]! + want[k]!), "accumulate adds the block sum");
      const g = rand(outer * inner, rng);
      const y0 = rand(outer * n * inner, rng);
      const spread = Float32Array.from(y0);
      native.spreadMiddle(g, spread, outer, n, inner, true);
      const copied = Float32Array.from(y0);
      native.spreadMiddle(g, copied, outer, n, inner, false);
      for (let o = 0; o < outer; o++)
        for (let j = 0; j < n; j++)
          for (let c = 0; c < inner; c++) {
            const k = (o * n + j) * inner + c;
            assert.equal(spread[k], Math.fround(y0[k]! + g[o * inner + c]!));
            assert.equal(copied[k], g[o * inner + c]);
          }
    }
    assert.throws(
      () => native.sumMiddle(new Float32Array(4), new Float32Array(1), 1, 5, 1, false),
      /too short/,
    );
    assert.throws(
      () => native.spreadMiddle(new Float32Array(2), new Float32Array(4), 1, -1, 2, false),
      /negative/,
    );
  });
  test("unitSum gives the floats of l2Normalize, a 0/1 mask and sumMiddle; its backward those of the chain's", () => {
    const rng = new Rng(13);
    for (const [outer, n, inner] of [
      [1, 4, 3],
      [6, 50, 64], // Demure's shape: a batch of users, their items, one modality
      [3, 1, 9],
    ] as const) {
      const x = rand(outer * n * inner, rng);
      for (let c = 0; c < inner; c++) x[inner + c] = 0; // a zero row: the eps branch
      const mask = new Uint8Array(outer * n);
      for (let r = 0; r < mask.length; r++) mask[r] = rng.uniform() < 0.7 ? 1 : 0;
      mask[0] = 1;
      if (mask.length > 1) mask[1] = 1; // the zero row is kept
      if (outer > 1) mask.fill(0, n, 2 * n); // a block with every row masked out
      // The chain: l2Normalize, times the mask, summed over each block.
      const y = new Float32Array(x.length);
      const invChain = new Float32Array(outer * n);
      native.l2Normalize(x, y, invChain, outer * n, inner, 1e-12);
      const masked = y.map((v, k) => v * mask[Math.floor(k / inner)]!);
      const want = new Float32Array(outer * inner);
      native.sumMiddle(masked, want, outer, n, inner, false);
      const got = rand(outer * inner, rng);
      const inv = new Float32Array(outer * n);
      native.unitSum(x, mask, got, inv, outer, n, inner, 1e-12);
      assert.deepEqual(got, want, "forward bit for bit");
      assert.deepEqual(inv, invChain, "the same inverse norms");
      // Backward: the chain spreads g to every row, masks it, and back through l2Normalize.
      const g = rand(outer * inner, rng);
      const spread = new Float32Array(x.length);
      native.spreadMiddle(g, spread, outer, n, inner, false);
      const gy = spread.map((v, k) => v * mask[Math.floor(k / inner)]!);
      const base = rand(x.length, rng);
      const dxChain = Float32Array.from(base);
      native.l2NormalizeBackward(gy, y, invChain, dxChain, outer * n, inner, 1e-12);
      const dx = Float32Array.from(base);
      native.unitSumBackward(g, x, mask, inv, dx, outer, n, inner, 1e-12);
      assert.deepEqual(dx, dxChain, "backward bit for bit, accumulating");
      for (let r = 0; r < outer * n; r++)
        if (!mask[r])
          for (let c = 0; c < inner; c++)
            assert.equal(dx[r * inner + c], base[r * inner + c], "a masked row gets no gradient");
    }
    assert.throws(
      () =>
        native.unitSum(
          new Float32Array(6),
          new Uint8Array(1),
          new Float32Array(3),
          new Float32Array(2),
          1,
          2,
          3,
          1e-12,
        ),
      /too short/,
    );
    assert.throws(
      () =>
        native.unitSum(
          new Float32Array(6),
          new Uint8Array(2),
          new Float32Array(3),
          new Float32Array(2),
          1,
          -2,
          3,
          1e-12,
        ),
      /negative/,
    );
  });
});
