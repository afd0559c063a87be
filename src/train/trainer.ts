import { resolve } from "node:path";
import { countTrainBatches, trainBatches, trainingExamples } from "../data/batches.js";
import { fingerprintFiles } from "../data/fingerprint.js";
import { type Snapshot, saveSnapshot } from "../data/snapshot.js";
import { poiAucReport, readPoiLabels } from "../demure/poi-report.js";
import { DemureRecommender } from "../demure/recommender.js";
import { Adam, type Tensor } from "../engine/index.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { RunFailure, UserError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { loadParams, saveParams } from "./checkpoint.js";
import type { TrainConfig } from "./config.js";
import { NonFiniteStep, trainEpoch } from "./epoch.js";
import { loadForConfig } from "./load-data.js";
import { buildModel } from "./model.js";
import { TrainProgress } from "./progress.js";
import { evalOptions, type ProtocolName, type ProtocolSplit, protocolSplit } from "./protocol.js";
import { type EpochRecord, RUN_FILES, readRunSnapshot, runPath, writeJson } from "./run-dir.js";
import { openRunTarget, type TargetOptions } from "./run-target.js";

/** What a finished run reports (CONTRACT.md: `train --json`). */
export interface TrainResult {
  model: string;
  variant: string;
  dataset: string;
  /** The evaluation protocol of "valid" and "test" (config `protocol`). */
  protocol: ProtocolName;
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
  /** Set when a retrain stopped before its first epoch: the earlier run was left as it was. */
  kept_earlier_run?: boolean;
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

/** A seed for epoch e's shuffling and dropout, so a resumed run repeats the epoch exactly. */
export function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(epoch, 0x85ebca6b)) >>> 0;
}

/**
 * Train with early stopping on the protocol's validation metric (NDCG@10
 * under leave-one-out, recall@50 under the user split), keep the best
 * epoch's parameters, evaluate them on test. The run directory receives its
 * files only after the data loaded cleanly.
 */
