import type { SeqBatch } from "../data/batches.js";
import { type Adam, clipGradNorm, gradNorm, type Tensor, withBufferPool } from "../engine/index.js";
import type { Recommender } from "../models/recommender.js";

/** What one pass over the training batches reports. */
export interface EpochPass {
  /** Batches finished (fewer than planned when the pass was stopped). */
  batches: number;
  /** Mean loss over the finished batches. */
  loss: number;
  /** The loss's named terms, means over the finished batches (empty when the model has none). */
  parts: Map<string, number>;
  /** True when `shouldStop` ended the pass early. */
  interrupted: boolean;
}

export interface EpochHooks {
  /** After each batch: batches done and the running mean loss. */
  onBatch?: (done: number, loss: number) => void;
  /** Checked between batches; true ends the pass. */
  shouldStop?: () => boolean;
}

/**
 * A step whose loss or gradient norm is NaN or infinite: the parameters are
 * left as they were before the step (the update is never applied).
 */
export class NonFiniteStep extends Error {
  constructor(
    /** 1-based step within the epoch. */
    readonly step: number,
    readonly quantity: "loss" | "gradient norm",
    readonly value: number,
  ) {
    super(`${quantity} is ${value} at step ${step}`);
    this.name = "NonFiniteStep";
  }
}

/**
 * One optimiser step per batch: loss, backward, optional gradient clipping,
 * Adam. Each step's temporaries come from a buffer pool released after it.
 * The loss and the gradient norm are checked every step, before the update,
 * so a diverging run stops with its parameters still finite (NonFiniteStep).
 */
export async function trainEpoch(
  model: Recommender,
  params: Tensor[],
  opt: Adam,
  batches: Iterable<SeqBatch>,
  clipNorm: number | null,
  hooks: EpochHooks = {},
): Promise<EpochPass> {
  let lossSum = 0;
  let done = 0;
  const partSums = new Map<string, number>();
  let interrupted = false;
  for (const batch of batches) {
    lossSum += withBufferPool(() => {
      const loss = model.loss(batch);
      for (const [k, v] of Object.entries(model.lossParts?.() ?? {}))
        partSums.set(k, (partSums.get(k) ?? 0) + v);
      const value = loss.item();
      if (!Number.isFinite(value)) throw new NonFiniteStep(done + 1, "loss", value);
      opt.zeroGrad();
      loss.backward();
      const norm = gradNorm(params);
      if (!Number.isFinite(norm)) throw new NonFiniteStep(done + 1, "gradient norm", norm);
      if (clipNorm !== null) clipGradNorm(params, clipNorm, norm);
      opt.update();
      return value;
    });
    done++;
    hooks.onBatch?.(done, lossSum / done);
    // Let signal handlers run (Ctrl-C) between batches.
    await new Promise<void>((r) => setImmediate(r));
    if (hooks.shouldStop?.() === true) {
      interrupted = true;
      break;
    }
  }
  const n = Math.max(1, done);
  const parts = new Map([...partSums].map(([k, v]) => [k, v / n]));
  return { batches: done, loss: lossSum / n, parts, interrupted };
}
