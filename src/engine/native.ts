import { loadAddon } from "./addon-path.js";
import { processThreads } from "./cpu-limit.js";
import { profiling, timedKernel } from "./profile.js";

/**
 * The compiled kernels (native/*.cc): prebuilt in the package, or built by
 * node-gyp at install time where no prebuilt one loads (addon-path.ts).
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
  /** x [outer, n, inner] → out [outer, inner] (+)= the sum over n: sumRows' floats per block, in one call. */
  sumMiddle(
    x: Float32Array,
    out: Float32Array,
    outer: number,
    n: number,
    inner: number,
    acc: boolean,
  ): void;
  /** The gradient of sumMiddle: y [outer, n, inner] (+)= g [outer, inner] repeated along n. */
  spreadMiddle(
    g: Float32Array,
    y: Float32Array,
    outer: number,
    n: number,
    inner: number,
    acc: boolean,
  ): void;
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
    /** When given, each row's loss (0 for ignored rows). */
    rowLoss?: Float32Array,
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
  /**
   * x [outer, n, inner] → out [outer, inner]: the sum over the rows j with
   * mask[o·n + j] of x[o, j, :] / max(‖x[o, j, :]‖, eps); inv [outer·n] gets
   * every row's 1 / max(‖·‖, eps). The floats of l2Normalize, a 0/1 mask and
   * sumMiddle, in one pass.
   */
  unitSum(
    x: Float32Array,
    mask: Uint8Array,
    out: Float32Array,
    inv: Float32Array,
    outer: number,
    n: number,
    inner: number,
    eps: number,
  ): void;
  /** The gradient of unitSum: dx (+)= each kept row's l2Normalize gradient of g[o, :]. */
  unitSumBackward(
    g: Float32Array,
    x: Float32Array,
    mask: Uint8Array,
    inv: Float32Array,
    dx: Float32Array,
    outer: number,
    n: number,
    inner: number,
    eps: number,
  ): void;
  /**
   * Table rows read through idx, for rows r < `rows` in groups of `per`:
   * out[r, :] (+)= w[⌊r / per⌋·M + m] · table[idx[r], :] (overwrites unless `accumulate`).
   */
  gatheredTerm(
    table: Float32Array,
    vocab: number,
    idx: Int32Array,
    w: Float32Array,
    out: Float32Array,
    rows: number,
    per: number,
    dim: number,
    M: number,
    m: number,
    accumulate: boolean,
  ): void;
  /** dw[u·M + m] += Σ_{r in group u} table[idx[r]] · g[r]; dtable[idx[r]] += w[⌊r / per⌋·M + m] · g[r] (either may be null). */
  gatheredTermBackward(
    g: Float32Array,
    table: Float32Array,
    vocab: number,
    idx: Int32Array,
    w: Float32Array,
    dtable: Float32Array | null,
    dw: Float32Array | null,
    rows: number,
    per: number,
    dim: number,
    M: number,
    m: number,
  ): void;
  /** A weighted bag per group of `per` indices: out[b, :] = Σ_r a[r] · table[idx[r], :]. */
  bag(
    table: Float32Array,
    vocab: number,
    idx: Int32Array,
    a: Float32Array,
    out: Float32Array,
    bags: number,
    per: number,
    dim: number,
  ): void;
  /** da[r] (+)= table[idx[r]] · g[⌊r / per⌋]; dtable[idx[r]] += a[r] · g[⌊r / per⌋] (either may be null). */
  bagBackward(
    g: Float32Array,
    table: Float32Array,
    vocab: number,
    idx: Int32Array,
    a: Float32Array,
    dtable: Float32Array | null,
    da: Float32Array | null,
    bags: number,
    per: number,
    dim: number,
    accumulateDa: boolean,
  ): void;
  /**
   * The GRU cell after its products, gates (r, z, n): row b of gx at b·gxStride,
   * of h at b·hStride, of out at b·outStride; gh [batch, 3H].
   * r = σ(gx_r + gh_r), z = σ(gx_z + gh_z), n = tanh(gx_n + r ⊙ gh_n), out = n + z ⊙ (h − n).
   */
  gruGates(
    gx: Float32Array,
    gxStride: number,
    gh: Float32Array,
    h: Float32Array,
    hStride: number,
    out: Float32Array,
    outStride: number,
    batch: number,
    hidden: number,
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
  info(): EngineInfo;
  setThreads(n: number): void;
  /** Use OpenBLAS for matrix products (when it was loaded); returns whether it is now used. */
  setBlas(on: boolean): boolean;
  /** Switch the kernels' instruction-set variant; false when this CPU or build lacks it. */
  setSimd(name: string): boolean;
}

