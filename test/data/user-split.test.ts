import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { trainingExamples } from "../../src/data/batches.js";
import { loadDataset } from "../../src/data/dataset.js";
import { generatePlanted, writePlanted } from "../../src/data/planted.js";
import { seenOf } from "../../src/data/split.js";
import {
  assignGroups,
  groupSizes,
  inputLength,
  USER_GROUP,
  type UserSplit,
  userSplit,
} from "../../src/data/user-split.js";
import { Rng } from "../../src/util/rng.js";

/** n users with ids "u0".."u{n-1}", user u's sequence 1..(2 + u % 9). */
function users(n: number): { sequences: Int32Array[]; ids: string[] } {
  const sequences = Array.from({ length: n }, (_, u) =>
    Int32Array.from({ length: 2 + (u % 9) }, (_, k) => k + 1),
  );
  return { sequences, ids: sequences.map((_, u) => `u${u}`) };
}

/** Per user id: its group, and for held-out users the input and targets. */
function byId(split: UserSplit, ids: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  ids.forEach((id, u) => {
    out.set(id, `group ${split.groups[u]} train ${[...split.train[u]!]}`);
  });
  for (const set of [split.valid, split.test]) {
    set.users.forEach((u, e) => {
      const id = ids[u]!;
      out.set(id, `${out.get(id)} in ${[...set.histories[e]!]} out ${[...set.targets[e]!]}`);
    });
  }
  return out;
}

describe("user split (ComiRec)", () => {
  test("8:1:1 as ComiRec cuts it: ⌊0.8 n⌋, ⌊0.9 n⌋ − ⌊0.8 n⌋, the rest", () => {
    assert.deepEqual(groupSizes(100), { train: 80, valid: 10, test: 10 });
    assert.deepEqual(groupSizes(7), { train: 5, valid: 1, test: 1 });
    assert.deepEqual(groupSizes(943), { train: 754, valid: 94, test: 95 });
    assert.deepEqual(groupSizes(1), { train: 0, valid: 0, test: 1 });
    const { sequences, ids } = users(1000);
    const split = userSplit(sequences, ids, 1);
    const count = (g: number) => split.groups.filter((x) => x === g).length;
    assert.equal(count(USER_GROUP.train), 800);
    assert.equal(count(USER_GROUP.valid), 100);
    assert.equal(count(USER_GROUP.test), 100);
    assert.equal(split.valid.size, 100);
    assert.equal(split.test.size, 100);
  });

  test("the parts are disjoint: held-out users never train, training users are never evaluated", () => {
    const { sequences, ids } = users(200);
    const split = userSplit(sequences, ids, 3);
    const valid = new Set(split.valid.users);
    const test = new Set(split.test.users);
    for (let u = 0; u < 200; u++) {
      const g = split.groups[u];
      assert.equal(valid.has(u), g === USER_GROUP.valid);
      assert.equal(test.has(u), g === USER_GROUP.test);
      if (g === USER_GROUP.train) assert.deepEqual(split.train[u], sequences[u], "whole sequence");
      else assert.equal(split.train[u]!.length, 0);
    }
    // Training examples: every prefix of every training user's whole sequence.
    let expected = 0;
    for (let u = 0; u < 200; u++)
      if (split.groups[u] === USER_GROUP.train) expected += sequences[u]!.length - 1;
    assert.equal(trainingExamples(split).count, expected);
  });

  test("deterministic in splitSeed, and another seed draws other users", () => {
    const { sequences, ids } = users(300);
    assert.deepEqual(userSplit(sequences, ids, 5), userSplit(sequences, ids, 5));
    assert.notDeepEqual(assignGroups(ids, 5), assignGroups(ids, 6));
  });

  test("independent of the order users come in: the draw goes by user id", () => {
    const { sequences, ids } = users(250);
    const perm = Int32Array.from({ length: 250 }, (_, u) => u);
    new Rng(9).shuffle(perm);
    const shuffledSeqs = Array.from(perm, (u) => sequences[u]!);
    const shuffledIds = Array.from(perm, (u) => ids[u]!);
    assert.deepEqual(
      byId(userSplit(shuffledSeqs, shuffledIds, 2), shuffledIds),
      byId(userSplit(sequences, ids, 2), ids),
    );
  });

  test("the rows of the .inter file can come in any order", async () => {
    const root = mkdtempSync(join(tmpdir(), "demure-usersplit-"));
    const a = join(root, "a", "planted");
    const b = join(root, "b", "planted");
    const data = generatePlanted({ users: 80, items: 40, seqLength: [5, 9], seed: 4 });
    writePlanted(a, "planted", data);
    writePlanted(b, "planted", data);
    const inter = join(b, "planted.inter");
    const [header, ...rows] = readFileSync(inter, "utf8").trim().split("\n");
    const perm = Int32Array.from(rows, (_, i) => i);
    new Rng(1).shuffle(perm);
    writeFileSync(inter, `${[header, ...Array.from(perm, (i) => rows[i])].join("\n")}\n`);
    const dsA = await loadDataset(a);
    const dsB = await loadDataset(b);
    assert.notDeepEqual(dsA.userIds, dsB.userIds, "the shuffle changed the user order");
    // Items are indexed by first appearance too: compare raw ids.
    const raw = (ds: typeof dsA) => {
      const split = userSplit(ds.sequences, ds.userIds, 1);
      const items = (xs: ArrayLike<number>) => Array.from(xs, (i) => ds.itemIds[i]);
      const out = new Map<string, string>();
      ds.userIds.forEach((id, u) => {
        out.set(id, JSON.stringify([split.groups[u], items(split.train[u]!)]));
      });
      for (const set of [split.valid, split.test])
        set.users.forEach((u, e) => {
          const id = ds.userIds[u]!;
          const cut = [items(set.histories[e]!), items(set.targets[e]!).sort()];
          out.set(id, `${out.get(id)} ${JSON.stringify(cut)}`);
        });
      return out;
    };
    assert.deepEqual(raw(dsB), raw(dsA));
  });

  test("a held-out history: the first ⌊0.8 n⌋ items are the input, the distinct rest the targets", () => {
    for (let n = 2; n <= 40; n++) {
      const k = inputLength(n);
      assert.equal(k, Math.floor(0.8 * n + 1e-9), `n = ${n}`);
      assert.ok(k >= 1 && n - k >= 1, `n = ${n}: input ${k}, targets ${n - k}`);
    }
    assert.deepEqual([2, 5, 10, 11].map(inputLength), [1, 4, 8, 8]);
    // Every user has the same sequence, so every held-out user shows the cut.
    const seq = Int32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 2, 9, 9, 10, 10); // n = 13: input 10, targets 3
    const split = userSplit(
      Array.from({ length: 30 }, () => seq),
      Array.from({ length: 30 }, (_, u) => String(u)),
      1,
    );
    for (const set of [split.valid, split.test]) {
      assert.equal(set.size, 3);
      for (let e = 0; e < set.size; e++) {
        assert.deepEqual([...set.histories[e]!], [1, 2, 3, 4, 5, 6, 7, 8, 2, 9]);
        assert.deepEqual([...seenOf(set, e)], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        // 9 and 10 repeat after the cut: distinct targets; 9 is also in the input and stays.
        assert.deepEqual([...set.targets[e]!], [9, 10]);
      }
    }
  });

  test("held-out users with fewer than 2 interactions are skipped and counted", () => {
    const sequences = Array.from({ length: 40 }, (_, u) =>
      u % 2 === 0 ? Int32Array.of(1) : Int32Array.of(1, 2, 3),
    );
    const ids = sequences.map((_, u) => `user${u}`);
    const split = userSplit(sequences, ids, 1);
    const short = (g: number) =>
      sequences.filter((s, u) => s.length < 2 && split.groups[u] === g).length;
    const heldShort = { valid: short(USER_GROUP.valid), test: short(USER_GROUP.test) };
    assert.deepEqual(split.skipped, heldShort);
    assert.ok(split.skipped.valid + split.skipped.test > 0, "the draw held some short users out");
    assert.equal(split.valid.size + split.skipped.valid, 4);
    assert.equal(split.test.size + split.skipped.test, 4);
    for (const set of [split.valid, split.test])
      for (const u of set.users) assert.equal(sequences[u]!.length, 3);
  });
});

