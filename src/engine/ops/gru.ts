import { type Tensor, zeros } from "../tensor.js";
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
