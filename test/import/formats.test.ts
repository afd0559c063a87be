import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadDataset } from "../../src/data/dataset.js";
import { describeModalities } from "../../src/data/modalities.js";
import { demure, lastJson, tempDir } from "../cli/helpers.js";
import { expectedFiles, makeLog, writeAllFormats } from "./make-log.js";

const COLUMNS = ["--user", "user", "--item", "item", "--time", "ts", "--seq-sep", "|"];
const ITEM_COLS = ["--item-col", "title", "--item-col", "genre", "--item-col", "price"];

test("every format imports to the same bytes, equal to the expected atomic files", async () => {
  const root = tempDir("import-formats");
  const rows = makeLog();
  const files = await writeAllFormats(root, rows);
  const want = expectedFiles(rows);
  for (const [format, file] of Object.entries(files)) {
    const out = join(root, format, "shop");
    const extra = format === "sqlite" ? ["--table", "log"] : [];
    const r = demure(["import", file, "--out", out, ...COLUMNS, ...ITEM_COLS, ...extra, "--json"]);
    assert.equal(r.code, 0, `${format}: ${r.stderr}`);
    const j = lastJson(r.stdout);
    assert.equal(j.format, format);
    assert.equal(j.rows_read, 180);
    assert.equal(j.interactions, 180);
    assert.equal(j.users, 30);
    assert.equal(j.name, "shop");
    const schema = j.schema as { item: { field: string; type: string; inferred: boolean }[] };
    assert.deepEqual(
      schema.item.map((s) => `${s.field}:${s.type}`),
      ["title:token", "genre:token_seq", "price:float"],
      format,
    );
    assert.ok(schema.item.every((s) => s.inferred));
    assert.match(r.stderr, /pin it with: --item-col title:token --item-col genre:token_seq/);
    assert.equal(readFileSync(join(out, "shop.inter"), "utf8"), want.inter, `${format} .inter`);
    assert.equal(readFileSync(join(out, "shop.item"), "utf8"), want.item, `${format} .item`);
  }

  // The imported folder loads exactly like the hand-written one.
  const hand = join(root, "hand", "shop");
  mkdirSync(hand, { recursive: true });
  writeFileSync(join(hand, "shop.inter"), want.inter);
  writeFileSync(join(hand, "shop.item"), want.item);
  const a = await loadDataset(join(root, "parquet", "shop"));
  const b = await loadDataset(hand);
  assert.deepEqual(a.userIds, b.userIds);
  assert.deepEqual(a.itemIds, b.itemIds);
  assert.deepEqual(a.sequences, b.sequences);
  assert.deepEqual(
    a.modalities,
    b.modalities.map((m) => ({
      ...m,
      source: m.source.replace(hand, join(root, "parquet", "shop")),
    })),
  );
  assert.deepEqual(
    describeModalities(a).map((m) => m.name),
    ["title", "genre", "price"],
  );

  // And trains to the same test metrics.
  const cfg = join(root, "c.json");
  writeFileSync(
    cfg,
    JSON.stringify({ dim: 8, batchSize: 64, sasrec: { layers: 1, heads: 1, inner: 16 } }),
  );
  const train = (data: string, run: string) => {
    const r = demure([
      "train",
      "--data",
      data,
      "--model",
      "sasrec",
      "--variant",
      "mm",
      "--epochs",
      "1",
      "--seed",
      "1",
      "--config",
      cfg,
      "--out",
      run,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    return lastJson(r.stdout).test;
  };
  assert.deepEqual(
    train(join(root, "csv", "shop"), join(root, "run-a")),
    train(hand, join(root, "run-b")),
  );
});
