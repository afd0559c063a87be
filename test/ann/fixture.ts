import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generatePlanted, writePlanted } from "../../src/data/planted.js";
import { resolveConfig } from "../../src/train/config.js";
import { train } from "../../src/train/trainer.js";

/**
 * A small Demure SASRec run on planted data with `items` items: its folder,
 * and a second one trained from another seed (what "retrained" looks like).
 */
export async function trainedRuns(items: number, variant: "demure" | "id" = "demure") {
  const root = mkdtempSync(join(tmpdir(), `demure-ann-${variant}-`));
  const data = join(root, "planted");
  writePlanted(
    data,
    "planted",
    generatePlanted({ users: 400, items, seqLength: [8, 12], seed: 5 }),
  );
  const cfg = (seed: number) =>
    resolveConfig({
      data,
      model: "sasrec",
      variant,
      epochs: 2,
      dim: 16,
      batchSize: 64,
      seed,
      sasrec: { layers: 1, heads: 1, inner: 32 },
    });
  await train(cfg(1), join(root, "run"));
  await train(cfg(2), join(root, "other"));
  return { root, run: join(root, "run"), other: join(root, "other") };
}

/** A copy of `dir` at `to`. */
export function copyRun(dir: string, to: string): string {
  cpSync(dir, to, { recursive: true });
  return to;
}
