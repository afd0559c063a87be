import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  countTrainBatches,
  evalBatches,
  type SeqBatch,
  trainBatches,
  trainingExamples,
} from "../../src/data/batches.js";
import { leaveOneOut, seenOf } from "../../src/data/split.js";
import { isUserError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";

const seqs = [
  Int32Array.of(1, 2, 3, 2, 4, 5), // n = 6
  Int32Array.of(7, 8, 9), // n = 3
  Int32Array.of(4, 6), // n = 2
  Int32Array.of(3), // n = 1
];

/** Row b of a batch as a plain array (padding included). */
function row(batch: SeqBatch, b: number): number[] {
  return [...batch.items.subarray(b * batch.maxLength, (b + 1) * batch.maxLength)];
}

describe("leave-one-out split", () => {
  test("n >= 3: prefix train, valid = n-2, test = n-1; n = 2: test only; n = 1: nothing", () => {
    const split = leaveOneOut(seqs);
    assert.deepEqual(
      split.train.map((t) => [...t]),
      [[1, 2, 3, 2], [7], [4], [3]],
    );
    assert.equal(split.valid.size, 2);
    assert.deepEqual([...split.valid.users], [0, 1]);
    assert.deepEqual([...split.valid.targets], [4, 8]);
    assert.deepEqual(
      split.valid.histories.map((h) => [...h]),
      [[1, 2, 3, 2], [7]],
    );
    assert.equal(split.test.size, 3);
    assert.deepEqual([...split.test.users], [0, 1, 2]);
    assert.deepEqual([...split.test.targets], [5, 9, 6]);
    assert.deepEqual(
      split.test.histories.map((h) => [...h]),
      [[1, 2, 3, 2, 4], [7, 8], [4]],
    );
    // Items seen before the target: distinct, sorted.
    const seen = (set: typeof split.valid) =>
      Array.from({ length: set.size }, (_, e) => [...seenOf(set, e)]);
    assert.deepEqual(seen(split.valid), [[1, 2, 3], [7]]);
    assert.deepEqual(seen(split.test), [[1, 2, 3, 4], [7, 8], [4]]);
  });
});

describe("training examples and batches", () => {
  test("every prefix of the training part is one example, left-aligned with 0 padding at the end", () => {
    const split = leaveOneOut(seqs);
    const ex = trainingExamples(split);
    assert.equal(ex.count, 3, "user 0 has 3 examples; users with a 1-item train part have none");
    assert.deepEqual([0, 1, 2].map(ex.userOf), [0, 0, 0]);
    assert.deepEqual([0, 1, 2].map(ex.positionOf), [1, 2, 3]);
    const sorted = [...trainBatches(split, ex, { batchSize: 10, maxLength: 3 }, new Rng(1))];
    assert.equal(sorted.length, 1);
    const b = sorted[0] as SeqBatch;
    assert.equal(b.size, 3);
    const rows = [0, 1, 2].map((r) => ({
      items: row(b, r),
      length: b.lengths[r],
      target: b.targets[r],
      user: b.users[r],
    }));
    rows.sort((x, y) => (x.length as number) - (y.length as number));
    assert.deepEqual(rows, [
      { items: [1, 0, 0], length: 1, target: 2, user: 0 },
      { items: [1, 2, 0], length: 2, target: 3, user: 0 },
      { items: [1, 2, 3], length: 3, target: 2, user: 0 },
    ]);
  });

  test("histories longer than maxLength keep their most recent items", () => {
    const split = leaveOneOut([Int32Array.of(1, 2, 3, 4, 5, 6, 7)]);
    const ex = trainingExamples(split);
    const batches = [...trainBatches(split, ex, { batchSize: 100, maxLength: 2 }, new Rng(3))];
    const b = batches[0] as SeqBatch;
    const byTarget = new Map<number, number[]>();
    for (let r = 0; r < b.size; r++) byTarget.set(b.targets[r] as number, row(b, r));
    assert.deepEqual(byTarget.get(2), [1, 0]);
    assert.deepEqual(byTarget.get(3), [1, 2]);
    assert.deepEqual(byTarget.get(5), [3, 4]);
    assert.equal(byTarget.size, 4);
  });

  test("shuffling is deterministic under a seed and covers every example once per epoch", () => {
    const long = Array.from({ length: 20 }, (_, u) =>
      Int32Array.from({ length: 5 + (u % 7) }, (_, k) => 1 + ((u * 3 + k) % 30)),
    );
    const split = leaveOneOut(long);
    const ex = trainingExamples(split);
    const opts = { batchSize: 16, maxLength: 4 };
    const epoch = (seed: number) => [...trainBatches(split, ex, opts, new Rng(seed))];
    const a = epoch(42);
    const b = epoch(42);
    assert.deepEqual(a, b);
    assert.notDeepEqual(
      a.map((x) => [...x.targets]),
      epoch(43).map((x) => [...x.targets]),
    );
    assert.equal(a.length, countTrainBatches(ex, opts));
    assert.equal(a.length, Math.ceil(ex.count / 16));
    const seen = new Set<string>();
    for (const batch of a) {
      for (let r = 0; r < batch.size; r++) {
        seen.add(`${batch.users[r]}:${batch.lengths[r]}:${batch.targets[r]}:${row(batch, r)}`);
      }
    }
    assert.equal(seen.size, ex.count);
    const rng = new Rng(7);
    const first = [...trainBatches(split, ex, opts, rng)];
    const second = [...trainBatches(split, ex, opts, rng)];
    assert.notDeepEqual(first, second, "each epoch draws a new order");
    const dropped = [...trainBatches(split, ex, { ...opts, dropLast: true }, new Rng(1))];
    assert.equal(dropped.length, Math.floor(ex.count / 16));
    assert.ok(dropped.every((x) => x.size === 16));
  });

  test("length bucketing: same examples once each, rows of a batch have similar lengths", () => {
    const long = Array.from({ length: 60 }, (_, u) =>
      Int32Array.from({ length: 4 + (u % 25) }, (_, k) => 1 + ((u * 7 + k) % 40)),
    );
    const split = leaveOneOut(long);
    const ex = trainingExamples(split);
    const plain = { batchSize: 8, maxLength: 30 };
    const bucketed = { ...plain, bucketBatches: 1000 };
    const key = (batches: SeqBatch[]) =>
      batches
        .flatMap((b) =>
          Array.from({ length: b.size }, (_, r) => `${b.users[r]}:${b.lengths[r]}:${b.targets[r]}`),
        )
        .sort();
    const a = [...trainBatches(split, ex, bucketed, new Rng(5))];
    assert.deepEqual(key(a), key([...trainBatches(split, ex, plain, new Rng(5))]));
    assert.equal(a.length, countTrainBatches(ex, bucketed));
    assert.deepEqual(a, [...trainBatches(split, ex, bucketed, new Rng(5))], "deterministic");
    // One window holds every example: each batch is a run of the sorted lengths,
    // so the padding (longest minus each row) is far below the unbucketed one.
    const padding = (batches: SeqBatch[]) =>
      batches.reduce((sum, b) => {
        const lens = [...b.lengths];
        return sum + lens.reduce((s, l) => s + Math.max(...lens) - l, 0);
      }, 0);
    const plainBatches = [...trainBatches(split, ex, plain, new Rng(5))];
    assert.ok(padding(a) * 5 < padding(plainBatches), `${padding(a)} vs ${padding(plainBatches)}`);
    const order = a.map((b) => Math.min(...b.lengths));
    assert.notDeepEqual(
      order,
      [...order].sort((x, y) => x - y),
      "batches come in a random order, not shortest first",
    );
    const dropped = [...trainBatches(split, ex, { ...bucketed, dropLast: true }, new Rng(5))];
    assert.equal(dropped.length, Math.floor(ex.count / 8));
  });

  test("evaluation batches: history (last maxLength items), target, user, example index", () => {
    const split = leaveOneOut(seqs);
    const batches = [...evalBatches(split.test, { batchSize: 2, maxLength: 3 })];
    assert.deepEqual(
      batches.map((b) => b.size),
      [2, 1],
    );
    const [b0, b1] = batches as [
      SeqBatch & { examples: Int32Array },
      SeqBatch & { examples: Int32Array },
    ];
    assert.deepEqual(row(b0, 0), [3, 2, 4]);
    assert.deepEqual(row(b0, 1), [7, 8, 0]);
    assert.deepEqual([...b0.lengths], [3, 2]);
    assert.deepEqual([...b0.targets], [5, 9]);
    assert.deepEqual([...b0.users], [0, 1]);
    assert.deepEqual([...b0.examples], [0, 1]);
    assert.deepEqual(row(b1, 0), [4, 0, 0]);
    assert.deepEqual([...b1.examples], [2]);
  });

  test("bad batch options are user errors", () => {
    const split = leaveOneOut(seqs);
    assert.throws(
      () => [...evalBatches(split.test, { batchSize: 0, maxLength: 3 })],
      (e: unknown) => isUserError(e) && /batchSize to be a positive integer/.test(e.message),
    );
  });
});
