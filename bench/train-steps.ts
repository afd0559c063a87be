/**
 * Wall time of training steps on a real dataset, one variant at a time: what
 * an epoch costs, without running one (and the thing to run under
 * `node --cpu-prof` to see where a step goes).
 *
 *   node dist/bench/train-steps.js DATA_DIR [--model sasrec|gru4rec]
 *        [--variant id|mm|demure] [--steps 30] [--warmup 5] [--seed 1]
 *        [--config FILE]   (a train config, e.g. Demure's switches, to time an ablation)
 *
 * Steps are the first batches of epoch 1 (same batching as training: length
 * buckets, batch 256). Prints one JSON line: mean and median ms per step,
 * the batches of an epoch, and the epoch's training time they imply.
 */
import { parseArgs } from "node:util";
import { countTrainBatches, trainBatches, trainingExamples } from "../src/data/batches.js";
import { leaveOneOut } from "../src/data/split.js";
import { Adam, engineInfo, withBufferPool } from "../src/engine/index.js";
import { readConfigFile, resolveConfig } from "../src/train/config.js";
import { loadForConfig } from "../src/train/load-data.js";
import { buildModel } from "../src/train/model.js";
import { Rng } from "../src/util/rng.js";

const usage =
  "usage: node dist/bench/train-steps.js DATA_DIR [--model sasrec|gru4rec] [--variant id|mm|demure] [--steps N] [--warmup N] [--seed S] [--config FILE]";
let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      model: { type: "string", default: "sasrec" },
      variant: { type: "string", default: "demure" },
      steps: { type: "string", default: "30" },
      warmup: { type: "string", default: "5" },
      seed: { type: "string", default: "1" },
      config: { type: "string" },
    },
    strict: true,
    allowPositionals: true,
  });
}
try {
  parsed = parse();
} catch (error) {
  console.error(`train-steps: ${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const [data] = parsed.positionals;
if (data === undefined) {
  console.error(usage);
  process.exit(2);
}
const f = parsed.values;
const cfg = resolveConfig({
  ...(f.config === undefined ? {} : readConfigFile(f.config)),
  data,
  model: f.model,
  variant: f.variant,
  seed: Number(f.seed),
});
const ds = await loadForConfig(cfg);
const split = leaveOneOut(ds.sequences);
const examples = trainingExamples(split);
const model = buildModel(ds, cfg, new Rng(cfg.seed), new Rng(0));
const opt = new Adam(model.params(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
const batchOpts = {
  batchSize: cfg.batchSize,
  maxLength: cfg.maxLength,
  bucketBatches: cfg.bucketBatches,
};
const perEpoch = countTrainBatches(examples, batchOpts);
const steps = Number(f.steps);
const warmup = Number(f.warmup);
const times: number[] = [];
let i = 0;
for (const batch of trainBatches(split, examples, batchOpts, new Rng(cfg.seed))) {
  if (i >= warmup + steps) break;
  const t0 = performance.now();
  withBufferPool(() => {
    const loss = model.loss(batch);
    opt.zeroGrad();
    loss.backward();
    opt.update();
  });
  if (i >= warmup) times.push(performance.now() - t0);
  i++;
}
const mean = times.reduce((a, b) => a + b, 0) / times.length;
const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
console.log(
  JSON.stringify({
    data: ds.name,
    model: cfg.model,
    variant: cfg.variant,
    modalities: ds.modalities.length,
    engine: engineInfo(),
    steps: times.length,
    ms_mean: Math.round(mean * 10) / 10,
    ms_median: Math.round(median * 10) / 10,
    batches_per_epoch: perEpoch,
    epoch_train_s: Math.round((mean * perEpoch) / 100) / 10,
  }),
);
