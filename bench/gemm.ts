/**
 * GFLOP/s of the matrix-product kernel on the shapes the reference step runs
 * (and 1024³ for the machine's ceiling). Pick the kernel with DEMURE_GEMM=blas
 * or DEMURE_GEMM=portable.
 *
 *   node dist/bench/gemm.js
 */
import { engineInfo, native } from "../src/engine/index.js";

const shapes: Array<[string, number, number, number, boolean, boolean]> = [
  ["linear forward 12800x64x64", 12800, 64, 64, false, false],
  ["linear dW 64x64x12800 (A^T)", 64, 64, 12800, true, false],
  ["linear dX 12800x64x64 (B^T)", 12800, 64, 64, false, true],
  ["scores 256x10000x64 (B^T)", 256, 10000, 64, false, true],
  ["dH 256x64x10000", 256, 64, 10000, false, false],
  ["dE 10000x64x256 (A^T)", 10000, 64, 256, true, false],
  ["contrast 256x256x64 (B^T)", 256, 256, 64, false, true],
  ["contrast dA 256x64x256", 256, 64, 256, false, false],
  ["contrast dB 256x64x256 (A^T)", 256, 64, 256, true, false],
  ["GRU recurrence 256x384x128", 256, 384, 128, false, false],
  ["per-item score 1683x1x64", 1683, 1, 64, false, false],
  ["square 1024^3", 1024, 1024, 1024, false, false],
];

const results = shapes.map(([name, m, n, k, ta, tb]) => {
  const a = new Float32Array(m * k).map((_, i) => ((i * 7) % 13) / 13 - 0.5);
  const b = new Float32Array(k * n).map((_, i) => ((i * 5) % 11) / 11 - 0.5);
  const c = new Float32Array(m * n);
  const lda = ta ? m : k;
  const ldb = tb ? k : n;
  const run = () => native.gemm(ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, n);
  run();
  const reps = Math.max(5, Math.round(2e9 / (2 * m * n * k)));
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const ms = times[Math.floor(times.length / 2)]!;
  return {
    shape: name,
    ms: Math.round(ms * 1000) / 1000,
    gflops: Math.round((2 * m * n * k) / ms / 1e5) / 10,
  };
});
console.log(
  JSON.stringify({
    engine: engineInfo(),
    openblas_coretype: process.env.OPENBLAS_CORETYPE ?? null,
    results,
  }),
);
