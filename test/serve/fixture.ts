import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { generatePlanted, writePlanted } from "../../src/data/planted.js";
import type { BackboneName } from "../../src/models/backbones/registry.js";
import { resolveConfig } from "../../src/train/config.js";
import { type LoadedRun, loadRun } from "../../src/train/run.js";
import { train } from "../../src/train/trainer.js";

/** A small trained run (planted data) for server tests: Demure or ID-only, SASRec unless another backbone is named. */
export async function trainedRun(
  variant: "demure" | "id",
  model: BackboneName = "sasrec",
): Promise<LoadedRun> {
  const root = mkdtempSync(join(tmpdir(), `demure-serve-${variant}-`));
  const data = join(root, "planted");
  writePlanted(
    data,
    "planted",
    generatePlanted({ users: 80, items: 60, seqLength: [8, 12], seed: 5 }),
  );
  const cfg = resolveConfig({
    data,
    model,
    variant,
    epochs: 2,
    dim: 16,
    batchSize: 64,
    sasrec: { layers: 1, heads: 1, inner: 32 },
    bert4rec: { layers: 1, heads: 1, inner: 32 },
  });
  await train(cfg, join(root, "run"));
  return loadRun(join(root, "run"));
}

/** POST a raw body to /recommendations (by default as JSON). */
export function postRecommendations(
  app: FastifyInstance,
  payload: string,
  type = "application/json",
) {
  return app.inject({
    method: "POST",
    url: "/recommendations",
    payload,
    headers: { "content-type": type },
  });
}
