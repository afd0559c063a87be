import type { Dataset } from "../data/dataset.js";
import { verdict } from "./explain.js";
import { poiWeights } from "./poi-report.js";
import type { DemureRecommender } from "./recommender.js";

/** How one modality's POI weight is spread over the users. */
export interface ModalitySummary {
  modality: string;
  /** Mean and standard deviation of π_u^m over users. */
  mean: number;
  std: number;
  /** Share of users for whom m has the highest weight. */
  top: number;
  /** Shares of users with π_u^m ≥ 1.5/M ("a point of interest") and ≤ 0.5/M ("noise"), as `explain` words them. */
  poi: number;
  noise: number;
}

/** The POI weights of every user of a run, per modality (`demure explain --all`). */
export interface PoiSummary {
  users: number;
  /** 1/M: the weight of every modality when Demure prefers none. */
  uniform: number;
  modalities: ModalitySummary[];
  strength?: number;
}

/** π_u for every user (whole history, as `explain` reads it), summarised per modality, highest mean first. */
export function summarizePoi(model: DemureRecommender, ds: Dataset, maxLength: number): PoiSummary {
  const names = model.modalityNames;
  const M = names.length;
  const pi = poiWeights(model, ds, names, maxLength);
  const users = pi.rows;
  // Each user's top modality, once.
  const best = new Int32Array(users);
  for (let u = 0; u < users; u++)
    for (let k = 1; k < M; k++) if (pi.data[u * M + k]! > pi.data[u * M + best[u]]!) best[u] = k;
  const modalities = names.map((modality, m) => {
    let sum = 0;
    let sq = 0;
    let top = 0;
    let poi = 0;
    let noise = 0;
    for (let u = 0; u < users; u++) {
      const w = pi.data[u * M + m]!;
      sum += w;
      sq += w * w;
      if (best[u] === m) top++;
      const says = verdict(w, M);
      if (says === "a point of interest") poi++;
      if (says === "noise for this user") noise++;
    }
    const mean = sum / users;
    return {
      modality,
      mean,
      std: Math.sqrt(Math.max(0, sq / users - mean * mean)),
      top: top / users,
      poi: poi / users,
      noise: noise / users,
    };
  });
  modalities.sort((a, b) => b.mean - a.mean);
  const s: PoiSummary = { users, uniform: 1 / M, modalities };
  if (model.strength !== null) s.strength = model.strength.data[0]!;
  return s;
}

/** The summary as a table, for a terminal. */
export function summaryText(s: PoiSummary): string {
  const pct = (x: number) => `${(100 * x).toFixed(0)} %`.padStart(5);
  const lines = [
    `POI weights of ${s.users} users (uniform: ${s.uniform.toFixed(3)}), highest mean first:`,
    `  ${"modality".padEnd(12)}  mean ± std     on top  a POI  noise`,
  ];
  for (const m of s.modalities) {
    lines.push(
      `  ${m.modality.padEnd(12)}  ${m.mean.toFixed(3)} ± ${m.std.toFixed(3)}  ${pct(m.top)}  ${pct(m.poi)}  ${pct(m.noise)}`,
    );
  }
  if (s.strength !== undefined)
    lines.push(`  The model applies these weights at strength ${s.strength.toFixed(2)}.`);
  return lines.join("\n");
}