/** What the addon reports about itself. */
export interface EngineInfo {
  /** OpenBLAS was found at run time (libopenblas.so.0, or DEMURE_OPENBLAS). */
  blasLoaded: boolean;
  /** Why it was not ("" when it was). */
  blasError: string;
  /** Matrix products go to OpenBLAS (else to the portable kernel). */
  blas: boolean;
  threads: number;
  /** The kernels' instruction-set variant chosen for this CPU: "baseline", "avx2" or "avx512". */
  simd: string;
  /** The variants this build has and this CPU runs, best first. */
  simdSupported: string[];
  /** DEMURE_SIMD when it named a variant not in simdSupported (then ignored). */
  simdRefused?: string;
}

/** Every function of NativeKernels, for the lazy stubs below. */
const kernelNames = [
  "gemm",
  "gemmBatched",
  "unary",
  "unaryBackward",
  "binary",
  "fillRows",
  "axpy",
  "copyRows",
  "scale",
  "mulAccumulate",
  "sumSquares",
  "sumRows",
  "sumCols",
  "sumMiddle",
  "spreadMiddle",
  "gatherRows",
  "scatterAddRows",
  "softmax",
  "softmaxBackward",
  "softmaxMasked",
  "crossEntropy",
  "l2Normalize",
  "weightedTerm",
  "weightedTermBackward",
  "l2NormalizeBackward",
  "unitSum",
  "unitSumBackward",
  "gatheredTerm",
  "gatheredTermBackward",
  "bag",
  "bagBackward",
  "gruGates",
  "layerNorm",
  "layerNormBackward",
  "dropout",
  "adam",
  "info",
  "setThreads",
  "setBlas",
  "setSimd",
] as const satisfies readonly (keyof NativeKernels)[];
// Compile-time check that the list names every kernel.
const listsEveryKernel: Exclude<keyof NativeKernels, (typeof kernelNames)[number]> extends never
  ? true
  : never = true;
void listsEveryKernel;

/** The names of every function the addon must export. */
export const nativeFunctionNames: readonly string[] = kernelNames;

let loaded: { kernels: NativeKernels; path: string } | null = null;

/**
 * Load the addon, once: on the first kernel call, not at import, so that
 * commands that need no kernels (`demure --help`) run without it. Applies the
 * default thread count (cpu-limit.ts) and refuses, with the reason, a kernel
 * the environment asks for and cannot have.
 */
function load(): { kernels: NativeKernels; path: string } {
  if (loaded !== null) return loaded;
  const { exports, path } = loadAddon();
  const kernels = exports as NativeKernels;
  const info = kernels.info();
  if (info.simdRefused !== undefined) {
    throw new Error(
      `DEMURE_SIMD=${info.simdRefused}, but this CPU or build runs only ${info.simdSupported.join(", ")}`,
    );
  }
  if (process.env.DEMURE_GEMM === "blas" && !info.blasLoaded) {
    throw new Error(
      `DEMURE_GEMM=blas, but OpenBLAS could not be loaded (${info.blasError}). Install it (Debian: apt-get install libopenblas0), point DEMURE_OPENBLAS at the library, or unset DEMURE_GEMM to use the portable kernel.`,
    );
  }
  const threads = processThreads();
  if (threads !== info.threads) kernels.setThreads(threads);
  loaded = { kernels, path };
  return loaded;
}

/**
 * The addon's functions. Each property loads the addon on first use and then
 * replaces itself with the native function, so later calls cost nothing extra.
 */
export const native = {} as NativeKernels;
for (const name of kernelNames) {
  Object.defineProperty(native, name, {
    configurable: true,
    enumerable: true,
    get() {
      const raw = load().kernels[name];
      const fn = profiling ? timedKernel(name, raw) : raw;
      Object.defineProperty(native, name, { value: fn, enumerable: true, writable: false });
      return fn;
    },
  });
}

/** The file the kernels were loaded from (loading them if need be). */
export function nativeAddonPath(): string {
  return load().path;
}

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
export function engineInfo(): EngineInfo {
  return native.info();
}
