import type { Adam, Tensor } from "../engine/index.js";
import { loadTrainingState, saveTrainingState } from "./checkpoint.js";
import type { EpochRecord } from "./run-dir.js";

/**
 * Where a training stands between epochs: its history, the best validation
 * score (the protocol's selection metric: NDCG@10 under loo, recall@50 under
 * the user split) and its epoch, the epochs since it last improved (early stopping),
 * the seconds spent. Saved with the parameters after every epoch, so a run
 * resumes exactly where it stopped.
 */
export class TrainProgress {
  history: EpochRecord[] = [];
  best = Number.NEGATIVE_INFINITY;
  bestEpoch = 0;
  badEpochs = 0;
  seconds = 0;
  /** The last finished epoch (0 before the first). */
  epoch = 0;

  /** Whether another epoch should run: under the epoch budget and the patience. */
  goOn(maxEpochs: number, patience: number): boolean {
    return this.epoch < maxEpochs && this.badEpochs < patience;
  }

  /** Score a validated epoch; true when it is the new best. */
  observe(epoch: number, score: number): boolean {
    if (score > this.best) {
      this.best = score;
      this.bestEpoch = epoch;
      this.badEpochs = 0;
      return true;
    }
    this.badEpochs++;
    return false;
  }

  /** Close an epoch: its record joins the history and its seconds the total. */
  finish(rec: EpochRecord): void {
    this.history.push(rec);
    this.seconds += rec.seconds;
    this.epoch = rec.epoch;
  }

  save(path: string, params: Tensor[], opt: Adam): void {
    saveTrainingState(path, params, opt, {
      epoch: this.epoch,
      history: this.history,
      best: this.best,
      bestEpoch: this.bestEpoch,
      badEpochs: this.badEpochs,
      seconds: this.seconds,
    });
  }

  /** Parameters and Adam's state into the model, and the progress they were saved with. */
  static resume(path: string, params: Tensor[], opt: Adam): TrainProgress {
    const meta = loadTrainingState(path, params, opt);
    const p = new TrainProgress();
    p.history = meta.history as EpochRecord[];
    // JSON has no -Infinity: "no best epoch yet" comes back as null.
    p.best = (meta.best as number | null) ?? Number.NEGATIVE_INFINITY;
    p.bestEpoch = meta.bestEpoch as number;
    p.badEpochs = meta.badEpochs as number;
    p.seconds = meta.seconds as number;
    p.epoch = meta.epoch as number;
    return p;
  }
}
