import { native } from "../native.js";
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
 * Gradients: dA = dC·Bᵀ, dB = Aᵀ·dC (with the transposes folded in).
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  if (b.rank !== 2) throw new Error(`matmul: b must be 2-D, got [${b.shape}]`);
  if (transA && a.rank !== 2) throw new Error(`matmul: transA needs a 2-D a, got [${a.shape}]`);
  const aRows = transA ? a.shape[1]! : a.size / a.shape[a.rank - 1]!;
  const aInner = transA ? a.shape[0]! : a.shape[a.rank - 1]!;
  const [bRows, bCols] = b.shape as [number, number];
  const k = transB ? bCols : bRows;
  const n = transB ? bRows : bCols;
  if (aInner !== k) throw new Error(`matmul: inner dims differ: a [${a.shape}] b [${b.shape}]`);
  const m = aRows;
  const out = new Float32Array(m * n);
  const lda = a.shape[a.rank - 1]!;
  native.gemm(transA, transB, m, n, k, 1, a.data, lda, b.data, bCols, 0, out, n);
  const shape = transA ? [m, n] : [...a.shape.slice(0, -1), n];
  return fromOp(out, shape, [a, b], (c) => {
    const g = c.grad!;
    if (a.requiresGrad) {
      const ga = a.ensureGrad();
      // op(A) = dC · op(B)ᵀ ; stored A is op(A) or its transpose.
      if (!transA) native.gemm(false, !transB, m, k, n, 1, g, n, b.data, bCols, 1, ga, lda);
      else native.gemm(transB, true, k, m, n, 1, b.data, bCols, g, n, 1, ga, lda);
    }
    if (b.requiresGrad) {
      const gb = b.ensureGrad();
      // op(B) = op(A)ᵀ · dC ; stored B is op(B) or its transpose.
      if (!transB) native.gemm(!transA, false, k, n, m, 1, a.data, lda, g, n, 1, gb, bCols);
      else native.gemm(true, transA, n, k, m, 1, g, n, a.data, lda, 1, gb, bCols);
    }
  });
}

/**
 * Batched product over the leading dim: [B, M, K] x [B, K, N] -> [B, M, N],
 * with optional transposes of the last two dims of each operand (attention:
 * scores = Q·Kᵀ, context = P·V).
 */
export function bmm(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  if (a.rank !== 3 || b.rank !== 3 || a.shape[0] !== b.shape[0]) {
    throw new Error(`bmm: need [B,M,K] and [B,K,N], got [${a.shape}] and [${b.shape}]`);
  }
  const batch = a.shape[0]!;
  const [a1, a2] = [a.shape[1]!, a.shape[2]!];
  const [b1, b2] = [b.shape[1]!, b.shape[2]!];
  const m = transA ? a2 : a1;
  const k = transA ? a1 : a2;
  const n = transB ? b1 : b2;
  if ((transB ? b2 : b1) !== k) throw new Error(`bmm: inner dims differ: [${a.shape}] [${b.shape}]`);
  const out = new Float32Array(batch * m * n);
  native.gemmBatched(transA, transB, batch, m, n, k, 1, a.data, a1 * a2, b.data, b1 * b2, 0, out, m * n);
  return fromOp(out, [batch, m, n], [a, b], (c) => {
    const g = c.grad!;
    if (a.requiresGrad) {
      const ga = a.ensureGrad();
      if (!transA) native.gemmBatched(false, !transB, batch, m, k, n, 1, g, m * n, b.data, b1 * b2, 1, ga, a1 * a2);
      else native.gemmBatched(transB, true, batch, k, m, n, 1, b.data, b1 * b2, g, m * n, 1, ga, a1 * a2);
    }
    if (b.requiresGrad) {
      const gb = b.ensureGrad();
      if (!transB) native.gemmBatched(!transA, false, batch, k, n, m, 1, a.data, a1 * a2, g, m * n, 1, gb, b1 * b2);
      else native.gemmBatched(true, transA, batch, n, k, m, 1, g, m * n, a.data, a1 * a2, 1, gb, b1 * b2);
    }
  });
}
