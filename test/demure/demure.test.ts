import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { trainBatches, trainingExamples } from "../../src/data/batches.js";
import { type Dataset, loadDataset } from "../../src/data/dataset.js";
import { generatePlanted, writePlanted } from "../../src/data/planted.js";
import { leaveOneOut } from "../../src/data/split.js";
import { explainUser, explanationText } from "../../src/demure/explain.js";
import { modalityDiscrimination, pseudoLabels } from "../../src/demure/losses.js";
import { PoiEstimator, randomPairCosine } from "../../src/demure/poi-estimator.js";
import { poiWeights } from "../../src/demure/poi-report.js";
import { summarizePoi, summaryText } from "../../src/demure/poi-summary.js";
import { DemureRecommender } from "../../src/demure/recommender.js";
import { sum, tensor } from "../../src/engine/index.js";
import { resolveConfig } from "../../src/train/config.js";
import { buildModel } from "../../src/train/model.js";
import { loadRun } from "../../src/train/run.js";
import { readEpochs } from "../../src/train/run-dir.js";
import { train } from "../../src/train/trainer.js";
import { Rng } from "../../src/util/rng.js";
import { gradcheck, randParam } from "../engine/gradcheck.js";

describe("POI estimator", () => {
  test("gradients of π with respect to the modality views and every parameter", () => {
    const rng = new Rng(3);
    const [b, l, d, M] = [2, 4, 3, 3];
    const est = new PoiEstimator(
      { modalities: M, dim: d, hidden: 4, gate: "softmax", tauPi: 0.7, surprise: 0.5 },
      rng,
    );
    // The views of a 5-item catalogue (row 0: padding); item 3 appears twice in row 1.
    const views = Array.from({ length: M }, () => randParam([6, d], rng));
    const items = Int32Array.from([1, 2, 4, 0, 3, 5, 3, 2]);
    // Row 0 has 3 real items, row 1 has 4; modality 2 is missing for one item.
    const masks = Array.from({ length: M }, (_, m) =>
      Uint8Array.from([1, 1, 1, 0, 1, m === 2 ? 0 : 1, 1, 1]),
    );
    const baselines = Float64Array.of(0.1, 0, -0.05);
    const params = est.params();
    for (const p of params) for (let i = 0; i < p.size; i++) p.data[i] = rng.uniform() - 0.5;
    const prior = Float32Array.of(0.3, -1, 0, 0, 0.8, -0.2);
    gradcheck(
      (xs) => est.forward(xs.slice(0, M), items, [b, l], masks, baselines, prior).pi,
      [...views, ...params],
      {
        eps: 3e-3,
      },
    );
  });
  test("π is a distribution over modalities per user", () => {
    const rng = new Rng(4);
    const est = new PoiEstimator(
      { modalities: 4, dim: 5, hidden: 6, gate: "softmax", tauPi: 1, surprise: 0 },
      rng,
    );
    const views = Array.from({ length: 4 }, () => randParam([10, 5], rng));
    const items = Int32Array.from({ length: 18 }, (_, i) => 1 + ((i * 7) % 9));
    const masks = Array.from({ length: 4 }, () => new Uint8Array(18).fill(1));
    const pi = est.forward(views, items, [3, 6], masks, new Float64Array(4)).pi;
    const rows = sum(pi, 1).data;
    for (const r of rows) assert.ok(Math.abs(r - 1) < 1e-5);
  });
  test("the random-pair cosine baseline is the mean cosine over distinct present items", () => {
    const rng = new Rng(9);
    const [rows, d] = [40, 7];
    const view = randParam([rows, d], rng);
    const present = Float32Array.from({ length: rows }, (_, i) => (i % 3 === 1 ? 0 : 1));
    const v = view.data;
    const cos = (i: number, j: number) => {
      let dot = 0;
      let ni = 0;
      let nj = 0;
      for (let k = 0; k < d; k++) {
        dot += v[i * d + k]! * v[j * d + k]!;
        ni += v[i * d + k]! ** 2;
        nj += v[j * d + k]! ** 2;
      }
      return dot / Math.sqrt(ni * nj);
    };
    let total = 0;
    let pairs = 0;
    for (let i = 1; i < rows; i++)
      for (let j = 1; j < rows; j++)
        if (i !== j && present[i] && present[j]) {
          total += cos(i, j);
          pairs++;
        }
    assert.ok(Math.abs(randomPairCosine(view, present) - total / pairs) < 1e-6);
    assert.equal(randomPairCosine(view, new Float32Array(rows)), 0, "fewer than two items: 0");
  });
});

