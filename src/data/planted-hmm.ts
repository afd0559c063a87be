/**
 * The planted generator as a hidden Markov chain, for the oracle scripts
 * (bench/planted-oracle.ts): the exact probability of the next item.
 *
 * Given a user's POI modalities and preferred clusters, the hidden state is
 * the current cluster of each POI modality; each step every modality with two
 * preferred clusters switches with probability `switchProb`, then the item is
 * uniformly random (probability `noise`) or uniform among the items whose
 * latent clusters match the state in every POI modality (src/data/planted.ts).
 */
import type { PlantedData } from "./planted.js";

/** One hidden state: the current cluster of each POI modality. */
export type State = number[];

/** Every combination of preferred clusters, one per POI modality. */
export function states(preferred: number[][]): State[] {
  return preferred.reduce<State[]>((acc, p) => acc.flatMap((s) => p.map((c) => [...s, c])), [[]]);
}

/** P(state b at t + 1 | state a at t): each modality switches on its own. */
export function transition(a: State, b: State, preferred: number[][], switchProb: number): number {
  let p = 1;
  for (let k = 0; k < a.length; k++) {
    const n = preferred[k]!.length;
    if (n === 1) continue;
    p *= a[k] === b[k] ? 1 - switchProb : switchProb / (n - 1);
  }
  return p;
}

/** Does item i match state s in the modalities `mods`? */
export function matches(data: PlantedData, i: number, mods: number[], s: State): boolean {
  const M = data.numModalities;
  return mods.every((m, k) => data.itemClusters[i * M + m] === s[k]);
}

/** Number of items matching each state, keyed by `mods` and the state. */
export class MatchCounts {
  private readonly cache = new Map<string, number>();
  constructor(private readonly data: PlantedData) {}

  count(mods: number[], s: State): number {
    const key = `${mods.join(",")}|${s.join(",")}`;
    let n = this.cache.get(key);
    if (n === undefined) {
      n = 0;
      for (let i = 1; i <= this.data.numItems; i++) if (matches(this.data, i, mods, s)) n++;
      this.cache.set(key, n);
    }
    return n;
  }
}

/**
 * P(item | state). With no matching item the generator relaxes constraints;
 * that is rare (under 1e-3 of the states at default settings), so it is
 * scored as uniform.
 */
export function emissionProb(
  data: PlantedData,
  counts: MatchCounts,
  item: number,
  mods: number[],
  s: State,
): number {
  const N = data.numItems;
  const noise = data.options.noise;
  const n = counts.count(mods, s);
  if (n === 0) return 1 / N;
  return noise / N + (matches(data, item, mods, s) ? (1 - noise) / n : 0);
}

/** The switching matrix of a profile: `T[a][b]` = P(state b next | state a). */
export function transitionMatrix(
  all: State[],
  preferred: number[][],
  switchProb: number,
): number[][] {
  return all.map((a) => all.map((b) => transition(a, b, preferred, switchProb)));
}

/**
 * The forward algorithm for any emission: `steps` observations, `emit(t, j)`
 * the probability of observation t in state j, the first state uniform.
 * Returns the filtered distribution after the last step and the
 * log-likelihood of the observations.
 */
export function filter(
  T: number[][],
  steps: number,
  emit: (t: number, j: number) => number,
): { alpha: Float64Array; logLik: number } {
  const S = T.length;
  let alpha: Float64Array = new Float64Array(S).fill(1 / S);
  let logLik = 0;
  for (let t = 0; t < steps; t++) {
    if (t > 0) alpha = step(alpha, T);
    let z = 0;
    for (let j = 0; j < S; j++) {
      alpha[j] = alpha[j]! * emit(t, j);
      z += alpha[j]!;
    }
    for (let j = 0; j < S; j++) alpha[j] = alpha[j]! / z;
    logLik += Math.log(z);
  }
  return { alpha, logLik };
}

/**
 * Forward algorithm over `items` for one profile: the filtered state
 * distribution after the last item and the log-likelihood of the items.
 * The first item is drawn from a uniformly random preferred state.
 */
export function forward(
  data: PlantedData,
  counts: MatchCounts,
  mods: number[],
  preferred: number[][],
  items: ArrayLike<number>,
): { all: State[]; alpha: Float64Array; logLik: number } {
  const all = states(preferred);
  const T = transitionMatrix(all, preferred, data.options.switchProb);
  const { alpha, logLik } = filter(T, items.length, (t, j) =>
    emissionProb(data, counts, items[t]!, mods, all[j]!),
  );
  return { all, alpha, logLik };
}

/** One switching step of a state distribution: `alpha' = alpha T`. */
export function step(alpha: Float64Array, T: number[][]): Float64Array {
  const next = new Float64Array(T.length);
  T.forEach((row, a) => {
    const p = alpha[a]!;
    for (let b = 0; b < row.length; b++) next[b] = next[b]! + p * row[b]!;
  });
  return next;
}

/** One switching step for a profile. */
export function stepProfile(
  data: PlantedData,
  alpha: Float64Array,
  all: State[],
  preferred: number[][],
): Float64Array {
  return step(alpha, transitionMatrix(all, preferred, data.options.switchProb));
}
