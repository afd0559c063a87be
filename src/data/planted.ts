/**
 * Planted-POI data: a synthetic dataset where each user's points of interest
 * (the modalities that drive their behaviour) are known, so POI recovery can be
 * measured (DEMURE.md, "How we know it works").
 *
 * Generative story (every draw from one seeded {@link Rng}):
 * 1. Items 1..items have a latent cluster in each of M modalities, uniform over
 *    `clustersPerModality`; with probability `confounding`, modality m > 0
 *    copies the item's cluster in modality m - 1 instead (so a non-POI modality
 *    can correlate with a POI one).
 * 2. The item file shows, per modality m, a token `c<k>` in column `m<m>`: the
 *    true cluster, or with probability `tokenNoise` a uniformly random one.
 * 3. Each user draws 1 or 2 POI modalities, and for each POI modality 1 or 2
 *    preferred clusters, one of which is "current".
 * 4. A sequence of `seqLength` items: at each step every current cluster may
 *    switch (probability `switchProb`) to another preferred cluster; then with
 *    probability `noise` the item is uniformly random, otherwise it is uniform
 *    among items whose latent clusters equal the current ones in every POI
 *    modality (non-POI modalities unconstrained). If no item matches, the
 *    constraints are dropped one at a time in random order until one does.
 * 5. Timestamps are positions (1, 2, ...).
 * So the next item is predictable from the POI modalities of the history, while
 * the non-POI modalities tell nothing about it, except through confounding and
 * through item identity (a small matching set makes items repeat).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";
import { UserError } from "../util/errors.js";
import { Rng } from "../util/rng.js";

/** Options of {@link generatePlanted}; every field has a default. */
export interface PlantedOptions {
  /** Number of users (default 1000). */
  users?: number;
  /** Number of items (default 500). */
  items?: number;
  /** Number of modalities M (default 4). */
  modalities?: number;
  /** Latent clusters per modality (default 8). */
  clustersPerModality?: number;
  /** POI modalities per user, 1 or 2 (default: 1 or 2 at random per user). */
  poiPerUser?: 1 | 2;
  /** Preferred clusters per POI modality, 1 or 2 (default: 1 or 2 at random). */
  preferredClusters?: 1 | 2;
  /** Sequence length range, inclusive (default [20, 40]; the minimum must be >= 5). */
  seqLength?: readonly [number, number];
  /** Probability that an interaction is a uniformly random item (default 0.1). */
  noise?: number;
  /** Probability that a shown token is a random cluster (default 0.1). */
  tokenNoise?: number;
  /** Probability that modality m > 0 copies the cluster of modality m - 1 (default 0). */
  confounding?: number;
  /** Probability per step that a current preferred cluster switches (default 0.1). */
  switchProb?: number;
  /** Seed (default 0). */
  seed?: number;
}

/** {@link PlantedOptions} with every default filled in. */
export type ResolvedPlantedOptions = Required<
  Omit<PlantedOptions, "poiPerUser" | "preferredClusters">
> &
  Pick<PlantedOptions, "poiPerUser" | "preferredClusters">;

/** A generated dataset. Users are 0..numUsers-1, items 1..numItems. */
export interface PlantedData {
  options: ResolvedPlantedOptions;
  numUsers: number;
  numItems: number;
  numModalities: number;
  numClusters: number;
  /** Latent cluster of item i in modality m at `i * M + m` (row 0 = padding, -1). */
  itemClusters: Int32Array;
  /** Shown (noisy) cluster, same layout: the item file's token is `c<value>`. */
  itemTokens: Int32Array;
  /** Each user's items in time order. */
  sequences: Int32Array[];
  /** 1 where modality m is a POI of user u, at `u * M + m`. */
  isPoi: Uint8Array;
  /**
   * Each user's POI modalities (ascending) and, per POI modality, the
   * preferred clusters: the hidden profile an oracle ranker may use.
   */
  profiles: { modalities: number[]; preferred: number[][] }[];
}

/**
 * Per modality, each item's shown token as a code (token + 1; 0 for the padding
 * row): the same partition of the items `modalityCodes` gives for the written
 * item file, without writing it.
 */
export function plantedCodes(data: PlantedData): Int32Array[] {
  const M = data.numModalities;
  return Array.from({ length: M }, (_, m) =>
    Int32Array.from({ length: data.numItems + 1 }, (_, i) =>
      i === 0 ? 0 : data.itemTokens[i * M + m]! + 1,
    ),
  );
}

/** Column name of modality m in the item file and the `.poi` file (`m0`, `m1`, ...). */
export function plantedModalityName(m: number): string {
  return `m${m}`;
}

