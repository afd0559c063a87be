import assert from "node:assert/strict";
import { cpSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Rng } from "../../src/util/rng.js";
import { demure, lastJson, tempDir } from "./helpers.js";

const root = tempDir("selfcontained");
const data = join(root, "planted");
const run = join(root, "run");

/** The same rows in another order (header first). */
function shuffleRows(path: string, seed: number): void {
  const [header, ...rows] = readFileSync(path, "utf8").trimEnd().split("\n");
  const rng = new Rng(seed);
  for (let i = rows.length - 1; i > 0; i--) {
    const j = rng.nextU32() % (i + 1);
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  writeFileSync(path, `${[header, ...rows].join("\n")}\n`);
}

function evaluate(args: string[]): {
  test: Record<string, number>;
  json: Record<string, unknown>;
  stderr: string;
} {
  const r = demure(["evaluate", "--run", run, ...args, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const json = lastJson(r.stdout);
  return { test: json.test as Record<string, number>, json, stderr: r.stderr };
}

function assertSameMetrics(a: Record<string, number>, b: Record<string, number>): void {
  assert.deepEqual(Object.keys(a), Object.keys(b));
  for (const k of Object.keys(a))
    assert.ok(Math.abs(a[k]! - b[k]!) < 1e-12, `${k}: ${a[k]} vs ${b[k]}`);
}

test("a run keeps its data: shuffled rows give the same metrics, the folder can move, new files do not matter", () => {
  const gen = demure(["generate", "planted", "--out", data, "--users", "300", "--seed", "4"]);
  assert.equal(gen.code, 0, gen.stderr);
  const args = [
    "--model",
    "gru4rec",
    "--variant",
    "mm",
    "--epochs",
    "2",
    "--noise-modalities",
    "1",
  ];
  const t = demure(["train", "--data", data, ...args, "--out", run, "--json"]);
  assert.equal(t.code, 0, t.stderr);
  const trained = lastJson(t.stdout).test as Record<string, number>;
  const base = evaluate([]).test;
  assertSameMetrics(base, trained);

  // The same interactions and items, rows shuffled: item numbering by first appearance changes.
  const shuffled = join(root, "shuffled", "planted");
  cpSync(data, shuffled, { recursive: true });
  shuffleRows(join(shuffled, "planted.inter"), 1);
  shuffleRows(join(shuffled, "planted.item"), 2);
  assert.notEqual(
    readFileSync(join(shuffled, "planted.inter"), "utf8"),
    readFileSync(join(data, "planted.inter"), "utf8"),
  );
  const onShuffled = evaluate(["--data", shuffled]);
  assertSameMetrics(onShuffled.test, base);
  const mapping = onShuffled.json.data_mapping as Record<string, number>;
  assert.equal(mapping.unknown_items, 0);
  assert.equal(mapping.mapped_interactions, mapping.interactions);

  // A dense side file added to the data folder later, then the folder moved away.
  writeFileSync(join(data, "planted.textemb"), "item_id:token\tv:float_seq\n1\t1 2 3\n");
  assertSameMetrics(evaluate([]).test, base);
  renameSync(data, join(root, "moved"));
  assertSameMetrics(evaluate([]).test, base);
  const rec = demure(["recommend", "--run", run, "--user", "1", "--json"]);
  assert.equal(rec.code, 0, rec.stderr);
  renameSync(join(root, "moved"), data);
  rmSync(join(data, "planted.textemb"));
});

test("evaluating on other data maps items by id and says what it could not map", () => {
  const other = join(root, "other", "planted");
  cpSync(data, other, { recursive: true });
  const inter = join(other, "planted.inter");
  writeFileSync(inter, `${readFileSync(inter, "utf8")}1\tnew-item\t9999\n2\tother-new\t9999\n`);
  const r = evaluate(["--data", other]);
  const mapping = r.json.data_mapping as Record<string, unknown>;
  assert.equal(mapping.unknown_items, 2);
  assert.equal((mapping.interactions as number) - (mapping.mapped_interactions as number), 2);
  assert.deepEqual(mapping.unknown_examples, ["new-item", "other-new"]);
  assert.match(
    r.stderr,
    /dropped 2 with 2 item ids the run was not trained on \(e\.g\. "new-item", "other-new"\)/,
  );
});

test("a run from before snapshots still loads from its data folder, with a warning; without it, a clear refusal", () => {
  const old = join(root, "old");
  cpSync(run, old, { recursive: true });
  rmSync(join(old, "data.snapshot"));
  const r = demure(["evaluate", "--run", old, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /predates self-contained runs/);
  // The very failure snapshots prevent, now explained rather than raw.
  writeFileSync(join(data, "planted.textemb"), "item_id:token\tv:float_seq\n1\t1 2 3\n");
  const changed = demure(["evaluate", "--run", old]);
  assert.equal(changed.code, 2);
  assert.match(
    changed.stderr,
    /must be exactly as at training \(it has changed\): retrain the run/,
  );
  rmSync(join(data, "planted.textemb"));
  renameSync(data, join(root, "gone"));
  const refused = demure(["evaluate", "--run", old]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /is not there; retrain it/);
  renameSync(join(root, "gone"), data);
});