describe("pseudo-labels", () => {
  test("the modality whose summary predicts the next item best gets the label mass", () => {
    // Two users, three modalities: per-user InfoNCE losses l_u^m. Modality 1 is
    // obviously predictive for user 0 (low loss), modality 2 for user 1.
    const perRow = Float32Array.of(2.3, 0.1, 2.2, 2.0, 2.4, 0.3);
    const y = pseudoLabels(perRow, 2, 3, 0.5);
    assert.ok(y[1]! > 0.9 && y[5]! > 0.9, `labels ${Array.from(y)}`);
    assert.ok(Math.abs(y[0]! + y[1]! + y[2]! - 1) < 1e-6);
    // Hotter temperature: softer labels, same order.
    const soft = pseudoLabels(perRow, 2, 3, 5);
    assert.ok(soft[1]! < y[1]! && soft[1]! > soft[0]! && soft[1]! > soft[2]!);
  });

  test("conditional criterion: what each modality adds beside the others, from the same logits", () => {
    // Three users (rows = targets). Modality 0 points each user at his own
    // target, modality 1 is the same for every item (uninformative), modality
    // 2 points each user at the next user's target (misleading).
    const b = 3;
    const onehot = (k: number) => Array.from({ length: b }, (_, j) => (j === k ? 1 : 0.01));
    const summaries = [
      tensor(Float32Array.from([0, 1, 2].flatMap(onehot)), [b, b]),
      tensor(new Float32Array(b * b).fill(1), [b, b]),
      tensor(Float32Array.from([1, 2, 0].flatMap(onehot)), [b, b]),
    ];
    const positives = [0, 1, 2].map(() =>
      tensor(Float32Array.from([0, 1, 2].flatMap(onehot)), [b, b]),
    );
    positives[1] = tensor(new Float32Array(b * b).fill(1), [b, b]);
    const tau = 0.5;
    const { perRow, conditional: c } = modalityDiscrimination(
      summaries,
      positives,
      tau,
      "conditional",
    );
    const conditional = c!;
    assert.equal(modalityDiscrimination(summaries, positives, tau).conditional, null);
    // Hand computation: logits_m(u, j) = cos(s_u^m, e_j^m) / tau; InfoNCE per row.
    const cos = (x: number[], y: number[]) =>
      x.reduce((a, v, k) => a + v * y[k]!, 0) / Math.hypot(...x) / Math.hypot(...y);
    const rows = (t: ReturnType<typeof tensor>) =>
      [0, 1, 2].map((u) => Array.from(t.data.subarray(u * b, u * b + b)));
    const logits = summaries.map((s, m) =>
      rows(s).map((su) => rows(positives[m]!).map((ej) => cos(su, ej) / tau)),
    );
    const ce = (row: number[], u: number) =>
      Math.log(row.reduce((a, v) => a + Math.exp(v), 0)) - row[u]!;
    const joint = (skip: number) =>
      [0, 1, 2].map((u) =>
        [0, 1, 2].map((j) => logits.reduce((a, l, m) => a + (m === skip ? 0 : l[u][j]!), 0)),
      );
    for (let u = 0; u < b; u++) {
      for (let m = 0; m < 3; m++) {
        assert.ok(Math.abs(perRow[u * 3 + m]! - ce(logits[m][u]!, u)) < 1e-4);
        const expected = ce(joint(-1)[u]!, u) - ce(joint(m)[u]!, u);
        assert.ok(Math.abs(conditional[u * 3 + m]! - expected) < 1e-4, `u ${u} m ${m}`);
      }
      // Predictive adds (negative), uninformative adds nothing, misleading hurts.
      assert.ok(conditional[u * 3]! < -0.1);
      assert.ok(Math.abs(conditional[u * 3 + 1]!) < 1e-5);
      assert.ok(conditional[u * 3 + 2]! > 0.1);
    }
  });
});