function resolve(o: PlantedOptions): ResolvedPlantedOptions {
  const r: ResolvedPlantedOptions = {
    users: o.users ?? 1000,
    items: o.items ?? 500,
    modalities: o.modalities ?? 4,
    clustersPerModality: o.clustersPerModality ?? 8,
    seqLength: o.seqLength ?? [20, 40],
    noise: o.noise ?? 0.1,
    tokenNoise: o.tokenNoise ?? 0.1,
    confounding: o.confounding ?? 0,
    switchProb: o.switchProb ?? 0.1,
    seed: o.seed ?? 0,
  };
  if (o.poiPerUser !== undefined) r.poiPerUser = o.poiPerUser;
  if (o.preferredClusters !== undefined) r.preferredClusters = o.preferredClusters;
  const int = (name: string, v: number, min: number): void => {
    if (!Number.isInteger(v) || v < min) {
      throw new UserError(`planted: ${name} must be an integer >= ${min}, got ${v}`);
    }
  };
  int("users", r.users, 1);
  int("items", r.items, 1);
  int("modalities", r.modalities, 1);
  int("clustersPerModality", r.clustersPerModality, 1);
  int("seed", r.seed, 0);
  const [lo, hi] = r.seqLength;
  int("seqLength minimum", lo, 5);
  int("seqLength maximum", hi, lo);
  for (const k of ["noise", "tokenNoise", "confounding", "switchProb"] as const) {
    if (!(r[k] >= 0 && r[k] <= 1))
      throw new UserError(`planted: ${k} must be in [0, 1], got ${r[k]}`);
  }
  const oneOrTwo = (name: string, v: number | undefined, max: number, of: string): void => {
    if (v !== undefined && !((v === 1 || v === 2) && v <= max)) {
      throw new UserError(`planted: ${name} must be 1 or 2 and at most ${of} (${max}), got ${v}`);
    }
  };
  oneOrTwo("poiPerUser", r.poiPerUser, r.modalities, "modalities");
  oneOrTwo("preferredClusters", r.preferredClusters, r.clustersPerModality, "clustersPerModality");
  return r;
}

/** `k` distinct values of 0..n-1, in random order. */
function pick(rng: Rng, n: number, k: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  rng.shuffle(all);
  return all.slice(0, k);
}

/** Items matching (modality, cluster) constraints, cached by constraint set. */
class Matcher {
  private readonly cache = new Map<string, Int32Array>();
  /** `single[m * K + c]`: items whose latent cluster in m is c. */
  private readonly single: Int32Array[];

  constructor(
    private readonly clusters: Int32Array,
    private readonly M: number,
    private readonly K: number,
  ) {
    const lists: number[][] = Array.from({ length: M * K }, () => []);
    const numItems = clusters.length / M - 1;
    for (let i = 1; i <= numItems; i++) {
      for (let m = 0; m < M; m++) lists[m * K + clusters[i * M + m]].push(i);
    }
    this.single = lists.map((l) => Int32Array.from(l));
  }

  match(mods: readonly number[], cl: readonly number[]): Int32Array {
    const first = this.single[mods[0] * this.K + cl[0]];
    if (mods.length === 1) return first;
    const key = mods.map((m, k) => `${m}:${cl[k]}`).join(",");
    let hit = this.cache.get(key);
    if (hit === undefined) {
      const M = this.M;
      hit = first.filter((i) => mods.every((m, k) => this.clusters[i * M + m] === cl[k]));
      this.cache.set(key, hit);
    }
    return hit;
  }
}

/** Generate a planted-POI dataset (see the file comment for the story). */
export function generatePlanted(options: PlantedOptions = {}): PlantedData {
  const o = resolve(options);
  const M = o.modalities;
  const K = o.clustersPerModality;
  const N = o.items;
  const root = new Rng(o.seed);
  const itemRng = root.fork();
  const userRoot = root.fork();

  const itemClusters = new Int32Array((N + 1) * M).fill(-1, 0, M);
  const itemTokens = new Int32Array((N + 1) * M).fill(-1, 0, M);
  for (let i = 1; i <= N; i++) {
    for (let m = 0; m < M; m++) {
      const copy = m > 0 && itemRng.uniform() < o.confounding;
      const c = copy ? itemClusters[i * M + m - 1] : itemRng.int(K);
      itemClusters[i * M + m] = c;
      itemTokens[i * M + m] = itemRng.uniform() < o.tokenNoise ? itemRng.int(K) : c;
    }
  }

  const matcher = new Matcher(itemClusters, M, K);
  const isPoi = new Uint8Array(o.users * M);
  const sequences: Int32Array[] = [];
  const profiles: PlantedData["profiles"] = [];
  for (let u = 0; u < o.users; u++) {
    const rng = userRoot.fork(); // one stream per user
    const nPoi = Math.min(M, o.poiPerUser ?? 1 + rng.int(2));
    const mods = pick(rng, M, nPoi).sort((a, b) => a - b);
    for (const m of mods) isPoi[u * M + m] = 1;
    const preferred = mods.map(() =>
      pick(rng, K, Math.min(K, o.preferredClusters ?? 1 + rng.int(2))),
    );
    profiles.push({ modalities: mods, preferred });
    const current = preferred.map((p) => p[rng.int(p.length)]);
    const [lo, hi] = o.seqLength;
    const seq = new Int32Array(lo + rng.int(hi - lo + 1));
    for (let t = 0; t < seq.length; t++) {
      if (t > 0) {
        preferred.forEach((p, k) => {
          if (p.length > 1 && rng.uniform() < o.switchProb) {
            const others = p.filter((c) => c !== current[k]);
            current[k] = others[rng.int(others.length)];
          }
        });
      }
      seq[t] =
        rng.uniform() < o.noise ? 1 + rng.int(N) : drawMatching(rng, matcher, mods, current, N);
    }
    sequences.push(seq);
  }
  return {
    options: o,
    numUsers: o.users,
    numItems: N,
    numModalities: M,
    numClusters: K,
    itemClusters,
    itemTokens,
    sequences,
    isPoi,
    profiles,
  };
}

