/**
 * Wall time of training steps on a real dataset: what an epoch costs, without
 * running one (and the thing to run under `node --cpu-prof` to see where a
 * step goes).
 *
 *   node dist/bench/train-steps.js DATA_DIR [--model NAME|all] [--variant id|mm|demure]
 *        [--loss ce|sampled|inbatch|all] [--negatives N] [--sampler uniform|log-uniform]
 *        [--steps 30] [--warmup 5] [--seed 1]
 *        [--config FILE]   (a train config, e.g. Demure's switches, to time an ablation)
 *
 * `--model all` times every registered backbone, `--loss all` every loss
 * (comma lists work too: `--model sasrec,gru4rec --loss ce,sampled`). Steps
 * are the first batches of epoch 1 (same batching as training: length
 * buckets, batch 256), the same batches for every model and loss, each
 * batch stepped by every (model, loss) in turn so that a change of load on a
 * shared machine falls on all of them. Prints one JSON line per (model,
 * loss): mean and median ms per step, the batches of an epoch, and the
 * epoch's training time they imply.
 */
import { parseArgs } from "node:util";
import {
  countTrainBatches,
  type SeqBatch,
  trainBatches,
  trainingExamples,
} from "../src/data/batches.js";
import { leaveOneOut } from "../src/data/split.js";
import { Adam, engineInfo, resetProfile, withBufferPool } from "../src/engine/index.js";
import { BACKBONE_NAMES } from "../src/models/backbones/registry.js";
import { negativesOf } from "../src/models/rec-loss.js";
import { readConfigFile, resolveConfig, type TrainConfig } from "../src/train/config.js";
import { loadForConfig } from "../src/train/load-data.js";
import { buildModel } from "../src/train/model.js";
import { Rng } from "../src/util/rng.js";

const LOSSES = ["ce", "sampled", "inbatch"];
const usage =
  `usage: node dist/bench/train-steps.js DATA_DIR [--model ${BACKBONE_NAMES.join("|")}|all] [--variant id|mm|demure] ` +
  "[--loss ce|sampled|inbatch|all] [--negatives N] [--sampler uniform|log-uniform] [--steps N] [--warmup N] [--seed S] [--config FILE]";

function fail(message: string): never {
  console.error(`train-steps: ${message}\n${usage}`);
  process.exit(2);
}

function parse() {
  return parseArgs({
    options: {
      model: { type: "string", default: "sasrec" },
      variant: { type: "string", default: "demure" },
      loss: { type: "string" },
      negatives: { type: "string" },
      sampler: { type: "string" },
      steps: { type: "string", default: "30" },
      warmup: { type: "string", default: "5" },
      seed: { type: "string", default: "1" },
      config: { type: "string" },
    },
    strict: true,
    allowPositionals: true,
  });
}
let parsed: ReturnType<typeof parse>;
try {
  parsed = parse();
} catch (error) {
  fail((error as Error).message);
}
const [data] = parsed.positionals;
if (data === undefined) fail("DATA_DIR is missing");
const f = parsed.values;

/** A comma list, "all" meaning every name of `known`; an unknown name is an error. */
function choice(value: string, known: readonly string[], what: string): string[] {
  const names = value === "all" ? [...known] : value.split(",");
  for (const n of names) if (!known.includes(n)) fail(`unknown ${what} ${JSON.stringify(n)}`);
  return names;
}

const file = f.config === undefined ? {} : readConfigFile(f.config);
const models = choice(f.model, BACKBONE_NAMES, "model");
const losses = choice(f.loss ?? String(file["loss"] ?? "ce"), LOSSES, "loss");
for (const flag of ["negatives", "sampler"] as const)
  if (f[flag] !== undefined && !losses.includes("sampled"))
    fail(`--${flag} is read by --loss sampled only (it would be ignored)`);

/** The config of one (model, loss): negatives and sampler apply to the sampled loss only. */
function configOf(model: string, loss: string): TrainConfig {
  const { loss: _l, negatives: fileNeg, sampler: fileSampler, ...rest } = file;
  const sampled =
    loss === "sampled"
      ? {
          negatives: f.negatives === undefined ? (fileNeg ?? null) : Number(f.negatives),
          sampler: f.sampler ?? fileSampler ?? null,
        }
      : {};
  return resolveConfig(
    { ...rest, data, model, variant: f.variant, loss, ...sampled, seed: Number(f.seed) },
    f.config ?? "flags",
  );
}

const base = configOf(models[0]!, "ce");
const ds = await loadForConfig(base);
const split = leaveOneOut(ds.sequences);
const examples = trainingExamples(split);
const batchOpts = {
  batchSize: base.batchSize,
  maxLength: base.maxLength,
  bucketBatches: base.bucketBatches,
};
const perEpoch = countTrainBatches(examples, batchOpts);
const steps = Number(f.steps);
const warmup = Number(f.warmup);
// The same batches for every model and loss.
const batches: SeqBatch[] = [];
for (const batch of trainBatches(split, examples, batchOpts, new Rng(base.seed))) {
  if (batches.length >= warmup + steps) break;
  batches.push(batch);
}

/** One (model, loss) under test, its step times. */
interface Run {
  cfg: TrainConfig;
  step: (batch: SeqBatch) => void;
  times: number[];
}
const runs: Run[] = [];
for (const model of models) {
  for (const loss of losses) {
    const cfg = configOf(model, loss);
    const net = buildModel(ds, cfg, new Rng(cfg.seed), new Rng(0), { trainSequences: split.train });
    const opt = new Adam(net.params(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
    const step = (batch: SeqBatch) =>
      withBufferPool(() => {
        const l = net.loss(batch);
        opt.zeroGrad();
        l.backward();
        opt.update();
      });
    runs.push({ cfg, step, times: [] });
  }
}
// Batch by batch, every run in turn: a load change on a shared machine hits them all alike.
batches.forEach((batch, i) => {
  // Under DEMURE_PROFILE=1 the tables count the timed steps only (one run at a time reads best).
  if (i === warmup) resetProfile();
  for (const run of runs) {
    const t0 = performance.now();
    run.step(batch);
    if (i >= warmup) run.times.push(performance.now() - t0);
  }
});

for (const { cfg, times } of runs) {
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  console.log(
    JSON.stringify({
      data: ds.name,
      model: cfg.model,
      variant: cfg.variant,
      loss: cfg.loss,
      ...(cfg.loss === "sampled"
        ? { negatives: negativesOf(cfg), sampler: cfg.sampler ?? "log-uniform" }
        : {}),
      modalities: ds.modalities.length,
      engine: engineInfo(),
      steps: times.length,
      ms_mean: Math.round(mean * 10) / 10,
      ms_median: Math.round(median * 10) / 10,
      batches_per_epoch: perEpoch,
      epoch_train_s: Math.round((mean * perEpoch) / 100) / 10,
    }),
  );
}