test("a small planted run: Demure recovers the planted POI (POI-AUC > 0.9) and explain names them first", async () => {
  const root = mkdtempSync(join(tmpdir(), "demure-poi-"));
  const dir = join(root, "planted");
  const data = generatePlanted({ users: 200, items: 200, seed: 2 });
  writePlanted(dir, "planted", data);
  const cfg = resolveConfig({
    data: dir,
    model: "sasrec",
    variant: "demure",
    epochs: 4,
    dim: 32,
    batchSize: 64,
    lr: 0.003,
    seed: 2,
    sasrec: { layers: 1, heads: 1, inner: 64, hiddenDropout: 0.2, attnDropout: 0.2 },
  });
  const r = await train(cfg, join(root, "run"));
  assert.ok(r.poi_auc !== undefined && r.poi_auc > 0.9, `POI-AUC ${r.poi_auc}`);

  const run = await loadRun(join(root, "run"));
  assert.ok(run.model instanceof DemureRecommender);
  const M = data.numModalities;
  let firstIsPoi = 0;
  for (let u = 0; u < 20; u++) {
    const e = explainUser(run.model, run.dataset, String(u + 1), cfg.maxLength);
    const top = e.modalities.find((m) => m.modality !== "id")!;
    const m = Number(top.modality.slice(1));
    firstIsPoi += data.isPoi[u * M + m]!;
  }
  assert.ok(firstIsPoi >= 18, `explain named a planted POI first for ${firstIsPoi} of 20 users`);

  // explain --all: every user's weights, summarised per modality, as explain gives them one by one.
  const summary = summarizePoi(run.model, run.dataset, cfg.maxLength);
  assert.equal(summary.users, 200);
  const names = run.model.modalityNames;
  const mean = new Map(names.map((n) => [n, 0]));
  const top = new Map(names.map((n) => [n, 0]));
  for (let u = 0; u < 200; u++) {
    const e = explainUser(run.model, run.dataset, String(u + 1), cfg.maxLength);
    for (const m of e.modalities) mean.set(m.modality, mean.get(m.modality)! + m.weight / 200);
    top.set(e.modalities[0]!.modality, top.get(e.modalities[0].modality)! + 1 / 200);
  }
  for (const m of summary.modalities) {
    assert.ok(Math.abs(m.mean - mean.get(m.modality)!) < 1e-5, `${m.modality} mean`);
    assert.ok(Math.abs(m.top - top.get(m.modality)!) < 1e-9, `${m.modality} on top`);
  }
  assert.ok(summary.modalities[0]!.mean >= summary.modalities[names.length - 1]!.mean);
  assert.match(summaryText(summary), /POI weights of 200 users \(uniform: 0\.200\)/);
});

test("every ablation switch trains and evaluates (no POI estimator, no L_poi, no L_cl, hard top-1)", async () => {
  const root = mkdtempSync(join(tmpdir(), "demure-ablate-"));
  const dir = join(root, "planted");
  writePlanted(
    dir,
    "planted",
    generatePlanted({ users: 60, items: 40, seqLength: [8, 10], seed: 1 }),
  );
  const ablations = [
    { poi: false },
    { poiLoss: false },
    { cl: false },
    { hardTopK: 1 },
    { augment: true },
    { recLossTrainsPoi: true },
  ];
  for (const [i, demure] of ablations.entries()) {
    const cfg = resolveConfig({
      data: dir,
      model: "sasrec",
      variant: "demure",
      epochs: 1,
      dim: 8,
      batchSize: 32,
      sasrec: { layers: 1, heads: 1, inner: 16 },
      demure,
    });
    const r = await train(cfg, join(root, `run${i}`));
    assert.ok(Number.isFinite(r.test["ndcg@10"]), JSON.stringify(demure));
    assert.equal(
      r.poi_auc === undefined,
      demure.poi === false,
      "POI-AUC exists exactly when there is an estimator",
    );
    // The epoch log splits the loss into its terms: exactly the ones switched on, summing to it.
    const [epoch] = readEpochs(join(root, `run${i}`));
    const parts = epoch.parts!;
    const on = (k: string) => k in parts;
    assert.equal(on("rec"), true);
    assert.equal(
      on("poi"),
      demure.poi !== false && demure.poiLoss !== false,
      JSON.stringify(demure),
    );
    assert.equal(on("cl"), demure.poi !== false && demure.cl !== false, JSON.stringify(demure));
    const total =
      parts.rec! + cfg.demure.lambdaPoi * (parts.poi ?? 0) + cfg.demure.lambdaCl * (parts.cl ?? 0);
    assert.ok(Math.abs(total - epoch!.loss) < 1e-4 * epoch!.loss, `${total} vs ${epoch!.loss}`);
  }
});

test("the augmentation view adds a positive InfoNCE term to the loss, and only when it is on", async () => {
  const { dir, ds, batch } = await smallPlantedBatch(2);
  const lossWith = (augment: boolean) =>
    tinyDemure(dir, ds, { augment, augmentRate: 0.5 }).loss(batch).item();
  const base = lossWith(false);
  assert.equal(lossWith(false), base, "same seed, same loss");
  const augmented = lossWith(true);
  // The view's InfoNCE over 16 users is near log 16 at initialisation, times λ_cl = 0.1.
  assert.ok(augmented - base > 0.05, `${augmented} vs ${base}`);
  assert.ok(augmented - base < 0.1 * Math.log(16) * 2, `${augmented} vs ${base}`);
});