/** Uniform item matching all constraints, relaxing them in random order if none does. */
function drawMatching(
  rng: Rng,
  matcher: Matcher,
  mods: number[],
  current: number[],
  N: number,
): number {
  let cands = matcher.match(mods, current);
  if (cands.length === 0) {
    const order = mods.map((_, k) => k);
    rng.shuffle(order);
    for (let keep = order.length - 1; keep >= 1 && cands.length === 0; keep--) {
      const kept = order.slice(0, keep).sort((a, b) => a - b);
      cands = matcher.match(
        kept.map((k) => mods[k]),
        kept.map((k) => current[k]),
      );
    }
  }
  return cands.length === 0 ? 1 + rng.int(N) : cands[rng.int(cands.length)];
}

/** The three atomic files as text: `.inter`, `.item`, `.poi`. */
export function renderPlanted(data: PlantedData): { inter: string; item: string; poi: string } {
  const M = data.numModalities;
  const names = Array.from({ length: M }, (_, m) => plantedModalityName(m));
  const inter = ["user_id:token\titem_id:token\ttimestamp:float"];
  data.sequences.forEach((seq, u) => {
    for (let t = 0; t < seq.length; t++) inter.push(`${u + 1}\t${seq[t]}\t${t + 1}`);
  });
  const item = [["item_id:token", ...names.map((n) => `${n}:token`)].join("\t")];
  for (let i = 1; i <= data.numItems; i++) {
    const row = [String(i)];
    for (let m = 0; m < M; m++) row.push(`c${data.itemTokens[i * M + m]}`);
    item.push(row.join("\t"));
  }
  const poi = ["user_id:token\tmodality:token\tis_poi:float"];
  for (let u = 0; u < data.numUsers; u++) {
    for (let m = 0; m < M; m++) poi.push(`${u + 1}\t${names[m]}\t${data.isPoi[u * M + m]}`);
  }
  const text = (lines: string[]): string => `${lines.join("\n")}\n`;
  return { inter: text(inter), item: text(item), poi: text(poi) };
}

/**
 * Write `DIR/NAME.inter`, `DIR/NAME.item` and `DIR/NAME.poi` (RecBole atomic
 * files; user tokens are u + 1, item tokens the item ids), each atomically,
 * creating DIR if needed. Returns the three paths.
 */
export function writePlanted(
  dir: string,
  name: string,
  data: PlantedData,
): { inter: string; item: string; poi: string } {
  if (name === "" || /[/\\\t\n\r]/.test(name) || name === "." || name === "..") {
    throw new UserError(
      `planted: dataset name must be a plain file name, got ${JSON.stringify(name)}`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const text = renderPlanted(data);
  const paths = {
    inter: join(dir, `${name}.inter`),
    item: join(dir, `${name}.item`),
    poi: join(dir, `${name}.poi`),
  };
  writeFileAtomic(paths.inter, text.inter);
  writeFileAtomic(paths.item, text.item);
  writeFileAtomic(paths.poi, text.poi);
  return paths;
}

/**
 * Per user and modality, the fraction of consecutive history pairs whose shown
 * tokens are equal (`u * M + m`); a quick check that POI modalities are the
 * coherent ones. NaN for sequences shorter than 2.
 */
export function consecutiveSharing(data: PlantedData): Float64Array {
  const M = data.numModalities;
  const out = new Float64Array(data.numUsers * M);
  data.sequences.forEach((seq, u) => {
    for (let m = 0; m < M; m++) {
      let same = 0;
      for (let t = 1; t < seq.length; t++) {
        same += +(data.itemTokens[seq[t] * M + m] === data.itemTokens[seq[t - 1] * M + m]);
      }
      out[u * M + m] = seq.length < 2 ? Number.NaN : same / (seq.length - 1);
    }
  });
  return out;
}
