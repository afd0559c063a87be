import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { generatePlanted, writePlanted } from "../../src/data/planted.js";
import { resolveConfig } from "../../src/train/config.js";
import { train } from "../../src/train/trainer.js";

test("a run interrupted in its first epoch resumes and matches an uninterrupted run", async () => {
  const root = mkdtempSync(join(tmpdir(), "demure-resume0-"));
  const dir = join(root, "planted");
  writePlanted(
    dir,
    "planted",
    generatePlanted({ users: 60, items: 40, seqLength: [8, 10], seed: 4 }),
  );
  const cfg = resolveConfig({
    data: dir,
    model: "sasrec",
    variant: "id",
    epochs: 2,
    dim: 8,
    batchSize: 32,
    sasrec: { layers: 1, heads: 1, inner: 16 },
  });
  const full = await train(cfg, join(root, "full"));
  const stopped = await train(cfg, join(root, "cut"), { shouldStop: () => true });
  assert.equal(stopped.interrupted, true);
  assert.equal(stopped.epochs_run, 0);
  const notes: string[] = [];
  const resumed = await train(cfg, join(root, "cut"), {
    resume: true,
    onNote: (m) => notes.push(m),
  });
  assert.match(notes[0] ?? "", /resuming after epoch 0/);
  assert.deepEqual(resumed.test, full.test);
  assert.equal(resumed.best_epoch, full.best_epoch);
});
