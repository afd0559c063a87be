import { Rng } from "../util/rng.js";
import type { Modality } from "./modality-types.js";

/**
 * One discrete code per item for a modality: `codes[i]` in 1..count, 0 for a
 * missing value (and for the padding row 0). Statistics that count which items
 * share a value (Demure's subset surprise) need this; the models still read the
 * full modality.
 *   token      → the token id;
 *   token_seq  → the bag as a set (items with the same set of tokens share a code);
 *   dense      → the signs of `bits` random projections of the centred vector
 *                (random-hyperplane hashing: nearby vectors tend to share a code).
 * The hyperplanes are drawn from a fixed seed, so the codes of a dataset never
 * depend on a training run's seed.
 */
export function modalityCodes(m: Modality, numItems: number, bits = 4): Int32Array {
  const codes = new Int32Array(numItems + 1);
  if (m.kind === "token") {
    for (let i = 1; i <= numItems; i++) codes[i] = m.ids[i]!;
    return codes;
  }
  if (m.kind === "token_seq") {
    const sets = new Map<string, number>();
    for (let i = 1; i <= numItems; i++) {
      const bag = m.ids.subarray(m.offsets[i]!, m.offsets[i + 1]!);
      if (bag.length === 0) continue;
      const key = [...new Set(bag)].sort((a, b) => a - b).join(" ");
      let code = sets.get(key);
      if (code === undefined) {
        code = sets.size + 1;
        sets.set(key, code);
      }
      codes[i] = code;
    }
    return codes;
  }
  const { dim, values, present } = m;
  const mean = new Float64Array(dim);
  let n = 0;
  for (let i = 1; i <= numItems; i++) {
    if (!present[i]) continue;
    n++;
    for (let k = 0; k < dim; k++) mean[k]! += values[i * dim + k]!;
  }
  for (let k = 0; k < dim; k++) mean[k]! /= Math.max(1, n);
  const rng = new Rng(0x5eed + dim);
  const planes = Float64Array.from({ length: bits * dim }, () => rng.normal());
  for (let i = 1; i <= numItems; i++) {
    if (!present[i]) continue;
    let code = 0;
    for (let b = 0; b < bits; b++) {
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += (values[i * dim + k]! - mean[k]!) * planes[b * dim + k]!;
      code = code * 2 + (dot > 0 ? 1 : 0);
    }
    codes[i] = code + 1;
  }
  return codes;
}
