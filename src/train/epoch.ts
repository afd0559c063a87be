import type { SeqBatch } from "../data/batches.js";
import { type Adam, clipGradNorm, type Tensor, withBufferPool } from "../engine/index.js";
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
 * One optimiser step per batch: loss, backward, optional gradient clipping,
 * Adam. Each step's temporaries come from a buffer pool released after it.
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
      opt.zeroGrad();
      loss.backward();
      if (clipNorm !== null) clipGradNorm(params, clipNorm);
      opt.update();
      return loss.item();
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
