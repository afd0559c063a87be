import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadArrays } from "../../src/engine/index.js";
import { demure, lastJson, tempDir } from "./helpers.js";

const root = tempDir("diverge");
const data = join(root, "planted");

test("a diverging run (--lr 1e30) exits 1 naming epoch and step, and keeps its last good checkpoint", () => {
  assert.equal(demure(["generate", "planted", "--out", data, "--users", "200"]).code, 0);
  const dir = join(root, "run");
  const r = demure([
    "train",
    "--data",
    data,
    "--model",
    "sasrec",
    "--variant",
    "id",
    "--epochs",
    "2",
    "--lr",
    "1e30",
    "--out",
    dir,
    "--json",
  ]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /training diverged: the (loss|gradient norm) is (NaN|-?Infinity) at epoch 1, step \d+/,
  );
  assert.match(r.stderr, /smaller --lr/);
  const err = lastJson(r.stdout).error as Record<string, unknown>;
  assert.equal(err.code, "diverged");
  assert.equal(existsSync(join(dir, "result.json")), false, "no result from a diverged run");
  // The checkpoint left behind loads: every value in it is finite.
  const { arrays } = loadArrays(join(dir, "resume.params"));
  assert.ok(arrays.size > 0);
  // Nothing downstream can serve NaN scores from it: there is no best.params to load.
  const rec = demure(["recommend", "--run", dir, "--user", "1"]);
  assert.notEqual(rec.code, 0);
});

test("a float_seq value beyond float32 stops training at load with file:line (exit 2)", () => {
  const d = join(root, "huge");
  assert.equal(
    demure(["generate", "planted", "--out", d, "--users", "50", "--items", "30"]).code,
    0,
  );
  writeFileSync(join(d, "huge.vec"), "item_id:token\tvec:float_seq\n1\t1 2\n2\t1e39 0\n");
  const r = demure([
    "train",
    "--data",
    d,
    "--model",
    "gru4rec",
    "--variant",
    "mm",
    "--epochs",
    "1",
  ]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /huge\.vec:3:2: .*beyond float32/);
});
