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
import { parseArgs } from "node:util";
import { generatePlanted, type PlantedData } from "../src/data/planted.js";
import { evaluateFullRanking } from "../src/eval/ranking.js";
import { Rng } from "../src/util/rng.js";

const usage =
  "usage: node dist/bench/planted-oracle.js [--users N] [--items N] [--modalities M] [--clusters K] [--confounding P] [--seed S] [--tie-seeds R]";

function flags() {
  try {
    return parseArgs({
      options: {
        users: { type: "string" },
        items: { type: "string" },
        modalities: { type: "string" },
        clusters: { type: "string" },
        confounding: { type: "string" },
        seed: { type: "string", default: "0" },
        "tie-seeds": { type: "string", default: "5" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    console.error(`planted-oracle: ${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
}

function num(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v)) {
    console.error(`planted-oracle: --${name} expects a number, got "${text}"`);
    process.exit(2);
  }
  return v;
}

/** One hidden state: the current cluster of each POI modality. */
type State = number[];

/** Every combination of preferred clusters, one per POI modality. */
function states(preferred: number[][]): State[] {
  return preferred.reduce<State[]>((acc, p) => acc.flatMap((s) => p.map((c) => [...s, c])), [[]]);
}

/** P(state b at t + 1 | state a at t): each modality switches on its own. */
function transition(a: State, b: State, preferred: number[][], switchProb: number): number {
  let p = 1;
  for (let k = 0; k < a.length; k++) {
    const n = preferred[k]!.length;
    if (n === 1) continue;
    p *= a[k] === b[k] ? 1 - switchProb : switchProb / (n - 1);
  }
  return p;
}

/** P(next = i | state) for every item (index 0 unused). */
function emission(data: PlantedData, mods: number[], s: State): Float64Array {
  const { numItems: N, numModalities: M, itemClusters } = data;
  const noise = data.options.noise;
  const match: number[] = [];
  for (let i = 1; i <= N; i++) {
    if (mods.every((m, k) => itemClusters[i * M + m] === s[k])) match.push(i);
  }
  // With no matching item the generator relaxes constraints; that is rare
  // (under 1e-3 of the states at default settings), so it is scored as uniform.
  const e = new Float64Array(N + 1).fill(match.length === 0 ? 1 / N : noise / N);
  for (const i of match) e[i] = e[i]! + (1 - noise) / match.length;
  e[0] = 0;
  return e;
}

/** P(next item | all but the last item), per user: the forward algorithm. */
function predictive(data: PlantedData, u: number): Float64Array {
  const { modalities: mods, preferred } = data.profiles[u]!;
  const seq = data.sequences[u]!;
  const all = states(preferred);
  const emit = all.map((s) => emission(data, mods, s));
  const sw = data.options.switchProb;
  const step = (alpha: Float64Array): Float64Array =>
    Float64Array.from(all, (b) =>
      all.reduce((acc, a, j) => acc + alpha[j]! * transition(a, b, preferred, sw), 0),
    );
  let alpha: Float64Array = new Float64Array(all.length).fill(1 / all.length);
  for (let t = 0; t < seq.length - 1; t++) {
    if (t > 0) alpha = step(alpha);
    let z = 0;
    for (let j = 0; j < all.length; j++) {
      alpha[j] = alpha[j]! * emit[j][seq[t]]!;
      z += alpha[j]!;
    }
    for (let j = 0; j < all.length; j++) alpha[j] = alpha[j]! / z;
  }
  const beta = step(alpha);
  const p = new Float64Array(data.numItems + 1);
  for (let j = 0; j < all.length; j++) {
    for (let i = 1; i <= data.numItems; i++) p[i] = p[i]! + beta[j]! * emit[j][i]!;
  }
  return p;
}

const f = flags();
const data = generatePlanted({
  users: num("users", f.users),
  items: num("items", f.items),
  modalities: num("modalities", f.modalities),
  clustersPerModality: num("clusters", f.clusters),
  confounding: num("confounding", f.confounding),
  seed: num("seed", f.seed),
});
const N = data.numItems;
const probs = data.sequences.map((_, u) => predictive(data, u));
const users = Int32Array.from(data.sequences, (_, u) => u);
const targets = Int32Array.from(data.sequences, (s) => s[s.length - 1]!);
const tieSeeds = num("tie-seeds", f["tie-seeds"]) ?? 5;

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
