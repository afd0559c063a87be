/**
 * The best NDCG@10 any model can reach on planted data: an oracle that knows
 * the generator, each user's POI modalities and preferred clusters, and every
 * item's latent clusters, and ranks by the exact probability of the next item.
 *
 *   node dist/bench/planted-oracle.js [--users N] [--items N] [--modalities M]
 *        [--clusters K] [--confounding P] [--seed S] [--tie-seeds R]
 *
 * Defaults are the generator's (the grid's planted data is seed 0). The
 * current preferred clusters switch over time, so the oracle filters them
 * with the forward algorithm of the hidden Markov chain the generator runs
 * (state = current cluster of each POI modality), then scores item i by
 *
 *     P(next = i | history) = sum_s P(s | history) * [noise / N + (1 - noise) * match(i, s) / |match(s)|]
 *
 * The test split is the one training uses (last item of each sequence, its
 * history excluded from the candidates). Items with equal probability (all
 * items of a matching set) are ordered at random, so the figures are the mean
 * over `--tie-seeds` orders. A learned model sees only noisy tokens and item
 * ids, so this is an upper bound: when MM is close to it, no method can gain
 * much on that data. Prints one JSON line.
 */
import type { PlantedData } from "../src/data/planted.js";
import { emissionProb, forward, MatchCounts, stepProfile } from "../src/data/planted-hmm.js";
import { evaluateFullRanking } from "../src/eval/ranking.js";
import { Rng } from "../src/util/rng.js";
import { plantedFromFlags } from "./planted-flags.js";

/** P(next item | all but the last item), per user. */
function predictive(data: PlantedData, counts: MatchCounts, u: number): Float64Array {
  const { modalities: mods, preferred } = data.profiles[u]!;
  const seq = data.sequences[u]!;
  const { all, alpha } = forward(data, counts, mods, preferred, seq.subarray(0, -1));
  const beta = stepProfile(data, alpha, all, preferred);
  const p = new Float64Array(data.numItems + 1);
  for (let j = 0; j < all.length; j++) {
    for (let i = 1; i <= data.numItems; i++) {
      p[i] = p[i]! + beta[j]! * emissionProb(data, counts, i, mods, all[j]!);
    }
  }
  return p;
}

const { data, extra } = plantedFromFlags("planted-oracle", { "tie-seeds": 5 });
const N = data.numItems;
const counts = new MatchCounts(data);
const probs = data.sequences.map((_, u) => predictive(data, counts, u));
const users = Int32Array.from(data.sequences, (_, u) => u);
const targets = Int32Array.from(data.sequences, (s) => s[s.length - 1]!);
const tieSeeds = extra["tie-seeds"];

const runs: Record<string, number>[] = [];
for (let r = 0; r < tieSeeds; r++) {
  const rng = new Rng(1000 + r);
  const result = evaluateFullRanking({
    numItems: N,
    users,
    targets,
    history: (row) => data.sequences[row]!.subarray(0, -1),
    scoreBatch: (rows) => {
      // Scores are ranks: probability first, a random key among equals.
      const out = new Float32Array(rows.length * (N + 1));
      rows.forEach((row, b) => {
        const p = probs[row]!;
        const key = Float64Array.from({ length: N + 1 }, () => rng.uniform());
        const order = Array.from({ length: N }, (_, k) => k + 1).sort(
          (x, y) => p[y]! - p[x]! || key[y]! - key[x]!,
        );
        order.forEach((item, rank) => {
          out[b * (N + 1) + item] = N - rank;
        });
      });
      return out;
    },
  });
  runs.push(result.metrics);
}
const mean = (k: string) => runs.reduce((a, m) => a + m[k]!, 0) / runs.length;
const keys = Object.keys(runs[0]!);
console.log(
  JSON.stringify({
    data: data.options,
    users: data.numUsers,
    tie_seeds: tieSeeds,
    oracle: Object.fromEntries(keys.map((k) => [k, mean(k)])),
  }),
);
