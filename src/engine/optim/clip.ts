import { native } from "../native.js";
import { timedSection } from "../profile.js";
import type { Tensor } from "../tensor.js";

/**
 * Scale all gradients so their global L2 norm is at most `maxNorm`.
 * Returns the norm before clipping (pass `norm` when it is already known).
 */
export function clipGradNorm(
  params: Tensor[],
  maxNorm: number,
  norm: number = gradNorm(params),
): number {
  if (norm > maxNorm && norm > 0) {
    const s = maxNorm / norm;
    timedSection("clipGradNorm", () => {
      for (const p of params) if (p.grad !== null) native.scale(s, p.grad, p.grad, p.grad.length);
    });
  }
  return norm;
}

/** The global L2 norm of all gradients (NaN or Infinity when any gradient is). */
export function gradNorm(params: Tensor[]): number {
  return timedSection("gradNorm", () => {
    let sq = 0;
    for (const p of params) if (p.grad !== null) sq += native.sumSquares(p.grad, p.grad.length);
    return Math.sqrt(sq);
  });
}
