import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  add,
  concat,
  layerNorm,
  matmul,
  mean,
  mul,
  pooledFloats,
  reshape,
  slice,
  softmax,
  type Tensor,
  tanh,
  withBufferPool,
} from "../../src/engine/index.js";
import { sizeClass } from "../../src/engine/pool.js";
import { Rng } from "../../src/util/rng.js";
import { randParam } from "./gradcheck.js";

/** A graph whose backward hands gradients on (reshape, add, x·x) and reads them in part (slice). */
function lossOf(x: Tensor, w: Tensor, g: Tensor, b: Tensor, rows: number): Tensor {
  const h = tanh(matmul(x, w)); // [rows, 8]
  const r = reshape(add(h, mul(h, h)), [rows * 2, 4]);
  const parts = concat([slice(r, 1, 0, 2), slice(r, 1, 2, 4)], 1);
  const n = layerNorm(reshape(parts, [rows, 8]), g, b);
  return mean(softmax(n));
}

function gradsOnce(rows: number, pooled: boolean): Float32Array[] {
  const rng = new Rng(rows);
  const x = randParam([rows, 6], rng);
  const w = randParam([6, 8], rng);
  const g = randParam([8], rng);
  const b = randParam([8], rng);
  const run = () => lossOf(x, w, g, b, rows).backward();
  if (pooled) withBufferPool(run);
  else run();
  return [x, w, g, b].map((p) => Float32Array.from(p.grad!));
}

describe("buffer pool", () => {
  test("size classes waste at most an eighth and never shrink a request", () => {
    for (const n of [1, 64, 65, 100, 1000, 4097, 819_200, 3_000_001]) {
      const c = sizeClass(n);
      assert.ok(c >= n, `class ${c} < ${n}`);
      assert.ok(n <= 64 || c <= n * 1.125, `class ${c} of ${n} wastes more than 1/8`);
    }
  });

  test("gradients in the pool (recycled mid-backward) equal those without it, bit for bit", () => {
    for (const rows of [3, 17, 64, 5, 200, 9]) {
      assert.deepEqual(gradsOnce(rows, true), gradsOnce(rows, false), `rows ${rows}`);
    }
  });

  test("steps of growing then shrinking size keep the pool near one large step", () => {
    const sizes = [8, 16, 32, 64, 128, 256, 512];
    for (const rows of sizes) gradsOnce(rows, true);
    const afterLargest = pooledFloats();
    for (let i = 0; i < 5; i++) for (const rows of sizes) gradsOnce(rows, true);
    // Shorter steps are served by the largest step's buffers: nothing piles up.
    assert.ok(pooledFloats() <= afterLargest * 1.3, `${pooledFloats()} > 1.3 × ${afterLargest}`);
  });
});
