import { native } from "../native.js";
import { allocUninit } from "../pool.js";
import { fromOp, type Tensor } from "../tensor.js";

/** Options of `matmul`: use a transposed view of an operand. */
export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

/**
 * Matrix product. `a` may have leading batch dims, which are flattened into
 * rows: [..., K] x [K, N] -> [..., N] (a linear layer). With `transA`, `a`
 * must be 2-D; with `transB`, `b` is stored [N, K] (e.g. scoring against an
 * item-embedding table stored [items, d]).
 *
 * Gradients: d op(A) = dC·op(B)ᵀ, d op(B) = op(A)ᵀ·dC, with the transposes
 * folded into the stored layouts. A fresh gradient is written with beta = 0.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  if (b.rank !== 2) throw new Error(`matmul: b must be 2-D, got [${b.shape}]`);
  if (transA && a.rank !== 2) throw new Error(`matmul: transA needs a 2-D a, got [${a.shape}]`);
  const lda = a.shape[a.rank - 1]!;
  const m = transA ? lda : a.size / lda;
  const k = transA ? a.shape[0]! : lda;
  const ldb = b.shape[1]!;
  const kb = transB ? ldb : b.shape[0]!;
  const n = transB ? b.shape[0]! : ldb;
  if (kb !== k) throw new Error(`matmul: inner dims differ: a [${a.shape}] b [${b.shape}]`);
  const out = allocUninit(m * n);
  native.gemm(transA, transB, m, n, k, 1, a.data, lda, b.data, ldb, 0, out, n);
  const shape = transA ? [m, n] : [...a.shape.slice(0, -1), n];
  return fromOp(out, shape, [a, b], (c) => {
    const g = c.grad!;
    if (a.requiresGrad) {
      const { buf, fresh } = a.gradSink();
      const beta = fresh ? 0 : 1;
      if (!transA) native.gemm(false, !transB, m, k, n, 1, g, n, b.data, ldb, beta, buf, lda);
      else native.gemm(transB, true, k, m, n, 1, b.data, ldb, g, n, beta, buf, lda);
    }
    if (b.requiresGrad) {
      const { buf, fresh } = b.gradSink();
      const beta = fresh ? 0 : 1;
      if (!transB) native.gemm(!transA, false, k, n, m, 1, a.data, lda, g, n, beta, buf, ldb);
      else native.gemm(true, transA, n, k, m, 1, g, n, a.data, lda, beta, buf, ldb);
    }
  });
}

/**
 * A linear map with bias in one op: y = x·W + b for x [..., in], W [in, out],
 * b [out]. The bias is written first and the product added onto it (no extra
 * pass, no temporary); db is the column sum of dy.
 */
export function linear(x: Tensor, w: Tensor, b: Tensor): Tensor {
  const [inDim, outDim] = w.shape as [number, number];
  if (x.shape[x.rank - 1] !== inDim || b.size !== outDim) {
    throw new Error(`linear: x [${x.shape}], W [${w.shape}], b [${b.shape}] do not fit`);
  }
  const rows = x.size / inDim;
  const out = allocUninit(rows * outDim);
  native.fillRows(b.data, out, rows, outDim);
  native.gemm(false, false, rows, outDim, inDim, 1, x.data, inDim, w.data, outDim, 1, out, outDim);
  return fromOp(out, [...x.shape.slice(0, -1), outDim], [x, w, b], (y) => {
    const g = y.grad!;
    if (x.requiresGrad) {
      const { buf, fresh } = x.gradSink();
      native.gemm(
        false,
        true,
        rows,
        inDim,
        outDim,
        1,
        g,
        outDim,
        w.data,
        outDim,
        fresh ? 0 : 1,
        buf,
        inDim,
      );
    }
    if (w.requiresGrad) {
      const { buf, fresh } = w.gradSink();
      native.gemm(
        true,
        false,
        inDim,
        outDim,
        rows,
        1,
        x.data,
        inDim,
        g,
        outDim,
        fresh ? 0 : 1,
        buf,
        outDim,
      );
    }
    if (b.requiresGrad) {
      const { buf, fresh } = b.gradSink();
      native.sumRows(g, buf, rows, outDim, !fresh);
    }
  });
}

/**
 * Where each matrix of a batch lives inside a buffer: matrix (o, h) starts at
 * o·outer + h·inner and its rows are `ld` floats apart. A plain batch of packed
 * matrices is {ld: cols, outer: rows·cols, inner: 0}; head h of a
 * [B, L, H·dh] activation is {ld: H·dh, outer: L·H·dh, inner: dh}.
 */
export interface MatrixLayout {
  ld: number;
  outer: number;
  inner: number;
}

/** C(o,h) = alpha·op(A(o,h))·op(B(o,h)) + beta·C(o,h) for o < outer, h < inner. */
export function gemmStrided(
  transA: boolean,
  transB: boolean,
  outer: number,
  inner: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  la: MatrixLayout,
  b: Float32Array,
  lb: MatrixLayout,
  beta: number,
  c: Float32Array,
  lc: MatrixLayout,
): void {
  native.gemmBatched(
    transA,
    transB,
    outer,
    inner,
    m,
    n,
    k,
    alpha,
    a,
    la.ld,
    la.outer,
    la.inner,
    b,
    lb.ld,
    lb.outer,
    lb.inner,
    beta,
    c,
    lc.ld,
    lc.outer,
    lc.inner,
  );
}

const packed = (rows: number, cols: number): MatrixLayout => ({
  ld: cols,
  outer: rows * cols,
  inner: 0,
});

/**
 * Batched product over the leading dim: [B, M, K] x [B, K, N] -> [B, M, N],
 * with optional transposes of the last two dims of each operand.
 */
export function bmm(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  if (a.rank !== 3 || b.rank !== 3 || a.shape[0] !== b.shape[0]) {
    throw new Error(`bmm: need [B,M,K] and [B,K,N], got [${a.shape}] and [${b.shape}]`);
  }
  const [batch, a1, a2] = a.shape as [number, number, number];
  const [, b1, b2] = b.shape as [number, number, number];
  const [m, k] = transA ? [a2, a1] : [a1, a2];
  const n = transB ? b1 : b2;
  if ((transB ? b2 : b1) !== k)
    throw new Error(`bmm: inner dims differ: [${a.shape}] [${b.shape}]`);
  const la = packed(a1, a2);
  const lb = packed(b1, b2);
  const lc = packed(m, n);
  const out = allocUninit(batch * m * n);
  gemmStrided(transA, transB, batch, 1, m, n, k, 1, a.data, la, b.data, lb, 0, out, lc);
  return fromOp(out, [batch, m, n], [a, b], (c) => {
    const g = c.grad!;
    if (a.requiresGrad) {
      const { buf, fresh } = a.gradSink();
      const beta = fresh ? 0 : 1;
      if (!transA)
        gemmStrided(false, !transB, batch, 1, m, k, n, 1, g, lc, b.data, lb, beta, buf, la);
      else gemmStrided(transB, true, batch, 1, k, m, n, 1, b.data, lb, g, lc, beta, buf, la);
    }
    if (b.requiresGrad) {
      const { buf, fresh } = b.gradSink();
      const beta = fresh ? 0 : 1;
      if (!transB)
        gemmStrided(!transA, false, batch, 1, k, n, m, 1, a.data, la, g, lc, beta, buf, lb);
      else gemmStrided(true, transA, batch, 1, n, k, m, 1, g, lc, a.data, la, beta, buf, lb);
    }
  });
}
