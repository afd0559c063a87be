import {
  constantInit,
  layerNorm,
  linear,
  matmul,
  normalInit,
  type Tensor,
} from "../engine/index.js";
import type { Rng } from "../util/rng.js";

/**
 * The few building blocks every model shares. Each holds its parameters as
 * named tensors; `params()` lists them for the optimiser and the checkpoint.
 */
export interface HasParams {
  params(): Tensor[];
}

/** y = x·W + b, W [in, out] initialised N(0, std²) as RecBole does (std 0.02). */
export class Linear implements HasParams {
  readonly w: Tensor;
  readonly b: Tensor | null;

  constructor(
    inDim: number,
    outDim: number,
    rng: Rng,
    name: string,
    opts: { std?: number; bias?: boolean } = {},
  ) {
    this.w = normalInit([inDim, outDim], opts.std ?? 0.02, rng, `${name}.w`);
    this.b = opts.bias === false ? null : constantInit([outDim], 0, `${name}.b`);
  }

  forward(x: Tensor): Tensor {
    return this.b === null ? matmul(x, this.w) : linear(x, this.w, this.b);
  }

  params(): Tensor[] {
    return this.b === null ? [this.w] : [this.w, this.b];
  }
}

/** Layer normalisation with learned gain and bias. */
export class LayerNorm implements HasParams {
  readonly gamma: Tensor;
  readonly beta: Tensor;

  constructor(
    dim: number,
    name: string,
    readonly eps = 1e-12,
  ) {
    this.gamma = constantInit([dim], 1, `${name}.gamma`);
    this.beta = constantInit([dim], 0, `${name}.beta`);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.gamma, this.beta, this.eps);
  }

  params(): Tensor[] {
    return [this.gamma, this.beta];
  }
}

/** All parameters of several parts, in order. */
export function collectParams(...parts: Array<HasParams | Tensor | null | undefined>): Tensor[] {
  const out: Tensor[] = [];
  for (const p of parts) {
    if (p === null || p === undefined) continue;
    if ("params" in p) out.push(...p.params());
    else out.push(p);
  }
  return out;
}
