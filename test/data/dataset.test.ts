import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { loadDataset } from "../../src/data/dataset.js";
import { kcoreMask } from "../../src/data/interactions.js";
import { datasetDir, rejectsUserError, tempDir } from "./helpers.js";

const INTER = "user_id:token\titem_id:token\ttimestamp:float\n";

describe("loadDataset: users, items and sequences", () => {
  test("sequences are ordered by timestamp with ties in file order", async () => {
    const dir = datasetDir("toy", {
      "toy.inter": `${INTER}u1\ta\t5\nu2\tb\t1\nu1\tb\t3\nu1\tc\t3\nu1\td\t1\nu2\ta\t1\n`,
    });
    const ds = await loadDataset(dir);
    assert.equal(ds.name, "toy");
    assert.deepEqual(ds.userIds, ["u1", "u2"]);
    assert.deepEqual(ds.itemIds, ["[PAD]", "a", "b", "c", "d"]);
    assert.equal(ds.itemIndex.get("a"), 1);
    assert.equal(ds.userIndex.get("u2"), 1);
    assert.equal(ds.numInteractions, 6);
    const names = (u: number) => [...(ds.sequences[u] as Int32Array)].map((i) => ds.itemIds[i]);
    assert.deepEqual(names(0), ["d", "b", "c", "a"]);
    assert.deepEqual(names(1), ["b", "a"]);
    assert.deepEqual([...(ds.timestamps?.[0] as Float64Array)], [1, 3, 3, 5]);
    assert.ok(ds.sequences[0] instanceof Int32Array);
  });

  test("without a timestamp column the file order is the sequence order", async () => {
    const dir = datasetDir("nots", {
      "nots.inter": "user_id:token\titem_id:token\trating:float\nu\tz\t1\nu\ty\t\nu\tx\t3\n",
    });
    const ds = await loadDataset(dir);
    assert.equal(ds.timestamps, null);
    assert.deepEqual([...(ds.sequences[0] as Int32Array)], [1, 2, 3]);
  });

  test("k-core filtering iterates until users and items all have >= k interactions", async () => {
    // Removing u3 (1 interaction) leaves item c with 1, which then removes u2's c,
    // leaving u2 with 1 interaction, which removes u2's a as well.
    const rows = [
      ["u1", "a"],
      ["u1", "b"],
      ["u4", "a"],
      ["u4", "b"],
      ["u2", "a"],
      ["u2", "c"],
      ["u3", "c"],
    ];
    const inter = `user_id:token\titem_id:token\n${rows.map((r) => r.join("\t")).join("\n")}\n`;
    const ds = await loadDataset(datasetDir("kc", { "kc.inter": inter }), { kcore: 2 });
    assert.deepEqual(ds.userIds, ["u1", "u4"]);
    assert.deepEqual(ds.itemIds, ["[PAD]", "a", "b"]);
    assert.equal(ds.numInteractions, 4);
    assert.ok(ds.notes.some((n) => n.includes("removed 3 interactions")));
    const mask = kcoreMask(
      rows.map((r) => r[0] as string),
      rows.map((r) => r[1] as string),
      2,
    );
    assert.deepEqual([...mask], [1, 1, 1, 1, 0, 0, 0]);
    assert.deepEqual([...kcoreMask(["u"], ["i"], 0)], [1]);
  });

  test(".item-only side data: items missing from .item are tolerated unless strictItems", async () => {
    const files = {
      "s.inter": `${INTER}u\ta\t1\nu\tb\t2\n`,
      "s.item": "item_id:token\tcolor:token\na\tred\nzz\tblue\n",
    };
    const ds = await loadDataset(datasetDir("s", files));
    assert.equal(ds.numItems, 2);
    const color = ds.modalities.find((m) => m.name === "color");
    assert.equal(color?.kind, "token");
    if (color?.kind !== "token") return;
    assert.deepEqual([...color.ids], [0, 1, 0]);
    assert.equal(color.missingCount, 1);
    assert.equal(color.vocab, 1, "tokens of items outside .inter are not in the vocabulary");
    const dir = datasetDir("s", files);
    await rejectsUserError(() => loadDataset(dir, { strictItems: true }), {
      file: join(dir, "s.inter"),
      line: 3,
      column: 2,
      says: 'item id "b" is not in the .item file',
    });
  });
});

