import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { countTrainBatches, trainBatches, trainingExamples } from "../data/batches.js";
import { type Dataset, loadDataset } from "../data/dataset.js";
import { withNoiseModalities } from "../data/noise.js";
import { leaveOneOut } from "../data/split.js";
import { poiAucReport, readPoiLabels } from "../demure/poi-report.js";
import { DemureRecommender } from "../demure/recommender.js";
import { Adam, clipGradNorm, withBufferPool } from "../engine/index.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { UserError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { withRunDirLock } from "../util/run-lock.js";
import { loadParams, loadTrainingState, saveParams, saveTrainingState } from "./checkpoint.js";
import type { TrainConfig } from "./config.js";
import { evaluateModel } from "./evaluate.js";
import { buildModel } from "./model.js";
import { createRunDir, type EpochRecord, runPath, writeJson } from "./run-dir.js";

/** What a finished run reports (CONTRACT.md: `train --json`). */
export interface TrainResult {
  model: string;
  variant: string;
  dataset: string;
  epochs_run: number;
  best_epoch: number;
  train_seconds: number;
  valid: Record<string, number>;
  test: Record<string, number>;
  /** POI-AUC of the learned π_u on the planted labels (demure variant, NAME.poi present). */
  poi_auc?: number;
  /** POI-AUC of the plain coherence heuristic on the same labels: the floor to beat. */
  coherence_poi_auc?: number;
  run_dir: string;
  interrupted?: boolean;
}

export interface TrainHooks {
  /** After each batch: epoch (1-based), batches done, batches per epoch, running mean loss. */
  onBatch?: (epoch: number, done: number, total: number, loss: number) => void;
  onEpochStart?: (epoch: number, total: number) => void;
  onEpoch?: (rec: EpochRecord) => void;
  onNote?: (message: string) => void;
  /** Checked between batches; when true, training stops at the last finished epoch. */
  shouldStop?: () => boolean;
}

/** Load a dataset the way a config asks (k-core, noise modalities), checking modality names. */
export async function loadForConfig(cfg: TrainConfig): Promise<Dataset> {
  let ds = await loadDataset(cfg.data, cfg.kcore === null ? {} : { kcore: cfg.kcore });
  ds = withNoiseModalities(ds, cfg.noiseModalities, cfg.noiseDim, cfg.seed);
  if (cfg.modalities !== "all") {
    for (const name of cfg.modalities) {
      if (!ds.modalities.some((m) => m.name === name)) {
        throw new UserError(
          `modalities: "${name}" is not a modality of ${ds.name} (it has: ${ds.modalities.map((m) => m.name).join(", ") || "none"})`,
        );
      }
    }
  }
  if (cfg.variant !== "id" && ds.modalities.length === 0 && cfg.modalities === "all") {
    throw new UserError(
      `variant ${cfg.variant} needs item modalities, and ${ds.name} has none (no .item columns or feature files)`,
    );
  }
  return ds;
}

/** A seed for epoch e's shuffling and dropout, so a resumed run repeats the epoch exactly. */
function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(epoch, 0x85ebca6b)) >>> 0;
}

/**
 * Train with early stopping on validation NDCG@10, keep the best epoch's
 * parameters, evaluate them on test. The run directory receives its files
 * only after the data loaded cleanly.
 */
