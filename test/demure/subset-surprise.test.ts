import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { batchOfHistories } from "../../src/data/batches.js";
import { loadDataset } from "../../src/data/dataset.js";
import { modalityCodes } from "../../src/data/modality-codes.js";
import { generatePlanted, plantedCodes, writePlanted } from "../../src/data/planted.js";
import { pseudoLabels } from "../../src/demure/losses.js";
import type { DemureRecommender } from "../../src/demure/recommender.js";
import { SubsetSurprise } from "../../src/demure/subset-surprise.js";
import { coherence } from "../../src/eval/coherence.js";
import { tokenView } from "../../src/eval/modality-view.js";
import { meanPoiAuc } from "../../src/eval/poi-auc.js";
import { trimBatch } from "../../src/models/recommender.js";
import { resolveConfig } from "../../src/train/config.js";
import { buildModel } from "../../src/train/model.js";
import { Rng } from "../../src/util/rng.js";

const close = (a: number, b: number, tol = 1e-6) =>
  assert.ok(Math.abs(a - b) < tol, `${a} is not ${b} ± ${tol}`);

describe("modality codes", () => {
  test("a token modality keeps its ids; missing stays 0", () => {
    const codes = modalityCodes(
      {
        kind: "token",
        name: "brand",
        source: "t",
        missingCount: 1,
        vocab: 2,
        ids: Int32Array.of(0, 2, 0, 1),
        tokens: ["[PAD]", "a", "b"],
      },
      3,
    );
    assert.deepEqual([...codes], [0, 2, 0, 1]);
  });

  test("a token_seq modality codes the set: order and repeats do not matter", () => {
    // item 1: {3, 1}; item 2: {1, 3, 3}; item 3: {1}; item 4: missing.
    const codes = modalityCodes(
      {
        kind: "token_seq",
        name: "genre",
        source: "t",
        missingCount: 1,
        vocab: 3,
        offsets: Int32Array.of(0, 0, 2, 5, 6, 6),
        ids: Int32Array.of(3, 1, 1, 3, 3, 1),
        tokens: ["[PAD]", "x", "y", "z"],
        truncatedCount: 0,
      },
      4,
    );
    assert.equal(codes[1], codes[2]);
    assert.notEqual(codes[1], codes[3]);
    assert.ok(codes[1]! > 0 && codes[3]! > 0);
    assert.equal(codes[4], 0);
  });

  test("a dense modality: equal vectors share a code, opposite ones do not, missing is 0", () => {
    const dim = 8;
    const values = new Float32Array(6 * dim);
    for (let k = 0; k < dim; k++) {
      values[1 * dim + k] = Math.sin(k + 1);
      values[2 * dim + k] = Math.sin(k + 1);
      values[3 * dim + k] = -Math.sin(k + 1);
      values[4 * dim + k] = Math.cos(3 * k);
    }
    const m = {
      kind: "dense" as const,
      name: "image",
      source: "t",
      missingCount: 1,
      dim,
      values,
      present: Uint8Array.of(0, 1, 1, 1, 1, 0),
    };
    const codes = modalityCodes(m, 5, 4);
    assert.equal(codes[1], codes[2]);
    assert.notEqual(codes[1], codes[3]);
    assert.equal(codes[5], 0);
    for (let i = 1; i <= 4; i++) assert.ok(codes[i]! >= 1 && codes[i]! <= 16);
    assert.deepEqual([...modalityCodes(m, 5, 4)], [...codes], "codes do not depend on any run");
  });
});