test("other data keeps the run's user groups: a trained user is never tested, an unseen one is", () => {
  const run = users(50);
  const drawn = assignGroups(run.ids, 3);
  // Other data: a subset of the run's users in another order, plus two users the run never saw.
  const keep = run.ids.filter((_, u) => u % 3 !== 0).reverse();
  const ids = [...keep, "new-a", "new-b"];
  const sequences = ids.map(() => Int32Array.of(1, 2, 3, 4, 5));
  const split = userSplit(sequences, ids, 3, run.ids);
  const heldOut = new Set([...split.valid.users, ...split.test.users].map((u) => ids[u]));
  const tested = new Set([...split.test.users].map((u) => ids[u]));
  ids.forEach((id, u) => {
    const r = run.ids.indexOf(id);
    if (r < 0) {
      assert.ok(tested.has(id), `${id} is unknown to the run, so it is a test user`);
      return;
    }
    const trained = drawn[r] === USER_GROUP.train;
    assert.equal(
      split.train[u]!.length > 0,
      trained,
      `${id}: trains exactly when the run trained on it`,
    );
    assert.equal(heldOut.has(id), !trained, `${id}: held out exactly when the run held it out`);
  });
  // Without the run's users the draw over this subset differs, which is the leak this prevents.
  const fresh = userSplit(sequences, ids, 3);
  assert.notDeepEqual(
    fresh.train.map((t) => t.length > 0),
    split.train.map((t) => t.length > 0),
  );
});