export async function train(
  cfg: TrainConfig,
  outDir: string,
  opts: { resume?: boolean } & TrainHooks = {},
): Promise<TrainResult> {
  const ds = await loadForConfig(cfg);
  const split = leaveOneOut(ds.sequences);
  const examples = trainingExamples(split);
  if (examples.count === 0)
    throw new UserError(
      `${ds.name} has no training example (every user has fewer than 3 interactions)`,
    );
  const dropoutRng = new Rng(0);
  const model = buildModel(ds, cfg, new Rng(cfg.seed), dropoutRng);
  const params = model.params();
  const opt = new Adam(params, { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const evalOpts = {
    batchSize: cfg.evalBatchSize,
    maxLength: cfg.maxLength,
    excludeHistory: cfg.excludeHistory,
  };
  const batchOpts = {
    batchSize: cfg.batchSize,
    maxLength: cfg.maxLength,
    bucketBatches: cfg.bucketBatches,
  };
  const perEpoch = countTrainBatches(examples, batchOpts);

  if (opts.resume !== true) createRunDir(outDir);
  // One writer per run directory: a second training into it is refused.
  return withRunDirLock(outDir, async () => {
    let history: EpochRecord[] = [];
    let best = Number.NEGATIVE_INFINITY;
    let bestEpoch = 0;
    let badEpochs = 0;
    let seconds = 0;
    let startEpoch = 1;
    const resumePath = runPath(outDir, "resume");
    if (opts.resume === true) {
      const meta = loadTrainingState(resumePath, params, opt);
      history = meta.history as EpochRecord[];
      // JSON has no -Infinity: "no best epoch yet" comes back as null.
      best = (meta.best as number | null) ?? Number.NEGATIVE_INFINITY;
      bestEpoch = meta.bestEpoch as number;
      badEpochs = meta.badEpochs as number;
      seconds = meta.seconds as number;
      startEpoch = (meta.epoch as number) + 1;
      opts.onNote?.(
        `resuming after epoch ${startEpoch - 1} (best valid ndcg@10 ${best.toFixed(4)} at epoch ${bestEpoch})`,
      );
    } else {
      // The data folder is kept absolute, so the run loads from any working directory.
      writeJson(runPath(outDir, "config"), { ...cfg, data: resolve(cfg.data) });
      if (existsSync(runPath(outDir, "result")))
        opts.onNote?.(`overwriting the earlier run in ${outDir}`);
    }
    const checkpoint = (epoch: number) =>
      saveTrainingState(resumePath, params, opt, {
        epoch,
        history,
        best,
        bestEpoch,
        badEpochs,
        seconds,
      });
    if (opts.resume !== true) checkpoint(0);

    let interrupted = false;
    for (let epoch = startEpoch; epoch <= cfg.epochs && badEpochs < cfg.patience; epoch++) {
      const t0 = performance.now();
      const rng = new Rng(epochSeed(cfg.seed, epoch));
      dropoutRng.reseed(rng.nextU32());
      opts.onEpochStart?.(epoch, perEpoch);
      let lossSum = 0;
      let done = 0;
      const partSums = new Map<string, number>();
      for (const batch of trainBatches(split, examples, batchOpts, rng)) {
        lossSum += withBufferPool(() => {
          const loss = model.loss(batch);
          for (const [k, v] of Object.entries(model.lossParts?.() ?? {}))
            partSums.set(k, (partSums.get(k) ?? 0) + v);
          opt.zeroGrad();
          loss.backward();
          if (cfg.clipNorm !== null) clipGradNorm(params, cfg.clipNorm);
          opt.update();
          return loss.item();
        });
        done++;
        opts.onBatch?.(epoch, done, perEpoch, lossSum / done);
        // Let signal handlers run (Ctrl-C) between batches.
        await new Promise<void>((r) => setImmediate(r));
        if (opts.shouldStop?.() === true) {
          interrupted = true;
          break;
        }
      }
      if (interrupted) break;
      const rec: EpochRecord = { epoch, loss: lossSum / Math.max(1, done), seconds: 0 };
      if (partSums.size > 0)
        rec.parts = Object.fromEntries([...partSums].map(([k, v]) => [k, v / Math.max(1, done)]));
      if (epoch % cfg.evalEvery === 0 || epoch === cfg.epochs) {
        rec.valid = evaluateModel(model, split.valid, evalOpts).metrics;
        const score = rec.valid["ndcg@10"] ?? 0;
        if (score > best) {
          best = score;
          bestEpoch = epoch;
          badEpochs = 0;
          saveParams(runPath(outDir, "best"), params, { epoch, valid: rec.valid });
        } else {
          badEpochs++;
        }
      }
      rec.seconds = (performance.now() - t0) / 1000;
      seconds += rec.seconds;
      history.push(rec);
      checkpoint(epoch);
      writeMetrics(outDir, history);
      opts.onEpoch?.(rec);
    }

    const result: TrainResult = {
      model: cfg.model,
      variant: cfg.variant,
      dataset: ds.name,
      epochs_run: history.length,
      best_epoch: bestEpoch,
      train_seconds: Math.round(seconds * 100) / 100,
      valid: {},
      test: {},
      run_dir: resolve(outDir),
    };
    if (interrupted) return { ...result, interrupted: true };
    if (bestEpoch > 0) loadParams(runPath(outDir, "best"), params);
    result.valid = evaluateModel(model, split.valid, evalOpts).metrics;
    result.test = evaluateModel(model, split.test, evalOpts).metrics;
    if (model instanceof DemureRecommender && model.estimator !== null) {
      const labels = await readPoiLabels(ds);
      if (labels !== null) Object.assign(result, poiAucReport(model, ds, labels, cfg.maxLength));
    }
    writeJson(runPath(outDir, "result"), result);
    return result;
  });
}

/** metrics.jsonl is rewritten whole (atomically) so a crash never leaves a torn or duplicated line. */
function writeMetrics(dir: string, history: EpochRecord[]): void {
  writeFileAtomic(runPath(dir, "metrics"), history.map((r) => `${JSON.stringify(r)}\n`).join(""));
}