test("a learned strength: trained by the loss, and at 0 the scores no longer depend on π", async () => {
  const { dir, ds, batch } = await smallPlantedBatch(4);
  const model = tinyDemure(dir, ds, { learnStrength: true });
  const strength = model.strength!;
  assert.ok(model.params().includes(strength), "the strength is a parameter");
  model.loss(batch).backward();
  assert.ok(Math.abs(strength.grad?.[0] ?? 0) > 0, "the loss trains the strength");
  strength.data[0] = 0;
  const before = model.scoreAll(batch);
  // Move π a lot: a modality prior of ±3.
  const prior = model.estimator!.prior;
  prior.data.set(prior.data.map((_, m) => (m % 2 === 0 ? 3 : -3)));
  const after = model.scoreAll(batch);
  assert.ok(
    before.every((v, i) => Math.abs(v - after[i]!) < 1e-5),
    "at strength 0 the weights are MM's",
  );
  strength.data[0] = 1;
  const weighted = model.scoreAll(batch);
  assert.ok(
    weighted.some((v, i) => Math.abs(v - after[i]!) > 1e-3),
    "at strength 1 π matters",
  );
  const e = explainUser(model, ds, [...ds.userIndex.keys()][0]!, 10);
  assert.equal(e.strength, 1, "explain reports the strength");
  assert.match(explanationText(e), /strength 1\.00/);
});

test("evaluation's cached item side scores exactly as the per-batch one, and is dropped after", async () => {
  const { dir, ds, batch } = await smallPlantedBatch(5);
  const model = tinyDemure(dir, ds);
  const fresh = Float32Array.from(model.scoreAll(batch));
  model.beginEval();
  assert.deepEqual(model.scoreAll(batch), fresh, "the cache changes no score");
  model.endEval();
  // Outside evaluation the item side follows the parameters again.
  const item = model.params().find((p) => p.name === "item.id");
  assert.ok(item !== undefined, "the ID table is a parameter");
  item.data.fill(0.5);
  const moved = model.scoreAll(batch);
  assert.ok(
    moved.some((v, i) => Math.abs(v - fresh[i]!) > 1e-4),
    "after endEval new item parameters are seen",
  );
});

test("evaluation calls nest: an inner endEval (POI weights for every user) keeps the outer cache", async () => {
  const { dir, ds, batch } = await smallPlantedBatch(6);
  const model = tinyDemure(dir, ds);
  model.beginEval(); // as `serve` does, for the server's lifetime
  const cached = Float32Array.from(model.scoreAll(batch));
  poiWeights(model, ds, model.modalityNames, 10); // its own beginEval / endEval inside
  // Move the item parameters: a kept cache still scores with the old item side.
  model
    .params()
    .find((p) => p.name === "item.id")!
    .data.fill(0.5);
  assert.deepEqual(model.scoreAll(batch), cached, "the outer cache survived the inner endEval");
  model.endEval();
  assert.ok(
    model.scoreAll(batch).some((v, i) => Math.abs(v - cached[i]!) > 1e-4),
    "the outermost endEval drops it",
  );
  model.endEval(); // one too many is harmless
});

/** A tiny SASRec Demure model (d 8, one layer, one head) with the given Demure options. */
function tinyDemure(
  dir: string,
  ds: Dataset,
  demure: Record<string, unknown> = {},
): DemureRecommender {
  const cfg = resolveConfig({
    data: dir,
    variant: "demure",
    dim: 8,
    sasrec: { layers: 1, heads: 1, inner: 16 },
    demure,
  });
  return buildModel(ds, cfg, new Rng(7), new Rng(8)) as DemureRecommender;
}

/** A small planted dataset (40 users, 30 items) on disk and one training batch of 16 rows. */
async function smallPlantedBatch(seed: number) {
  const dir = join(mkdtempSync(join(tmpdir(), "demure-small-")), "planted");
  writePlanted(dir, "planted", generatePlanted({ users: 40, items: 30, seqLength: [8, 10], seed }));
  const ds = await loadDataset(dir);
  const split = leaveOneOut(ds.sequences);
  const batch = trainBatches(
    split,
    trainingExamples(split),
    { batchSize: 16, maxLength: 10 },
    new Rng(1),
  ).next().value!;
  return { dir, ds, batch };
}
