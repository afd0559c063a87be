/**
 * How well can anyone tell a user's POI modalities from his behaviour? The
 * Bayes posterior of the POI on planted data, and its POI-AUC beside the
 * coherence heuristic's: the ceiling for a learned POI estimator.
 *
 *   node dist/bench/planted-poi-oracle.js [--users N] [--items N] [--modalities M]
 *        [--clusters K] [--confounding P] [--seed S]
 *
 * The oracle knows the generator and every item's latent clusters (a model
 * sees only noisy tokens), but not the user's profile: it weighs every
 * possible profile (1 or 2 POI modalities, 1 or 2 preferred clusters each,
 * with the generator's prior) by the likelihood of the user's items (all but
 * the test item; forward algorithm over the switching clusters), and reports
 * P(m is a POI | items) per user and modality. Its POI-AUC (same measure as
 * training reports) is what the data can say about the POI; when the
 * heuristic is close to it, no estimator can beat the heuristic by much.
 * Prints one JSON line.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDataset } from "../src/data/dataset.js";
import { plantedCodes, writePlanted } from "../src/data/planted.js";
import { filter, MatchCounts, states, transitionMatrix } from "../src/data/planted-hmm.js";
import { coherenceWeights, readPoiLabels } from "../src/demure/poi-report.js";
import { SubsetSurprise } from "../src/demure/subset-surprise.js";
import { meanPoiAuc } from "../src/eval/poi-auc.js";
import { plantedFromFlags } from "./planted-flags.js";

/** Every preferred-cluster set the generator can draw (1 or 2 of K) with its prior. */
function clusterSets(K: number): { set: number[]; prior: number }[] {
  const out: { set: number[]; prior: number }[] = [];
  for (let a = 0; a < K; a++) out.push({ set: [a], prior: K > 1 ? 0.5 / K : 1 });
  for (let a = 0; a < K; a++)
    for (let b = a + 1; b < K; b++) out.push({ set: [a, b], prior: 0.5 / ((K * (K - 1)) / 2) });
  return out;
}

/**
 * Log-likelihood of a user's items under one profile: POI modalities `mods`,
 * with preferred sets `sets`. `clusterOf[k][t]` is item t's latent cluster in
 * mods[k] (the per-item emission of planted-hmm, on precomputed clusters).
 */
function likelihood(mods: number[], clusterOf: Int32Array[], sets: number[][]): number {
  const { noise, switchProb } = data.options;
  const all = states(sets);
  const n = all.map((s) => counts.count(mods, s));
  const base = n.map((k) => (k === 0 ? 1 / N : noise / N));
  const hit = n.map((k) => (k === 0 ? 0 : (1 - noise) / k));
  const T = transitionMatrix(all, sets, switchProb);
  return filter(T, clusterOf[0]!.length, (t, j) => {
    const s = all[j]!;
    for (let k = 0; k < s.length; k++) if (clusterOf[k]![t] !== s[k]) return base[j]!;
    return base[j]! + hit[j]!;
  }).logLik;
}

const { data } = plantedFromFlags("planted-poi-oracle");
const M = data.numModalities;
const K = data.numClusters;
const N = data.numItems;
const sets = clusterSets(K);

const counts = new MatchCounts(data);

/** POI modality sets the generator can draw, with their prior. */
const hypotheses: { mods: number[]; prior: number }[] = [];
const pairs = (M * (M - 1)) / 2;
for (let a = 0; a < M; a++) hypotheses.push({ mods: [a], prior: M > 1 ? 0.5 / M : 1 });
for (let a = 0; a < M; a++)
  for (let b = a + 1; b < M; b++) hypotheses.push({ mods: [a, b], prior: 0.5 / pairs });

const posterior = new Float64Array(data.numUsers * M);
data.sequences.forEach((seq, u) => {
  const items = seq.subarray(0, -1);
  const clusters = (m: number) => Int32Array.from(items, (i) => data.itemClusters[i * M + m]!);
  // log P(items, mods) per hypothesis, summing over the preferred sets.
  const logJoint = hypotheses.map(({ mods, prior }) => {
    const clusterOf = mods.map(clusters);
    const terms: number[] = [];
    const combos =
      mods.length === 1
        ? sets.map((a) => ({ sets: [a.set], prior: a.prior }))
        : sets.flatMap((a) =>
            sets.map((b) => ({ sets: [a.set, b.set], prior: a.prior * b.prior })),
          );
    for (const c of combos) terms.push(Math.log(c.prior) + likelihood(mods, clusterOf, c.sets));
    const top = Math.max(...terms);
    return Math.log(prior) + top + Math.log(terms.reduce((acc, x) => acc + Math.exp(x - top), 0));
  });
  const top = Math.max(...logJoint);
  const w = logJoint.map((x) => Math.exp(x - top));
  const z = w.reduce((a, b) => a + b, 0);
  hypotheses.forEach((h, j) => {
    for (const m of h.mods) posterior[u * M + m] = posterior[u * M + m]! + w[j]! / z;
  });
});

/** Mean POI-AUC over the users with `k` POI modalities (all users when k is null). */
function auc(weights: Float64Array, isPoi: ArrayLike<number>, k: number | null): number {
  const keep = [...Array(data.numUsers).keys()].filter((u) => {
    let n = 0;
    for (let m = 0; m < M; m++) n += isPoi[u * M + m]!;
    return k === null || n === k;
  });
  const pick = (x: ArrayLike<number>) =>
    Float64Array.from(
      { length: keep.length * M },
      (_, j) => x[keep[Math.floor(j / M)] * M + (j % M)]!,
    );
  return meanPoiAuc(
    { data: pick(weights), rows: keep.length, cols: M },
    { data: pick(isPoi), rows: keep.length, cols: M },
  ).auc;
}

