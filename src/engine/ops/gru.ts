import { native } from "../native.js";
import { allocUninit } from "../pool.js";
import { fromOp, isGradEnabled, type Tensor, zeros } from "../tensor.js";
import { add, mul, sigmoid, sub, tanh } from "./elementwise.js";
import { linear } from "./matmul.js";
import { concat, reshape, slice } from "./shape.js";

/** Weights of one GRU layer: gates ordered (reset r, update z, candidate n). */
export interface GruWeights {
  /** [Din, 3H] */
  wx: Tensor;
  /** [H, 3H] */
  wh: Tensor;
  /** [3H] */
  bx: Tensor;
  /** [3H] */
  bh: Tensor;
}

/**
 * One GRU step (the PyTorch/cuDNN formulation):
 *   r = σ(x_r + h·W_hr + b_hr), z = σ(x_z + h·W_hz + b_hz),
 *   n = tanh(x_n + r ⊙ (h·W_hn + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h,
 * where gx = x·W_x + b_x was computed for the whole sequence up front.
 */
export function gruCell(gx: Tensor, h: Tensor, w: GruWeights): Tensor {
  const hidden = h.shape[1]!;
  const gh = linear(h, w.wh, w.bh);
  const r = sigmoid(add(slice(gx, 1, 0, hidden), slice(gh, 1, 0, hidden)));
  const z = sigmoid(add(slice(gx, 1, hidden, 2 * hidden), slice(gh, 1, hidden, 2 * hidden)));
  const n = tanh(
    add(slice(gx, 1, 2 * hidden, 3 * hidden), mul(r, slice(gh, 1, 2 * hidden, 3 * hidden))),
  );
  // (1 - z) * n + z * h  ==  n + z * (h - n)
  return add(n, mul(z, sub(h, n)));
}

/** Run a GRU over x [B, L, Din] from a zero state; returns every step's state [B, L, H]. */
export function gruSequence(x: Tensor, w: GruWeights): Tensor {
  const needsGrad = isGradEnabled() && [x, w.wx, w.wh, w.bx, w.bh].some((t) => t.requiresGrad);
  if (!needsGrad) return gruSequenceInference(x, w);
  const [b, l] = x.shape as [number, number, number];
  const hidden = w.wh.shape[0]!;
  const gx = linear(x, w.wx, w.bx); // [B, L, 3H]
  let h = zeros([b, hidden]);
  const states: Tensor[] = [];
  for (let t = 0; t < l; t++) {
    const gxt = reshape(slice(gx, 1, t, t + 1), [b, 3 * hidden]);
    h = gruCell(gxt, h, w);
    states.push(reshape(h, [b, 1, hidden]));
  }
  return concat(states, 1);
}

/**
 * The same sequence without a graph (evaluation, and Demure's z− pass): per
 * step one product h·W_h + b_h (as `linear` computes it) and one native pass
 * for the gates, reading gx and writing the state in place in [B, L, ·]; the
 * floats of `gruCell` op by op (test/engine/gru.test.ts).
 */
function gruSequenceInference(x: Tensor, w: GruWeights): Tensor {
  const [b, l] = x.shape as [number, number, number];
  const hidden = w.wh.shape[0]!;
  const g3 = 3 * hidden;
  const gx = linear(x, w.wx, w.bx).data; // [B, L, 3H]
  const states = allocUninit(b * l * hidden);
  const zero = new Float32Array(b * hidden);
  const gh = allocUninit(b * g3);
  for (let t = 0; t < l; t++) {
    // h_{t-1}: row b at states[(b·L + t − 1)·H], stride L·H (zeros before the first step).
    const [h, hStride] = t === 0 ? [zero, hidden] : [states.subarray((t - 1) * hidden), l * hidden];
    native.fillRows(w.bh.data, gh, b, g3);
    native.gemm(false, false, b, g3, hidden, 1, h, hStride, w.wh.data, g3, 1, gh, g3);
    native.gruGates(
      gx.subarray(t * g3),
      l * g3,
      gh,
      h,
      hStride,
      states.subarray(t * hidden),
      l * hidden,
      b,
      hidden,
    );
  }
  return fromOp(states, [b, l, hidden], [], () => {});
}

/**
 * Each row's state after its last real step, h_{len_b} [B, H], for x
 * [B, L, Din] whose row b has `lengths[b]` real steps first (inference only:
 * no graph). Rows run longest first, so step t multiplies only the rows still
 * running (about half of a batch of prefixes); the floats of `gruSequence`
 * read at each row's last real position, up to the products' rounding over
 * fewer rows (test/engine/gru.test.ts).
 */
export function gruLastStates(x: Tensor, w: GruWeights, lengths: Int32Array): Tensor {
  const [b, l, din] = x.shape as [number, number, number];
  if (lengths.length !== b)
    throw new Error(`gruLastStates: ${lengths.length} lengths for ${b} rows`);
  for (const n of lengths)
    if (n < 1 || n > l) throw new Error(`gruLastStates: a length of ${n} outside [1, ${l}]`);
  if (isGradEnabled() && [x, w.wx, w.wh, w.bx, w.bh].some((t) => t.requiresGrad))
    throw new Error("gruLastStates runs without a graph: call it inside noGrad");
  const hidden = w.wh.shape[0]!;
  const g3 = 3 * hidden;
  const order = Int32Array.from({ length: b }, (_, i) => i).sort(
    (p, q) => lengths[q]! - lengths[p]! || p - q,
  );
  const sorted = allocUninit(b * l * din);
  native.gatherRows(x.data, b, order, sorted, b, l * din);
  const gx = linear(
    fromOp(sorted, [b, l, din], [], () => {}),
    w.wx,
    w.bx,
  ).data; // [B, L, 3H], longest first
  let h: Float32Array = new Float32Array(b * hidden);
  let next: Float32Array = allocUninit(b * hidden);
  const gh = allocUninit(b * g3);
  const out = allocUninit(b * hidden);
  let running = b;
  for (let t = 0; t < lengths[order[0]]!; t++) {
    while (running > 0 && lengths[order[running - 1]]! <= t) running--;
    native.fillRows(w.bh.data, gh, running, g3);
    native.gemm(false, false, running, g3, hidden, 1, h, hidden, w.wh.data, g3, 1, gh, g3);
    native.gruGates(gx.subarray(t * g3), l * g3, gh, h, hidden, next, hidden, running, hidden);
    for (let i = running - 1; i >= 0 && lengths[order[i]]! === t + 1; i--) {
      out.set(next.subarray(i * hidden, (i + 1) * hidden), order[i]! * hidden);
    }
    [h, next] = [next, h];
  }
  return fromOp(out, [b, hidden], [], () => {});
}