describe("subset surprise", () => {
  test("hand-computed log-prior: the modality that organises the history wins", () => {
    // Catalogue of 4 items; modality A codes 1,1,2,2, B codes 1,2,1,2; the ID is left out.
    const A = Int32Array.of(0, 1, 1, 2, 2);
    const B = Int32Array.of(0, 1, 2, 1, 2);
    const s = new SubsetSurprise([null, A, B], 4);
    // History {1, 2}: both items share A's code 1, and differ in B.
    // {A}: 2·log((1 + ½)/2/½) = 2 log 1.5;  {B}: 2·log((0 + ½)/2/½) = 2 log ½;
    // {A,B}: 2·log((0 + ¼)/2/¼) = 2 log ½.  Weights 2.25, 0.25, 0.25:
    // P(A) = 2.5/3, P(B) = 0.5/3, r = log(2·P).
    const r = s.logPrior(Int32Array.of(1, 2), Uint8Array.of(1, 1), 1, 2);
    close(r[0]!, 0);
    close(r[1]!, Math.log(5 / 3));
    close(r[2]!, Math.log(1 / 3));
  });

  test("padding is skipped, a history of one item carries no preference", () => {
    const A = Int32Array.of(0, 1, 1, 2, 2);
    const B = Int32Array.of(0, 1, 2, 1, 2);
    const s = new SubsetSurprise([A, B], 4);
    const padded = s.logPrior(Int32Array.of(0, 1, 2), Uint8Array.of(0, 1, 1), 1, 3);
    close(padded[0]!, Math.log(5 / 3));
    const single = s.logPrior(Int32Array.of(0, 0, 3), Uint8Array.of(0, 0, 1), 1, 3);
    assert.deepEqual([...single], [0, 0]);
  });

  test("on confounded planted data it finds the POI better than the coherence heuristic", () => {
    const data = generatePlanted({ users: 300, items: 300, confounding: 0.8, seed: 5 });
    const M = data.numModalities;
    const N = data.numItems;
    const codes = plantedCodes(data);
    const s = new SubsetSurprise(codes, N);
    const prior = new Float64Array(data.numUsers * M);
    data.sequences.forEach((seq, u) => {
      prior.set(s.ofHistory(seq), u * M);
    });
    const labels = { data: Float64Array.from(data.isPoi), rows: data.numUsers, cols: M };
    const heuristic = coherence(
      codes.map((c) => tokenView(c)),
      data.sequences,
      { seed: 0 },
    );
    const learned = meanPoiAuc({ data: prior, rows: data.numUsers, cols: M }, labels).auc;
    const floor = meanPoiAuc(heuristic, labels).auc;
    assert.ok(learned > floor + 0.02, `subset surprise ${learned} vs coherence ${floor}`);
  });

  test("the pseudo-labels take the prior as log-odds", () => {
    // Equal discrimination losses: the labels are softmax(β·r).
    const y = pseudoLabels(Float32Array.of(1, 1, 1), 1, 3, 0.5, {
      logits: Float32Array.of(0, Math.log(4), Math.log(2)),
      weight: 1,
    });
    close(y[0]!, 1 / 7);
    close(y[1]!, 4 / 7);
    close(y[2]!, 2 / 7);
  });
});

test("with --surprise β, an untrained π moves by exactly β·r_u^m in log-odds", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "demure-surprise-")), "planted");
  writePlanted(
    dir,
    "planted",
    generatePlanted({ users: 30, items: 40, seqLength: [8, 10], confounding: 0.8, seed: 3 }),
  );
  const ds = await loadDataset(dir);
  const batch = batchOfHistories(ds.sequences.slice(0, 12), 10);
  const piWith = (surprise: number) => {
    const cfg = resolveConfig({
      data: dir,
      variant: "demure",
      dim: 8,
      sasrec: { layers: 1, heads: 1, inner: 16 },
      demure: { surprise },
    });
    const model = buildModel(ds, cfg, new Rng(7), new Rng(8)) as DemureRecommender;
    return model.poiOf(batch)!;
  };
  const plain = piWith(0);
  const leaning = piWith(2);
  // The prior the model reads: the ID (column 0) is left out, m0..m3 carry codes.
  const M = 5;
  const codes = [null, ...ds.modalities.map((m) => modalityCodes(m, ds.numItems))];
  const { items, shape } = trimBatch(batch);
  const r = new SubsetSurprise(codes, ds.numItems).logPrior(items, shape.keyMask, 12, shape.length);
  let moved = 0;
  for (let u = 0; u < 12; u++) {
    const shift = (m: number) => Math.log(leaning.pi[u * M + m]! / plain.pi[u * M + m]!);
    for (let m = 1; m < M; m++) {
      close(shift(m) - shift(0), 2 * r[u * M + m]!, 1e-4);
      moved += Math.abs(r[u * M + m]!);
    }
  }
  assert.ok(moved > 1, "the prior is not all zero");
});
