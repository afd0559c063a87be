import { native } from "../native.js";
import { timedSection } from "../profile.js";
import type { Tensor } from "../tensor.js";

/** Settings of Adam / AdamW. */
export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** L2 penalty added to the gradient (Adam) or decoupled decay (AdamW). */
  weightDecay?: number;
  /** AdamW: decay the weights directly instead of through the gradient. */
  decoupled?: boolean;
}

/**
 * Adam (Kingma & Ba) with bias correction; AdamW (Loshchilov & Hutter) when
 * `decoupled`. The update runs in one native pass per parameter.
 */
export class Adam {
  readonly params: Tensor[];
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  step = 0;
  lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly decoupled: boolean;

  constructor(params: Tensor[], opts: AdamOptions) {
    this.params = params;
    this.m = params.map((p) => new Float32Array(p.size));
    this.v = params.map((p) => new Float32Array(p.size));
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.decoupled = opts.decoupled ?? false;
  }

  /** Apply one update from the parameters' current gradients (absent gradient: skipped). */
  update(): void {
    timedSection("adam.update", () => this.apply());
  }

  private apply(): void {
    this.step++;
    this.params.forEach((p, i) => {
      if (p.grad === null) return;
      native.adam(
        p.data,
        p.grad,
        this.m[i]!,
        this.v[i]!,
        p.size,
        this.lr,
        this.beta1,
        this.beta2,
        this.eps,
        this.weightDecay,
        this.decoupled,
        this.step,
      );
    });
  }

  zeroGrad(): void {
    timedSection("adam.zeroGrad", () => {
      for (const p of this.params) p.grad?.fill(0);
    });
  }
}

/** AdamW: Adam with decoupled weight decay (default 0.01). */
export function adamW(params: Tensor[], opts: AdamOptions): Adam {
  return new Adam(params, { weightDecay: 0.01, ...opts, decoupled: true });
}