describe("loadDataset: errors name the file and line", () => {
  test("missing user_id column in .inter", async () => {
    const dir = datasetDir("m", { "m.inter": "item_id:token\ttimestamp:float\na\t1\n" });
    await rejectsUserError(() => loadDataset(dir), {
      file: join(dir, "m.inter"),
      line: 1,
      says: "missing required column user_id:token",
    });
  });

  test("duplicate item id in .item", async () => {
    const dir = datasetDir("d", {
      "d.inter": `${INTER}u\ta\t1\n`,
      "d.item": "item_id:token\tcolor:token\na\tred\nb\tgreen\na\tblue\n",
    });
    await rejectsUserError(() => loadDataset(dir), {
      file: join(dir, "d.item"),
      line: 4,
      column: 1,
      says: 'duplicate item_id "a" (first on line 2)',
    });
  });

  test("duplicate user id in .user", async () => {
    const dir = datasetDir("d", {
      "d.inter": `${INTER}u\ta\t1\n`,
      "d.user": "user_id:token\tage:token\nu\t3\nu\t4\n",
    });
    await rejectsUserError(() => loadDataset(dir), {
      file: join(dir, "d.user"),
      line: 3,
      column: 1,
      says: 'duplicate user_id "u"',
    });
  });

  test("empty item id and missing timestamp in .inter", async () => {
    const a = datasetDir("e", { "e.inter": `${INTER}u\ta\t1\nu\t\t2\n` });
    await rejectsUserError(() => loadDataset(a), {
      file: join(a, "e.inter"),
      line: 3,
      column: 2,
      says: "expected an item id",
    });
    const b = datasetDir("e", { "e.inter": `${INTER}u\ta\t1\nu\tb\t\n` });
    await rejectsUserError(() => loadDataset(b), {
      file: join(b, "e.inter"),
      line: 3,
      column: 3,
      says: "expected a timestamp",
    });
  });

  test("no NAME.inter in the folder", async () => {
    const dir = datasetDir("none", { "other.inter": INTER });
    await rejectsUserError(() => loadDataset(dir), {
      file: join(dir, "none.inter"),
      says: "expected the interactions file none.inter",
    });
  });

  test("dataset folder that does not exist, or is a file", async () => {
    const missing = join(tempDir(), "ghost");
    await rejectsUserError(() => loadDataset(missing), { file: missing, says: "no such file" });
    const dir = datasetDir("f", { "f.inter": INTER });
    const asFile = join(dir, "f.inter");
    await rejectsUserError(() => loadDataset(asFile), { file: asFile, says: "found a file" });
  });

  test(".kg without .link", async () => {
    const dir = datasetDir("k", {
      "k.inter": `${INTER}u\ta\t1\n`,
      "k.kg": "head_id:token\trelation_id:token\ttail_id:token\ne1\tr\te2\n",
    });
    await rejectsUserError(() => loadDataset(dir), {
      file: join(dir, "k.link"),
      says: "found k.kg but not k.link",
    });
  });

  test(".link with a duplicate item id", async () => {
    const dir = datasetDir("k", {
      "k.inter": `${INTER}u\ta\t1\n`,
      "k.kg": "head_id:token\trelation_id:token\ttail_id:token\ne1\tr\te2\n",
      "k.link": "item_id:token\tentity_id:token\na\te1\nb\te3\na\te4\n",
    });
    await rejectsUserError(() => loadDataset(dir), {
      file: join(dir, "k.link"),
      line: 4,
      column: 1,
      says: 'duplicate item_id "a" (first on line 2)',
    });
  });

  test(".kg missing its relation column", async () => {
    const dir = datasetDir("k", {
      "k.inter": `${INTER}u\ta\t1\n`,
      "k.kg": "head_id:token\ttail_id:token\ne1\te2\n",
      "k.link": "item_id:token\tentity_id:token\na\te1\n",
    });
    await rejectsUserError(() => loadDataset(dir), {
      file: join(dir, "k.kg"),
      line: 1,
      says: "missing required column relation_id:token",
    });
  });

  test("dense side file with an inconsistent dimension", async () => {
    const dir = datasetDir("v", {
      "v.inter": `${INTER}u\ta\t1\nu\tb\t2\n`,
      "v.vec": "item_id:token\temb:float_seq\na\t1 2 3\nb\t1 2\n",
    });
    await rejectsUserError(() => loadDataset(dir), {
      file: join(dir, "v.vec"),
      line: 3,
      column: 2,
      says: "expected 3 values",
    });
  });

  test("a NAME.inter that is a directory", async () => {
    const dir = datasetDir("dd", {});
    mkdirSync(join(dir, "dd.inter"));
    await rejectsUserError(() => loadDataset(dir), {
      file: join(dir, "dd.inter"),
      says: "expected a file, found a directory",
    });
  });
});
