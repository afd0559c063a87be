import assert from "node:assert/strict";
import { test } from "node:test";
import { topK } from "../../src/train/run.js";

test("top-k: best scores first, ties by lower item index, banned items and padding skipped", () => {
  //                      pad   1    2    3    4    5    6
  const scores = Float32Array.of(99, 0.5, 0.9, 0.5, 0.1, 0.9, 0.7);
  assert.deepEqual(topK(scores, 6, 3, new Set()), [2, 5, 6]);
  assert.deepEqual(topK(scores, 6, 4, new Set([5])), [2, 6, 1, 3]);
  assert.deepEqual(topK(scores, 6, 10, new Set([2, 5])), [6, 1, 3, 4]);
  assert.deepEqual(topK(scores, 6, 1, new Set()), [2]);
});
