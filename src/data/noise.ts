import { Rng } from "../util/rng.js";
import type { Dataset } from "./dataset.js";
import type { DenseModality } from "./modality-types.js";

/**
 * The robustness experiment's input: `k` extra modalities of pure noise, a
 * random unit-variance vector per item (seeded), named noise0..noise{k-1}.
 * They carry no information about any user, so a recommender that is not
 * misled by noise should lose (almost) nothing when they are added.
 */
export function withNoiseModalities(ds: Dataset, k: number, dim: number, seed: number): Dataset {
  if (k <= 0) return ds;
  const rng = new Rng(seed ^ 0x5eed);
  const extra: DenseModality[] = [];
  for (let m = 0; m < k; m++) {
    const values = new Float32Array((ds.numItems + 1) * dim);
    const present = new Uint8Array(ds.numItems + 1);
    for (let i = 1; i <= ds.numItems; i++) {
      present[i] = 1;
      for (let d = 0; d < dim; d++) values[i * dim + d] = rng.normal();
    }
    extra.push({
      name: `noise${m}`,
      source: "generated noise",
      missingCount: 0,
      kind: "dense",
      dim,
      values,
      present,
    });
  }
  return { ...ds, modalities: [...ds.modalities, ...extra] };
}
