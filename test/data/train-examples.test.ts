import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  fillRow,
  type SeqBatch,
  type TrainBatchOptions,
  trainBatches,
  trainingExamples,
} from "../../src/data/batches.js";
import { leaveOneOut } from "../../src/data/split.js";
import { Rng } from "../../src/util/rng.js";

/** Every (user, position) pair in the documented order: users ascending, then k = 1..m-1. */
function enumerate(train: readonly Int32Array[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  train.forEach((t, u) => {
    for (let k = 1; k < t.length; k++) out.push([u, k]);
  });
  return out;
}

/**
 * The batches as trainBatches built them when every example's user and
 * position were stored in arrays: the reference the lazy indexing must match
 * bit for bit (same rng draws in the same order).
 */
function bruteForceBatches(
  train: readonly Int32Array[],
  o: TrainBatchOptions,
  rng: Rng,
): SeqBatch[] {
  const pairs = enumerate(train);
  const order = Int32Array.from(pairs.keys());
  rng.shuffle(order);
  const starts: number[] = [];
  for (let s = 0; s < order.length; s += o.batchSize) starts.push(s);
  const window = o.bucketBatches ?? 0;
  if (window > 0) {
    const length = (e: number) => Math.min((pairs[e] as [number, number])[1], o.maxLength);
    for (let w = 0; w < starts.length; w += window) {
      const from = starts[w] as number;
      const to = Math.min(order.length, from + window * o.batchSize);
      const sorted = Array.from(order.subarray(from, to)).sort((a, b) => length(a) - length(b));
      order.set(sorted, from);
      const end = Math.min(starts.length, w + window);
      for (let i = end - 1; i > w; i--) {
        const j = w + rng.int(i - w + 1);
        const t = starts[i] as number;
        starts[i] = starts[j] as number;
        starts[j] = t;
      }
    }
  }
  const out: SeqBatch[] = [];
  for (const start of starts) {
    const size = Math.min(o.batchSize, order.length - start);
    if (size < o.batchSize && o.dropLast === true) continue;
    const L = o.maxLength;
    const batch: SeqBatch = {
      size,
      maxLength: L,
      items: new Int32Array(size * L),
      lengths: new Int32Array(size),
      targets: new Int32Array(size),
      users: new Int32Array(size),
    };
    for (let b = 0; b < size; b++) {
      const [u, k] = pairs[order[start + b] as number] as [number, number];
      const seq = train[u] as Int32Array;
      fillRow(batch, b, seq, 0, k);
      batch.targets[b] = seq[k] as number;
      batch.users[b] = u;
    }
    out.push(batch);
  }
  return out;
}

/** Training parts of the given lengths (items 1.. cycling through 9). */
function trainOfLengths(lengths: readonly number[]): Int32Array[] {
  return lengths.map((n, u) => Int32Array.from({ length: n }, (_, k) => 1 + ((u * 5 + k) % 9)));
}

describe("training examples without per-example arrays", () => {
  test("example e is the e-th (user, position) of the explicit enumeration; lengths 0, 1, 2, 5", () => {
    for (const lengths of [[0, 1, 2, 5], [5, 2, 1, 0], [0, 0, 5, 0, 1, 2, 0], [2], [1, 1, 0], []]) {
      const train = trainOfLengths(lengths);
      const ex = trainingExamples({ train });
      const want = enumerate(train);
      assert.equal(ex.count, want.length, `count for ${lengths}`);
      assert.equal(ex.offsets.length, lengths.length + 1);
      const got = want.map((_, e) => [ex.userOf(e), ex.positionOf(e)]);
      assert.deepEqual(got, want, `lengths ${lengths}`);
      assert.throws(() => ex.userOf(ex.count), RangeError);
      assert.throws(() => ex.userOf(-1), RangeError);
    }
  });

  test("the offsets are each user's first example", () => {
    const ex = trainingExamples({ train: trainOfLengths([0, 1, 2, 5, 3]) });
    assert.deepEqual([...ex.offsets], [0, 0, 0, 1, 5, 7]);
  });

  test("trainBatches yields exactly the batches of the per-example enumeration, for fixed seeds", () => {
    const lengths = Array.from({ length: 37 }, (_, u) => [0, 1, 2, 5, 9, 14, 3][u % 7] as number);
    const train = trainOfLengths(lengths);
    const ex = trainingExamples({ train });
    const cases: TrainBatchOptions[] = [
      { batchSize: 8, maxLength: 4 },
      { batchSize: 8, maxLength: 4, dropLast: true },
      { batchSize: 5, maxLength: 20, bucketBatches: 3 },
      { batchSize: 7, maxLength: 3, bucketBatches: 1000, dropLast: true },
    ];
    for (const o of cases) {
      for (const seed of [1, 2, 42]) {
        const got = [...trainBatches({ train }, ex, o, new Rng(seed))];
        assert.deepEqual(got, bruteForceBatches(train, o, new Rng(seed)), JSON.stringify(o));
      }
    }
  });

  test("on a leave-one-out split too, two epochs from one rng", () => {
    const seqs = trainOfLengths([3, 1, 2, 8, 4, 6, 12]);
    const split = leaveOneOut(seqs);
    const ex = trainingExamples(split);
    const o = { batchSize: 4, maxLength: 5, bucketBatches: 2 };
    const a = new Rng(9);
    const b = new Rng(9);
    for (let epoch = 0; epoch < 2; epoch++) {
      assert.deepEqual(
        [...trainBatches(split, ex, o, a)],
        bruteForceBatches(split.train, o, b),
        `epoch ${epoch}`,
      );
    }
  });
});
