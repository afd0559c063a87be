import { native } from "../native.js";
import { allocUninit } from "../pool.js";
import { fromOp, type Tensor } from "../tensor.js";

/** Layer normalisation over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta. */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-12): Tensor {
  const cols = x.shape[x.rank - 1]!;
  if (gamma.size !== cols || beta.size !== cols) {
    throw new Error(`layerNorm: gamma/beta must have ${cols} elements`);
  }
  const rows = x.size / cols;
  const y = allocUninit(x.size);
  const mu = allocUninit(rows);
  const rstd = allocUninit(rows);
  native.layerNorm(x.data, gamma.data, beta.data, y, mu, rstd, rows, cols, eps);
  return fromOp(y, x.shape, [x, gamma, beta], (out) => {
    const dx = x.gradSink();
    native.layerNormBackward(
      out.grad!,
      x.data,
      gamma.data,
      mu,
      rstd,
      dx.buf,
      gamma.ensureGrad(),
      beta.ensureGrad(),
      rows,
      cols,
      !dx.fresh,
    );
  });
}
