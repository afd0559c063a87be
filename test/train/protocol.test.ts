import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SeqBatch } from "../../src/data/batches.js";
import { seenOf } from "../../src/data/split.js";
import { userSplit } from "../../src/data/user-split.js";
import type { Tensor } from "../../src/engine/index.js";
import { evaluateMultiTarget } from "../../src/eval/multi-target.js";
import type { Recommender } from "../../src/models/recommender.js";
import { PROTOCOLS, protocolSplit, reportedMetrics } from "../../src/train/protocol.js";
import { UserError } from "../../src/util/errors.js";

const numItems = 30;

/** Scores item j of a row by ((j × (last item + 3)) mod 31): fixed, history-dependent, no learning. */
function fakeModel(): Recommender {
  return {
    numItems,
    params: () => [],
    loss: (): Tensor => {
      throw new Error("not trained");
    },
    scoreAll(batch: SeqBatch): Float32Array {
      const out = new Float32Array(batch.size * (numItems + 1));
      for (let b = 0; b < batch.size; b++) {
        const last = batch.items[b * batch.maxLength + batch.lengths[b] - 1]!;
        for (let j = 1; j <= numItems; j++) out[b * (numItems + 1) + j] = (j * (last + 3)) % 31;
      }
      return out;
    },
  };
}

/** 60 users "u0".., sequences of 1 to 12 items (user 0 has a single interaction). */
function data() {
  const sequences = Array.from({ length: 60 }, (_, u) =>
    Int32Array.from({ length: 1 + (u % 12) }, (_, k) => 1 + ((u * 7 + k * 5) % numItems)),
  );
  return { sequences, userIds: sequences.map((_, u) => `u${u}`) };
}

const opts = { batchSize: 7, maxLength: 5, excludeHistory: true };

describe("protocol: the split and the metrics a config asks for", () => {
  test("user-split: ComiRec's split, the eight reported metrics, early stopping on recall@50", () => {
    const ds = data();
    const split = protocolSplit({ protocol: "user-split", splitSeed: 3 }, ds);
    assert.equal(split.selection, "recall@50");
    const direct = userSplit(ds.sequences, ds.userIds, 3);
    assert.deepEqual(split.train, direct.train);
    const r = split.evaluate(fakeModel(), "test", opts);
    // The same as ranking the test set directly, input items excluded, only the last 5 fed to the model.
    const want = evaluateMultiTarget({
      numItems,
      users: direct.test.users,
      targets: direct.test.targets,
      history: (e) => seenOf(direct.test, e),
      scoreBatch: (rows) =>
        fakeModel().scoreAll({
          size: rows.length,
          maxLength: 1,
          items: Int32Array.from(rows, (e) => direct.test.histories[e].at(-1)!),
          lengths: new Int32Array(rows.length).fill(1),
          targets: new Int32Array(rows.length),
          users: new Int32Array(rows.length),
        }),
    });
    assert.deepEqual(r.metrics, want.metrics);
    assert.deepEqual(Object.keys(reportedMetrics("user-split", r.metrics)), [
      ...PROTOCOLS["user-split"].reported,
    ]);
    const perUser = r.perRow("ndcg_comirec@20");
    const mean = perUser.reduce((s, x) => s + x, 0) / perUser.length;
    assert.ok(Math.abs(mean - r.metrics["ndcg_comirec@20"]!) < 1e-12);
    assert.equal(split.checkMetric(" Recall@50"), "recall@50");
    assert.throws(() => split.checkMetric("hr@10"), UserError);
  });

  test("user-split: a held-out user with a single interaction is skipped, with a note", () => {
    const ds = data();
    // Find a seed that holds user 0 (one interaction) out.
    let seed = 0;
    while (userSplit(ds.sequences, ds.userIds, seed).groups[0] === 0) seed++;
    const split = protocolSplit({ protocol: "user-split", splitSeed: seed }, ds);
    assert.equal(split.notes.length, 1);
    assert.match(split.notes[0]!, /fewer than 2 interactions .* skipped/);
  });

  test("splitSeed decides the split, the same split for any training seed", () => {
    const ds = data();
    const a = protocolSplit({ protocol: "user-split", splitSeed: 1 }, ds);
    const b = protocolSplit({ protocol: "user-split", splitSeed: 1 }, ds);
    const c = protocolSplit({ protocol: "user-split", splitSeed: 2 }, ds);
    assert.deepEqual(a.key("test"), b.key("test"));
    assert.notDeepEqual(a.key("test"), c.key("test"));
  });

  test("loo: leave-one-out, HR/NDCG/MRR, early stopping on ndcg@10; short users in a note", () => {
    const split = protocolSplit({ protocol: "loo", splitSeed: 1 }, data());
    assert.equal(split.selection, "ndcg@10");
    const r = split.evaluate(fakeModel(), "test", opts);
    assert.deepEqual(Object.keys(reportedMetrics("loo", r.metrics)), [...PROTOCOLS.loo.reported]);
    assert.match(
      split.notes[0]!,
      /^leave-one-out: 10 users with fewer than 3 interactions have no validation example \(5 of them/,
    );
    assert.throws(() => split.checkMetric("recall@50"), /under protocol loo/);
  });
});
