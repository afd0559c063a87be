import {
  addScalar,
  bmm,
  div,
  mul,
  noGrad,
  reshape,
  sqrt,
  sum,
  type Tensor,
  tensor,
} from "../../engine/index.js";
import { Rng } from "../../util/rng.js";
import type { SeqBatchShape } from "./backbone.js";

/**
 * Dynamic routing between capsules, as ComiRec's reference code (Cen et al.,
 * KDD 2020, THUDM/ComiRec `CapsuleNetwork`) runs it for MIND and ComiRec-DR.
 *
 * Given prediction vectors û (one per history position, either shared by the
 * K interests, [B, L, d], or one per interest, [B, K, L, d]) and initial
 * logits b [B, K, L], each iteration
 *
 *   w_{k,i} = softmax_k(b_{k,i})      (0 at padded positions i)
 *   z_k     = squash(Σ_i w_{k,i} û_{k,i})
 *   b_{k,i} += <û_{k,i}, z_k>          (not after the last iteration)
 *
 * and the interests are the last iteration's z. As in the reference, the
 * routing weights are constants: gradients reach û only through the last
 * iteration's weighted sum, never through the weights the earlier iterations
 * agreed on (those run without recording a graph).
 */

/** The geometry of one routing problem. */
export interface RoutingShape {
  batch: number;
  interests: number;
  length: number;
  /** [batch, length] 1 for a real item, 0 for padding. */
  keyMask: Uint8Array;
}

/** The routing geometry of a padded batch with K interests. */
export function routingShape(shape: SeqBatchShape, interests: number): RoutingShape {
  return { batch: shape.batch, interests, length: shape.length, keyMask: shape.keyMask };
}

/**
 * squash(z) = |z|²/(1+|z|²) · z/√(|z|²+1e-9) over the last axis: keeps the
 * direction, maps the norm into [0, 1). The 1e-9 keeps z = 0 finite (it maps to 0).
 */
export function squash(z: Tensor): Tensor {
  const n2 = sum(mul(z, z), -1, true);
  return mul(z, div(n2, mul(addScalar(n2, 1), sqrt(addScalar(n2, 1e-9)))));
}

/** w = softmax over the K axis of logits [B, K, L], with padded positions set to 0 (a constant). */
export function routingWeights(logits: Float32Array, s: RoutingShape): Float32Array {
  const { batch, interests: k, length: l, keyMask } = s;
  const w = new Float32Array(batch * k * l);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < l; i++) {
      if (keyMask[b * l + i] === 0) continue;
      let top = -Infinity;
      for (let j = 0; j < k; j++) top = Math.max(top, logits[(b * k + j) * l + i]!);
      let total = 0;
      for (let j = 0; j < k; j++) {
        const e = Math.exp(logits[(b * k + j) * l + i]! - top);
        w[(b * k + j) * l + i] = e;
        total += e;
      }
      for (let j = 0; j < k; j++) w[(b * k + j) * l + i]! /= total;
    }
  }
  return w;
}

/** z = squash(Σ_i w_{k,i} û_{k,i}): weights w [B, K, L] and û [B, L, d] (shared) or [B, K, L, d] → [B, K, d]. */
export function routeStep(w: Tensor, uHat: Tensor): Tensor {
  if (uHat.rank === 3) return squash(bmm(w, uHat));
  const [b, k, l, d] = uHat.shape as [number, number, number, number];
  const z = bmm(reshape(w, [b * k, 1, l]), reshape(uHat, [b * k, l, d]));
  return squash(reshape(z, [b, k, d]));
}

/** The agreements <û_{k,i}, z_k> as [B, K, L] values (computed without a graph). */
function agreement(z: Tensor, uHat: Tensor): Float32Array {
  return noGrad(() => {
    if (uHat.rank === 3) return bmm(z, uHat, { transB: true }).data;
    const [b, k, l, d] = uHat.shape as [number, number, number, number];
    return bmm(reshape(z, [b * k, 1, d]), reshape(uHat, [b * k, l, d]), { transB: true }).data;
  });
}

/**
 * The weights the last iteration uses: `iterations` − 1 rounds of agreement
 * from `init` (the first iteration's weights when `iterations` is 1).
 */
export function finalRoutingWeights(
  uHat: Tensor,
  init: Float32Array,
  s: RoutingShape,
  iterations: number,
): Tensor {
  const logits = Float32Array.from(init);
  const shape = [s.batch, s.interests, s.length];
  for (let it = 0; it < iterations - 1; it++) {
    const z = noGrad(() => routeStep(tensor(routingWeights(logits, s), shape), uHat));
    const a = agreement(z, uHat);
    for (let j = 0; j < logits.length; j++) logits[j]! += a[j]!;
  }
  return tensor(routingWeights(logits, s), shape);
}

/** The K interest capsules [B, K, d] after `iterations` rounds of routing from logits `init` [B, K, L]. */
export function dynamicRouting(
  uHat: Tensor,
  init: Float32Array,
  s: RoutingShape,
  iterations: number,
): Tensor {
  return routeStep(finalRoutingWeights(uHat, init, s, iterations), uHat);
}

/** One draw of N(0, 1) truncated to [−2, 2] (TensorFlow's truncated_normal, which the reference uses). */
export function truncatedNormal(rng: Rng): number {
  for (;;) {
    const x = rng.normal();
    if (Math.abs(x) <= 2) return x;
  }
}

/** Random initial logits [B, K, L] (MIND in training): a fresh truncated N(0, 1) draw per entry. */
export function randomLogits(s: RoutingShape, rng: Rng): Float32Array {
  const out = new Float32Array(s.batch * s.interests * s.length);
  for (let i = 0; i < out.length; i++) out[i] = truncatedNormal(rng);
  return out;
}

/**
 * MIND's initial logits at evaluation: ONE fixed draw per (position, interest),
 * the same for every row of every batch, so a user's interests (and thus their
 * scores) depend only on their history, never on the batch they are scored in
 * or on how many times they were scored. The draws come from a fixed seed in
 * position-major order, so the table grows with the longest history seen and
 * its existing entries never change.
 */
export class FixedLogits {
  private values = new Float32Array(0);
  private readonly rng: Rng;

  constructor(
    readonly interests: number,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  /** The logits [B, K, L] for a batch: b_{k,i} = table(i, k) in every row. */
  fill(s: RoutingShape): Float32Array {
    const k = this.interests;
    const l = s.length;
    if (this.values.length < l * k) {
      const grown = new Float32Array(l * k);
      grown.set(this.values);
      for (let i = this.values.length; i < grown.length; i++) grown[i] = truncatedNormal(this.rng);
      this.values = grown;
    }
    const out = new Float32Array(s.batch * k * l);
    for (let b = 0; b < s.batch; b++)
      for (let j = 0; j < k; j++)
        for (let i = 0; i < l; i++) out[(b * k + j) * l + i] = this.values[i * k + j]!;
    return out;
  }
}

/** [B, K, d] interests as the backbone face wants them: [B, d] when K is 1. */
export function asUserState(interests: Tensor): Tensor {
  const [b, k, d] = interests.shape as [number, number, number];
  return k === 1 ? reshape(interests, [b, d]) : interests;
}
