import { native } from "../native.js";
import { fromOp, type Tensor } from "../tensor.js";

/** Layer normalisation over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta. */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-12): Tensor {
  const cols = x.shape[x.rank - 1]!;
  if (gamma.size !== cols || beta.size !== cols) {
    throw new Error(`layerNorm: gamma/beta must have ${cols} elements`);
  }
  const rows = x.size / cols;
  const y = new Float32Array(x.size);
  const mu = new Float32Array(rows);
  const rstd = new Float32Array(rows);
  native.layerNorm(x.data, gamma.data, beta.data, y, mu, rstd, rows, cols, eps);
  return fromOp(y, x.shape, [x, gamma, beta], (out) => {
    native.layerNormBackward(
      out.grad!,
      x.data,
      gamma.data,
      mu,
      rstd,
      x.ensureGrad(),
      gamma.ensureGrad(),
      beta.ensureGrad(),
      rows,
      cols,
    );
  });
}
