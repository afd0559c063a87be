import { UserError } from "../util/errors.js";
import type { DenseModality, TokenModality, TokenSeqModality } from "./modality-types.js";

/** Label of token id 0 in every vocabulary. */
export const PAD_TOKEN = "[PAD]";

/**
 * A token modality from one optional value per item (`valueAt(i)` for
 * i = 1..numItems; `undefined` or `""` = missing). Ids follow first appearance.
 */
export function encodeToken(
  name: string,
  source: string,
  numItems: number,
  valueAt: (item: number) => string | undefined,
): TokenModality {
  const ids = new Int32Array(numItems + 1);
  const tokens = [PAD_TOKEN];
  const vocab = new Map<string, number>();
  let missing = 0;
  for (let i = 1; i <= numItems; i++) {
    const v = valueAt(i);
    if (v === undefined || v === "") {
      missing++;
      continue;
    }
    let id = vocab.get(v);
    if (id === undefined) {
      id = tokens.length;
      vocab.set(v, id);
      tokens.push(v);
    }
    ids[i] = id;
  }
  return {
    name,
    source,
    kind: "token",
    vocab: tokens.length - 1,
    ids,
    tokens,
    missingCount: missing,
  };
}

/**
 * A token_seq modality (CSR) from a token list per item (`undefined` or `[]` =
 * missing), keeping at most `cap` tokens per item (0 = no cap).
 */
export function encodeTokenSeq(
  name: string,
  source: string,
  numItems: number,
  listOf: (item: number) => readonly string[] | undefined,
  cap: number,
): TokenSeqModality {
  const offsets = new Int32Array(numItems + 2);
  const ids: number[] = [];
  const tokens = [PAD_TOKEN];
  const vocab = new Map<string, number>();
  let missing = 0;
  let truncated = 0;
  for (let i = 1; i <= numItems; i++) {
    offsets[i] = ids.length;
    const list = listOf(i) ?? [];
    if (list.length === 0) missing++;
    let n = list.length;
    if (cap > 0 && n > cap) {
      n = cap;
      truncated++;
    }
    for (let k = 0; k < n; k++) {
      const t = list[k] as string;
      let id = vocab.get(t);
      if (id === undefined) {
        id = tokens.length;
        vocab.set(t, id);
        tokens.push(t);
      }
      ids.push(id);
    }
  }
  offsets[numItems + 1] = ids.length;
  return {
    name,
    source,
    kind: "token_seq",
    vocab: tokens.length - 1,
    offsets,
    ids: Int32Array.from(ids),
    tokens,
    truncatedCount: truncated,
    missingCount: missing,
  };
}

/**
 * A dense modality of width `dim`; `rowOf(i)` returns the item's vector (length
 * `dim`) or `undefined` when missing.
 */
export function encodeDense(
  name: string,
  source: string,
  numItems: number,
  dim: number,
  rowOf: (item: number) => ArrayLike<number> | undefined,
): DenseModality {
  const values = new Float32Array((numItems + 1) * dim);
  const present = new Uint8Array(numItems + 1);
  let missing = 0;
  for (let i = 1; i <= numItems; i++) {
    const row = rowOf(i);
    if (row === undefined || row.length === 0) {
      missing++;
      continue;
    }
    for (let d = 0; d < dim; d++) values[i * dim + d] = row[d] as number;
    present[i] = 1;
  }
  return { name, source, kind: "dense", dim, values, present, missingCount: missing };
}

/**
 * Quantile bucket boundaries for the given values (NaN ignored): the values at
 * ranks k·n/buckets for k = 1..buckets-1, duplicates removed, ascending.
 */
export function quantileEdges(values: ArrayLike<number>, buckets: number): Float64Array {
  if (!Number.isInteger(buckets) || buckets < 1) {
    throw new UserError(`expected floatBuckets to be a positive integer, found ${buckets}`);
  }
  const present: number[] = [];
  for (let k = 0; k < values.length; k++) {
    const v = values[k] as number;
    if (!Number.isNaN(v)) present.push(v);
  }
  present.sort((a, b) => a - b);
  const edges: number[] = [];
  if (present.length === 0) return new Float64Array(0);
  for (let k = 1; k < buckets; k++) {
    const e = present[Math.floor((k * present.length) / buckets)] as number;
    if (
      e > (present[0] as number) &&
      (edges.length === 0 || e > (edges[edges.length - 1] as number))
    ) {
      edges.push(e);
    }
  }
  return Float64Array.from(edges);
}

/** Bucket of `v` (1-based): 1 + the number of edges <= v. */
export function bucketOf(v: number, edges: Float64Array): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}

/**
 * A float column as quantile-bucket tokens: bucket ids 1..edges.length+1,
 * 0 = missing (NaN). `tokens[b]` labels bucket b as a half-open interval.
 */
export function encodeFloatBuckets(
  name: string,
  source: string,
  numItems: number,
  valueAt: (item: number) => number,
  buckets: number,
): TokenModality {
  const vals = new Float64Array(numItems);
  for (let i = 1; i <= numItems; i++) vals[i - 1] = valueAt(i);
  const edges = quantileEdges(vals, buckets);
  const ids = new Int32Array(numItems + 1);
  let missing = 0;
  let anyPresent = false;
  for (let i = 1; i <= numItems; i++) {
    const v = vals[i - 1] as number;
    if (Number.isNaN(v)) missing++;
    else {
      ids[i] = bucketOf(v, edges);
      anyPresent = true;
    }
  }
  const bounds = [Number.NEGATIVE_INFINITY, ...edges, Number.POSITIVE_INFINITY];
  const tokens = [PAD_TOKEN];
  if (anyPresent)
    for (let b = 0; b + 1 < bounds.length; b++) tokens.push(`[${bounds[b]}, ${bounds[b + 1]})`);
  return {
    name,
    source,
    kind: "token",
    vocab: tokens.length - 1,
    ids,
    tokens,
    edges,
    missingCount: missing,
  };
}

/** A float column as a 1-d dense modality, z-scored over present items (std 0 → 1). */
export function encodeFloatNormalised(
  name: string,
  source: string,
  numItems: number,
  valueAt: (item: number) => number,
): DenseModality {
  let sum = 0;
  let count = 0;
  for (let i = 1; i <= numItems; i++) {
    const v = valueAt(i);
    if (!Number.isNaN(v)) {
      sum += v;
      count++;
    }
  }
  const mean = count > 0 ? sum / count : 0;
  let sq = 0;
  for (let i = 1; i <= numItems; i++) {
    const v = valueAt(i);
    if (!Number.isNaN(v)) sq += (v - mean) * (v - mean);
  }
  const std = count > 0 && sq > 0 ? Math.sqrt(sq / count) : 1;
  const m = encodeDense(name, source, numItems, 1, (i) => {
    const v = valueAt(i);
    return Number.isNaN(v) ? undefined : [(v - mean) / std];
  });
  return { ...m, normalisation: { mean, std } };
}