export async function train(
  cfg: TrainConfig,
  outDir: string,
  opts: TargetOptions & TrainHooks = {},
): Promise<TrainResult> {
  // A resumed run trains on its own snapshot, whatever happened to the data folder since.
  const snapshot = opts.resume === true ? readSnapshot(outDir, opts) : null;
  const ds = snapshot?.dataset ?? (await loadForConfig(cfg));
  const fingerprint = snapshot?.fingerprint ?? (await fingerprintFiles(ds.files));
  const split = protocolSplit(cfg, ds);
  for (const note of split.notes) opts.onNote?.(note);
  const examples = trainingExamples(split);
  if (examples.count === 0) throw new UserError(noTrainingExample(ds.name, split));
  const dropoutRng = new Rng(0);
  const model = buildModel(ds, cfg, new Rng(cfg.seed), dropoutRng, { trainSequences: split.train });
  const params = model.params();
  const opt = new Adam(params, { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const evalOpts = evalOptions(cfg);
  const batchOpts = {
    batchSize: cfg.batchSize,
    maxLength: cfg.maxLength,
    bucketBatches: cfg.bucketBatches,
  };
  const perEpoch = countTrainBatches(examples, batchOpts);

  // One writer per run directory (a second training into it is refused), and
  // a retrain never mixes its files with the run it replaces.
  const target = openRunTarget(outDir, opts);
  try {
    if (opts.resume !== true) saveSnapshot(runPath(target.dir, "data"), ds, fingerprint);
    const progress = startProgress(cfg, target.dir, params, opt, split.selection, opts);

    let interrupted = false;
    while (progress.goOn(cfg.epochs, cfg.patience)) {
      const epoch = progress.epoch + 1;
      const t0 = performance.now();
      const rng = new Rng(epochSeed(cfg.seed, epoch));
      dropoutRng.reseed(rng.nextU32());
      opts.onEpochStart?.(epoch, perEpoch);
      const batches = trainBatches(split, examples, batchOpts, rng);
      const pass = await trainEpoch(model, params, opt, batches, cfg.clipNorm, {
        onBatch: (done, loss) => opts.onBatch?.(epoch, done, perEpoch, loss),
        ...(opts.shouldStop === undefined ? {} : { shouldStop: opts.shouldStop }),
      }).catch((e: unknown) => {
        throw e instanceof NonFiniteStep
          ? diverged(e, epoch, cfg, outDir, progress, target.committed)
          : e;
      });
      if (pass.interrupted) {
        interrupted = true;
        break;
      }
      const rec: EpochRecord = { epoch, loss: pass.loss, seconds: 0 };
      if (pass.parts.size > 0) rec.parts = Object.fromEntries(pass.parts);
      if (epoch % cfg.evalEvery === 0 || epoch === cfg.epochs) {
        rec.valid = split.evaluate(model, "valid", evalOpts).metrics;
        if (progress.observe(epoch, rec.valid[split.selection] ?? 0))
          saveParams(runPath(target.dir, "best"), params, { epoch, valid: rec.valid });
      }
      rec.seconds = (performance.now() - t0) / 1000;
      progress.finish(rec);
      progress.save(runPath(target.dir, "resume"), params, opt);
      writeMetrics(target.dir, progress.history);
      // The new run's first epoch is saved: only now does it replace the old one.
      if (!target.committed) {
        target.commit();
        opts.onNote?.(`replaced the earlier run in ${outDir}`);
      }
      opts.onEpoch?.(rec);
    }

    const result: TrainResult = {
      model: cfg.model,
      variant: cfg.variant,
      dataset: ds.name,
      protocol: cfg.protocol,
      epochs_run: progress.history.length,
      best_epoch: progress.bestEpoch,
      train_seconds: Math.round(progress.seconds * 100) / 100,
      valid: {},
      test: {},
      run_dir: resolve(outDir),
    };
    if (interrupted) {
      // The caller says what was kept: the earlier run, or this one's last epoch.
      return {
        ...result,
        interrupted: true,
        ...(target.committed ? {} : { kept_earlier_run: true }),
      };
    }
    if (progress.bestEpoch > 0) loadParams(runPath(target.dir, "best"), params);
    result.valid = split.evaluate(model, "valid", evalOpts).metrics;
    result.test = split.evaluate(model, "test", evalOpts).metrics;
    if (model instanceof DemureRecommender && model.estimator !== null) {
      const labels = await readPoiLabels(ds);
      if (labels !== null) Object.assign(result, poiAucReport(model, ds, labels, cfg.maxLength));
    }
    writeJson(runPath(target.dir, "result"), result);
    return result;
  } finally {
    target.close();
  }
}

/**
 * A fresh run writes its config (data path absolute, so the run loads from
 * any working directory) and an epoch-0 checkpoint; a resumed one reads its
 * checkpoint back.
 */
function startProgress(
  cfg: TrainConfig,
  outDir: string,
  params: Tensor[],
  opt: Adam,
  selection: string,
  hooks: TrainHooks & { resume?: boolean },
): TrainProgress {
  const resumePath = runPath(outDir, "resume");
  if (hooks.resume === true) {
    const progress = TrainProgress.resume(resumePath, params, opt);
    hooks.onNote?.(
      `resuming after epoch ${progress.epoch} (best valid ${selection} ${progress.best.toFixed(4)} at epoch ${progress.bestEpoch})`,
    );
    return progress;
  }
  writeJson(runPath(outDir, "config"), { ...cfg, data: resolve(cfg.data) });
  const progress = new TrainProgress();
  progress.save(resumePath, params, opt);
  return progress;
}

/** Why a dataset gives no training example under its protocol. */
function noTrainingExample(name: string, split: ProtocolSplit): string {
  const why =
    split.protocol === "loo"
      ? "every user has fewer than 4 interactions (leave-one-out keeps the last two for validation and test, and a training example needs two more)"
      : "no training user has 2 interactions or more (the user split trains on 80 % of the users, and a training example needs two interactions)";
  return `${name} has no training example: ${why}`;
}

/** The snapshot of a run being resumed, or null (with a note) for a run from before snapshots. */
function readSnapshot(outDir: string, hooks: TrainHooks): Snapshot | null {
  const snapshot = readRunSnapshot(outDir);
  if (snapshot === null)
    hooks.onNote?.(
      `warning: ${outDir} has no ${RUN_FILES.data} (it predates self-contained runs); resuming on its data folder as it is now`,
    );
  return snapshot;
}

/** metrics.jsonl is rewritten whole (atomically) so a crash never leaves a torn or duplicated line. */
function writeMetrics(dir: string, history: EpochRecord[]): void {
  writeFileAtomic(runPath(dir, "metrics"), history.map((r) => `${JSON.stringify(r)}\n`).join(""));
}

/** Training diverged: say where, the likely cause, and which checkpoint is still good. */
function diverged(
  e: NonFiniteStep,
  epoch: number,
  cfg: TrainConfig,
  outDir: string,
  progress: TrainProgress,
  committed: boolean,
): RunFailure {
  const clip = cfg.clipNorm === null ? " or set clipNorm in the config" : "";
  const kept =
    progress.bestEpoch > 0
      ? `best.params (epoch ${progress.bestEpoch}) and resume.params (epoch ${progress.epoch})`
      : `resume.params (epoch ${progress.epoch}${progress.epoch === 0 ? ", the initial parameters" : ""})`;
  const left = committed
    ? `Nothing from this epoch was saved; ${outDir} keeps the last good checkpoint: ${kept}.`
    : `The earlier run in ${outDir} is untouched.`;
  return new RunFailure(
    "diverged",
    `training diverged: the ${e.quantity} is ${e.value} at epoch ${epoch}, step ${e.step}. ` +
      `Likely cause: the learning rate (lr ${cfg.lr}) is too high for this model, ` +
      `or an input holds extreme values. Try a smaller --lr${clip}. ${left}`,
  );
}
