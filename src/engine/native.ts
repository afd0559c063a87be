import { createRequire } from "node:module";

/**
 * The compiled kernels (native/*.cc, built by node-gyp at install time).
 * Every function works in place on the memory of the typed arrays it is given.
 * Shapes are checked by the TypeScript ops before they call in.
 */
export interface NativeKernels {
  gemm(
    transA: boolean,
    transB: boolean,
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
  ): void;
  gemmBatched(
    transA: boolean,
    transB: boolean,
    outer: number,
    inner: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    strideAOuter: number,
    strideAInner: number,
    b: Float32Array,
    ldb: number,
    strideBOuter: number,
    strideBInner: number,
    beta: number,
    c: Float32Array,
    ldc: number,
    strideCOuter: number,
    strideCInner: number,
  ): void;
  unary(op: number, x: Float32Array, y: Float32Array, n: number): void;
  unaryBackward(
    op: number,
    x: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    n: number,
    accumulate: boolean,
  ): void;
  binary(
    op: number,
    mode: number,
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    rows: number,
    cols: number,
  ): void;
  fillRows(row: Float32Array, out: Float32Array, rows: number, cols: number): void;
  axpy(alpha: number, x: Float32Array, y: Float32Array, n: number): void;
  /** y[yOffset + r·yStride + c] (+)= x[xOffset + r·xStride + c] for r < rows, c < cols. */
  copyRows(
    x: Float32Array,
    xOffset: number,
    xStride: number,
    y: Float32Array,
    yOffset: number,
    yStride: number,
    rows: number,
    cols: number,
    accumulate: boolean,
  ): void;
  scale(alpha: number, x: Float32Array, y: Float32Array, n: number): void;
  mulAccumulate(a: Float32Array, b: Float32Array, y: Float32Array, n: number): void;
  sumSquares(x: Float32Array, n: number): number;
  sumRows(x: Float32Array, out: Float32Array, rows: number, cols: number, acc: boolean): void;
  sumCols(x: Float32Array, out: Float32Array, rows: number, cols: number, acc: boolean): void;
  gatherRows(
    table: Float32Array,
    vocab: number,
    idx: Int32Array,
    out: Float32Array,
    n: number,
    dim: number,
  ): void;
  scatterAddRows(
    dout: Float32Array,
    idx: Int32Array,
    dtable: Float32Array,
    vocab: number,
    n: number,
    dim: number,
  ): void;
  softmax(x: Float32Array, y: Float32Array, rows: number, cols: number, log: boolean): void;
  softmaxBackward(
    y: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    rows: number,
    cols: number,
    log: boolean,
    accumulate: boolean,
  ): void;
  softmaxMasked(
    x: Float32Array,
    y: Float32Array,
    batch: number,
    heads: number,
    lq: number,
    lk: number,
    causal: boolean,
    keyMask: Uint8Array | null,
  ): void;
  crossEntropy(
    logits: Float32Array,
    targets: Int32Array,
    dlogits: Float32Array,
    rows: number,
    cols: number,
    gradScale: number,
  ): number;
  /** y = x / max(‖x_r‖, eps) per row; inv[r] = 1 / max(‖x_r‖, eps). */
  l2Normalize(
    x: Float32Array,
    y: Float32Array,
    inv: Float32Array,
    rows: number,
    cols: number,
    eps: number,
  ): void;
  /** out[r, :] (+)= w[r·M + m] · x[r, :] (overwrites unless `accumulate`). */
  weightedTerm(
    x: Float32Array,
    w: Float32Array,
    out: Float32Array,
    rows: number,
    cols: number,
    M: number,
    m: number,
    accumulate: boolean,
  ): void;
  /** dx[r, :] (+)= w[r·M + m] · g[r, :]; dw[r·M + m] += x[r, :] · g[r, :] (either may be null). */
  weightedTermBackward(
    g: Float32Array,
    x: Float32Array,
    w: Float32Array,
    dx: Float32Array | null,
    dw: Float32Array | null,
    rows: number,
    cols: number,
    M: number,
    m: number,
    accumulateDx: boolean,
  ): void;
  /** dx += (g − y (g·y)) · inv per row (g · inv where the norm was clamped). */
  l2NormalizeBackward(
    g: Float32Array,
    y: Float32Array,
    inv: Float32Array,
    dx: Float32Array,
    rows: number,
    cols: number,
    eps: number,
  ): void;
  layerNorm(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    rows: number,
    cols: number,
    eps: number,
  ): void;
  layerNormBackward(
    dy: Float32Array,
    x: Float32Array,
    gamma: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    rows: number,
    cols: number,
    accumulateDx: boolean,
  ): void;
  dropout(
    x: Float32Array,
    y: Float32Array,
    mask: Float32Array,
    n: number,
    p: number,
    seedLo: number,
    seedHi: number,
  ): void;
  adam(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: boolean,
    step: number,
  ): void;
  info(): { blasBuilt: boolean; blas: boolean; threads: number; simd: string };
  setThreads(n: number): void;
  setBlas(on: boolean): boolean;
}

const require = createRequire(import.meta.url);

function load(): NativeKernels {
  // dist/src/engine/native.js -> <package root>/build/Release/demure_native.node
  const candidates = [
    new URL("../../../build/Release/demure_native.node", import.meta.url),
    new URL("../../build/Release/demure_native.node", import.meta.url),
  ];
  let lastError: unknown;
  for (const url of candidates) {
    try {
      return require(url.pathname) as NativeKernels;
    } catch (e) {
      lastError = e;
    }
  }
  throw new Error(
    `demure: the native kernels are not built (run \`npm ci\` or \`npx node-gyp rebuild\`): ${String(lastError)}`,
  );
}

/** The loaded addon. */
export const native: NativeKernels = load();

/** Codes shared with native/kernels.h. */
export const UnaryOp = {
  relu: 0,
  gelu: 1,
  tanh: 2,
  sigmoid: 3,
  exp: 4,
  log: 5,
  neg: 6,
  sqrt: 7,
} as const;
export type UnaryOpName = keyof typeof UnaryOp;

export const BinaryOp = { add: 0, sub: 1, mul: 2, div: 3 } as const;
export type BinaryOpName = keyof typeof BinaryOp;

/** Which matrix-multiply path and how many threads the kernels use. */
export function engineInfo(): { blasBuilt: boolean; blas: boolean; threads: number; simd: string } {
  return native.info();
}
