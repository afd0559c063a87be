import { embedding, noGrad, reshape, type Tensor } from "../engine/index.js";

/**
 * The two rules of a multi-interest model (MIND, ComiRec): in training, the
 * interest nearest the target enters the loss (label-aware selection, hard:
 * the arg-max of <h_k, v_target>); in ranking, an item scores by its best
 * interest, max_k <h_k, v_j>. A single-interest state [B, d] passes through both.
 */

/** Per row, the flat index b·K + k of the interest with the largest inner product with the row's target vector. */
export function nearestInterest(states: Tensor, targetVectors: Tensor): Int32Array {
  const [b, k, d] = states.shape as [number, number, number];
  const index = new Int32Array(b);
  noGrad(() => {
    const h = states.data;
    const t = targetVectors.data;
    for (let r = 0; r < b; r++) {
      let best = -Infinity;
      let arg = 0;
      for (let j = 0; j < k; j++) {
        let s = 0;
        const o = (r * k + j) * d;
        for (let x = 0; x < d; x++) s += h[o + x]! * t[r * d + x]!;
        // A NaN never wins, so the pick stays defined; the loss then reports the NaN.
        if (s > best) {
          best = s;
          arg = j;
        }
      }
      index[r] = r * k + arg;
    }
  });
  return index;
}

/** The states [B, d] picked by `index` (from `nearestInterest`); gradients flow into the picked interests only. */
export function pickInterests(states: Tensor, index: Int32Array): Tensor {
  if (states.rank === 2) return states;
  const [b, k, d] = states.shape as [number, number, number];
  return embedding(reshape(states, [b * k, d]), index, [b]);
}

/** Label-aware selection: [B, K, d] and target vectors [B, d] → [B, d] (a [B, d] state is returned as it is). */
export function selectInterest(states: Tensor, targetVectors: Tensor): Tensor {
  if (states.rank === 2) return states;
  return pickInterests(states, nearestInterest(states, targetVectors));
}

/** The states as rows of one matrix: [B, K, d] → [B·K, d] ([B, d] unchanged). */
export function interestRows(states: Tensor): Tensor {
  if (states.rank === 2) return states;
  const [b, k, d] = states.shape as [number, number, number];
  return reshape(states, [b * k, d]);
}

/** Row-wise max over each row's K consecutive score rows: [B·K, W] → [B, W] (K = 1 returns the input). */
export function maxOverInterests(scores: Float32Array, k: number, width: number): Float32Array {
  if (k === 1) return scores;
  const b = scores.length / (k * width);
  const out = new Float32Array(b * width);
  for (let r = 0; r < b; r++) {
    const o = r * width;
    out.set(scores.subarray(r * k * width, r * k * width + width), o);
    for (let j = 1; j < k; j++) {
      const src = (r * k + j) * width;
      for (let x = 0; x < width; x++) {
        const s = scores[src + x]!;
        // NaN-propagating max: a NaN interest makes the item's score NaN (ranked as such), never silently ignored.
        if (s > out[o + x]! || Number.isNaN(s)) out[o + x] = s;
      }
    }
  }
  return out;
}
