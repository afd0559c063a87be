import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { trainBatches, trainingExamples } from "../../src/data/batches.js";
import { loadDataset } from "../../src/data/dataset.js";
import { generatePlanted, writePlanted } from "../../src/data/planted.js";
import { leaveOneOut } from "../../src/data/split.js";
import { DemureRecommender } from "../../src/demure/recommender.js";
import { noGrad, withBufferPool } from "../../src/engine/index.js";
import { BACKBONE_NAMES } from "../../src/models/backbones/registry.js";
import { SampledSoftmax } from "../../src/models/rec-loss.js";
import { SequentialRecommender } from "../../src/models/recommender.js";
import { readConfigFile, resolveConfig, resolveRunConfig } from "../../src/train/config.js";
import { buildModel } from "../../src/train/model.js";
import { isUserError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";
import { repoRoot } from "../data/helpers.js";

describe("config: keys only the sampled loss reads", () => {
  test("negatives or sampler beside another loss is an error naming the key (it would be ignored)", () => {
    for (const [input, key] of [
      [{ negatives: 10 }, "negatives"],
      [{ loss: "inbatch", negatives: 10 }, "negatives"],
      [{ sampler: "uniform" }, "sampler"],
      [{ loss: "inbatch", sampler: "log-uniform" }, "sampler"],
    ] as const) {
      assert.throws(
        () => resolveConfig({ data: "d", ...input }),
        (e: unknown) =>
          isUserError(e) && e.message.includes(`${key}: only loss "sampled" reads ${key}`),
      );
    }
  });

  test("with the sampled loss they resolve; more negatives than items is fine (drawn with replacement)", () => {
    const c = resolveConfig({ data: "d", loss: "sampled", negatives: 500000, sampler: "uniform" });
    assert.equal(c.negatives, 500000);
    assert.equal(c.sampler, "uniform");
    const d = resolveConfig({ data: "d" });
    assert.equal(d.loss, "ce");
    assert.equal(d.negatives, null);
    assert.equal(d.sampler, null);
  });

  test("a run's saved config from before the rule (sampler beside ce, then the default) still loads", () => {
    const saved = { data: "d", loss: "ce", negatives: null, sampler: "log-uniform" };
    assert.throws(() => resolveConfig(saved), /sampler: only loss "sampled"/);
    const c = resolveRunConfig(saved, "config.json");
    assert.equal(c.loss, "ce");
    assert.equal(c.sampler, null);
    const sampled = resolveRunConfig({ ...saved, loss: "sampled", negatives: 7 }, "config.json");
    assert.equal(sampled.negatives, 7);
    assert.equal(sampled.sampler, "log-uniform");
  });

  test("configs/comirec.yaml resolves to ComiRec's setting", () => {
    const file = join(repoRoot(), "configs", "comirec.yaml");
    const c = resolveConfig({ ...readConfigFile(file), data: "d" }, file);
    assert.equal(c.protocol, "user-split");
    assert.equal(c.loss, "sampled");
    assert.equal(c.negatives, 10 * c.batchSize);
    assert.equal(c.batchSize, 128);
    assert.equal(c.sampler, "log-uniform");
    assert.equal(c.dim, 64);
    assert.equal(c.maxLength, 20);
    assert.equal(c.lr, 0.001);
  });
});

/** A small planted dataset (modalities included) and its split. */
async function planted() {
  const dir = join(mkdtempSync(join(tmpdir(), "demure-losses-")), "planted");
  writePlanted(
    dir,
    "planted",
    generatePlanted({ users: 40, items: 30, seqLength: [8, 10], seed: 3 }),
  );
  const ds = await loadDataset(dir);
  const split = leaveOneOut(ds.sequences);
  const batch = trainBatches(
    split,
    trainingExamples(split),
    { batchSize: 16, maxLength: 10 },
    new Rng(1),
  ).next().value!;
  return { dir, ds, split, batch };
}

test("every registered backbone, ID and Demure, takes a finite step with each loss", async () => {
  const { dir, ds, split, batch } = await planted();
  for (const model of BACKBONE_NAMES) {
    for (const variant of ["id", "demure"] as const) {
      for (const loss of ["sampled", "inbatch"] as const) {
        const what = `${model} ${variant} ${loss}`;
        const cfg = resolveConfig({
          data: dir,
          model,
          variant,
          loss,
          ...(loss === "sampled" ? { negatives: 20 } : {}),
          dim: 8,
          maxLength: 10,
          sasrec: { layers: 1, heads: 1, inner: 16 },
        });
        const m = buildModel(ds, cfg, new Rng(7), new Rng(8), { trainSequences: split.train });
        withBufferPool(() => {
          const l = m.loss(batch);
          assert.ok(Number.isFinite(l.item()) && l.item() > 0, `${what}: loss ${l.item()}`);
          l.backward();
          const moved = m.params().filter((p) => p.grad?.some((g) => g !== 0)).length;
          assert.ok(moved > 0, `${what}: no parameter got a gradient`);
        });
        // Built for inference (no counts): it ranks, and the log-uniform and in-batch losses refuse to train.
        const served = buildModel(ds, cfg, new Rng(7), new Rng(8));
        assert.equal(noGrad(() => served.scoreAll(batch)).length, batch.size * (ds.numItems + 1));
        assert.throws(() => served.loss(batch), /training counts/, what);
      }
    }
  }
});

test("the negatives come from the re-seeded dropout stream: a re-run epoch draws the same ones", async () => {
  const { dir, ds, split, batch } = await planted();
  for (const variant of ["id", "demure"] as const) {
    const cfg = resolveConfig({ data: dir, variant, loss: "sampled", negatives: 50, dim: 8 });
    const dropout = new Rng(0);
    const m = buildModel(ds, cfg, new Rng(7), dropout, { trainSequences: split.train });
    const loss =
      m instanceof DemureRecommender || m instanceof SequentialRecommender ? m.recLoss : null;
    assert.ok(loss instanceof SampledSoftmax && loss.sampler?.kind === "log-uniform");
    const draws = () => {
      dropout.reseed(1234); // what the trainer does at the start of every epoch
      withBufferPool(() => m.loss(batch));
      const first = loss.lastNegatives!;
      withBufferPool(() => m.loss(batch));
      return [first, loss.lastNegatives!];
    };
    const [a1, a2] = draws();
    const [b1, b2] = draws();
    assert.deepEqual(b1, a1);
    assert.deepEqual(b2, a2);
    assert.notDeepEqual(a2, a1, "each batch draws afresh");
    assert.ok(a1!.every((i) => i >= 1 && i <= ds.numItems));
  }
});