// The coherence heuristic, exactly as training reports it: through the atomic files.
const dir = mkdtempSync(join(tmpdir(), "demure-poi-oracle-"));
let heuristic: Float64Array;
let heuristicLabels: ArrayLike<number>;
try {
  writePlanted(join(dir, "planted"), "planted", data);
  const ds = await loadDataset(join(dir, "planted"));
  const labels = await readPoiLabels(ds);
  if (labels === null) throw new Error("the planted data lost its .poi file");
  heuristic = Float64Array.from(coherenceWeights(ds, labels).data);
  heuristicLabels = labels.labels.data;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
/**
 * Statistics of the user's history tokens (what a model sees). The first
 * three look at one modality at a time (how concentrated the history is in
 * m) and cannot explain one modality away by another; `residual_agreement`
 * subtracts what the best other modality explains through the catalogue, and
 * `subset_surprise` compares sets of modalities (see {@link subsetSurprise}).
 */
function tokenStatistics(): Record<string, Float64Array> {
  const U = data.numUsers;
  const out = {
    token_agreement: new Float64Array(U * M),
    neg_entropy: new Float64Array(U * M),
    consecutive_agreement: new Float64Array(U * M),
  };
  const residual = new Float64Array(U * M);
  const cond = catalogConditionals();
  data.sequences.forEach((seq, u) => {
    const items = seq.subarray(0, -1);
    const n = items.length;
    const dist: number[][] = [];
    for (let m = 0; m < M; m++) {
      const tokens = Array.from(items, (i) => data.itemTokens[i * M + m]!);
      const counts = new Array<number>(K).fill(0);
      for (const t of tokens) counts[t]!++;
      let pairs = 0;
      let entropy = 0;
      for (const c of counts) {
        pairs += c * (c - 1);
        if (c > 0) entropy -= (c / n) * Math.log(c / n);
      }
      let consecutive = 0;
      for (let t = 1; t < n; t++) if (tokens[t] === tokens[t - 1]) consecutive++;
      out.token_agreement[u * M + m] = pairs / (n * (n - 1));
      dist[m] = counts.map((c) => c / n);
      out.neg_entropy[u * M + m] = -entropy;
      out.consecutive_agreement[u * M + m] = consecutive / (n - 1);
    }
    // Residual agreement: how concentrated the history is in m beyond what the
    // best other modality m' explains through the catalog, Σ_c p_m(c)² − max_m' Σ_c p_m(c) q(c | m'),
    // with q(c | m') = Σ_c' p_m'(c') P(token_m = c | token_m' = c') over the items.
    for (let m = 0; m < M; m++) {
      const p = dist[m]!;
      const self = p.reduce((a, v) => a + v * v, 0);
      let explained = 0;
      for (let o = 0; o < M; o++) {
        if (o === m) continue;
        let e = 0;
        for (let c = 0; c < K; c++) {
          let q = 0;
          for (let c2 = 0; c2 < K; c2++) q += dist[o][c2]! * cond(m, o, c, c2);
          e += p[c]! * q;
        }
        explained = Math.max(explained, e);
      }
      residual[u * M + m] = self - explained;
    }
  });
  return { ...out, residual_agreement: residual, subset_surprise: subsetSurprise() };
}

/**
 * Subset surprise (src/demure/subset-surprise.ts, the statistic Demure's
 * `surprise` option reads) on the same history: all items but the test item.
 */
function subsetSurprise(): Float64Array {
  const surprise = new SubsetSurprise(plantedCodes(data), N, Number.NEGATIVE_INFINITY);
  const out = new Float64Array(data.numUsers * M);
  data.sequences.forEach((seq, u) => {
    out.set(surprise.ofHistory(seq.subarray(0, -1)), u * M);
  });
  return out;
}

/** P(token in m = c | token in o = c2) over the catalogue's items (the shown, noisy tokens). */
function catalogConditionals(): (m: number, o: number, c: number, c2: number) => number {
  const joint = new Float64Array(M * M * K * K);
  const marginal = new Float64Array(M * K);
  for (let i = 1; i <= N; i++) {
    for (let o = 0; o < M; o++) {
      const t2 = data.itemTokens[i * M + o]!;
      marginal[o * K + t2]!++;
      for (let m = 0; m < M; m++)
        joint[((m * M + o) * K + data.itemTokens[i * M + m]!) * K + t2]!++;
    }
  }
  return (m, o, c, c2) => {
    const d = marginal[o * K + c2]!;
    return d > 0 ? joint[((m * M + o) * K + c) * K + c2]! / d : 0;
  };
}

const split = (w: Float64Array, y: ArrayLike<number>) => ({
  all: auc(w, y, null),
  one_poi: auc(w, y, 1),
  two_poi: auc(w, y, 2),
});
console.log(
  JSON.stringify({
    data: data.options,
    users: data.numUsers,
    bayes_poi_auc: split(posterior, data.isPoi),
    coherence_poi_auc: split(heuristic, heuristicLabels),
    token_statistics_poi_auc: Object.fromEntries(
      Object.entries(tokenStatistics()).map(([k, w]) => [k, split(w, data.isPoi)]),
    ),
  }),
);
