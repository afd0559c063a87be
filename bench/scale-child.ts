/**
 * One size of `scale.ts`, in a process of its own so that its RSS is clean:
 *
 *   node --expose-gc dist/bench/scale-child.js DATA_DIR [--steps 5] [--warmup 2] [--eval-users 2000]
 *
 * Prints one JSON line: load time (the loading training does,
 * `loadForConfig`), the time of the split and training examples, resident
 * bytes per interaction (RSS after load + split + training examples and a
 * forced GC, minus RSS before), SASRec ID's median ms per training step with
 * full softmax (`ce`) and sampled softmax (`sampled`, the default negatives
 * and sampler) on the same first batches of epoch 1 after warm-up steps, the
 * batches of an epoch, the epoch time those imply (projected: median ms per
 * step × batches), and the full-ranking validation time of the first
 * `--eval-users` users (measured) with its projection to every validation
 * user (× users / measured users).
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import {
  countTrainBatches,
  type SeqBatch,
  trainBatches,
  trainingExamples,
} from "../src/data/batches.js";
import { leaveOneOut } from "../src/data/split.js";
import { Adam, engineInfo, withBufferPool } from "../src/engine/index.js";
import { negativesOf } from "../src/models/rec-loss.js";
import { resolveConfig, type TrainConfig } from "../src/train/config.js";
import { evaluateModel } from "../src/train/evaluate.js";
import { loadForConfig } from "../src/train/load-data.js";
import { buildModel } from "../src/train/model.js";
import { Rng } from "../src/util/rng.js";

const { values: f, positionals } = parseArgs({
  options: {
    steps: { type: "string", default: "5" },
    warmup: { type: "string", default: "2" },
    "eval-users": { type: "string", default: "2000" },
  },
  strict: true,
  allowPositionals: true,
});
const data = positionals[0];
if (data === undefined) {
  console.error(
    "usage: node --expose-gc dist/bench/scale-child.js DATA_DIR [--steps N] [--warmup N] [--eval-users N]",
  );
  process.exit(2);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error("scale-child: run node with --expose-gc (the RSS figure needs a forced GC)");
  process.exit(2);
}
const steps = Number(f.steps);
const warmup = Number(f.warmup);
const evalUsers = Number(f["eval-users"]);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits: number) => Number(x.toFixed(digits));

const configOf = (loss: string): TrainConfig =>
  resolveConfig({ data, model: "sasrec", variant: "id", loss, seed: 1 }, "scale");
const base = configOf("ce");

// Memory and load. Three full collections, as data-memory.js does: after one,
// V8 still holds pages the load freed (the reader's per-row strings).
const collect = (): void => {
  for (let i = 0; i < 3; i++) gc();
};
const loadStart = loadavg()[0]!;
collect();
const rssBefore = process.memoryUsage().rss;
let t = performance.now();
const ds = await loadForConfig(base);
const loadMs = performance.now() - t;
t = performance.now();
const split = leaveOneOut(ds.sequences);
const examples = trainingExamples(split);
const splitMs = performance.now() - t;
collect();
const rssAfter = process.memoryUsage().rss;

// Training steps: the same first batches of epoch 1 for both losses, stepped in turn.
const batchOpts = {
  batchSize: base.batchSize,
  maxLength: base.maxLength,
  bucketBatches: base.bucketBatches,
};
const perEpoch = countTrainBatches(examples, batchOpts);
const batches: SeqBatch[] = [];
for (const batch of trainBatches(split, examples, batchOpts, new Rng(base.seed))) {
  if (batches.length >= warmup + steps) break;
  batches.push(batch);
}
const runs = ["ce", "sampled"].map((loss) => {
  const cfg = configOf(loss);
  const net = buildModel(ds, cfg, new Rng(cfg.seed), new Rng(0), { trainSequences: split.train });
  const opt = new Adam(net.params(), { lr: cfg.lr, weightDecay: cfg.weightDecay });
  const step = (batch: SeqBatch) =>
    withBufferPool(() => {
      const l = net.loss(batch);
      opt.zeroGrad();
      l.backward();
      opt.update();
    });
  return { cfg, net, step, times: [] as number[] };
});
batches.forEach((batch, i) => {
  for (const run of runs) {
    const t0 = performance.now();
    run.step(batch);
    if (i >= warmup) run.times.push(performance.now() - t0);
  }
});
const training = Object.fromEntries(
  runs.map(({ cfg, times }) => {
    const ms = median(times);
    return [
      cfg.loss,
      {
        ...(cfg.loss === "sampled"
          ? { negatives: negativesOf(cfg), sampler: cfg.sampler ?? "log-uniform" }
          : {}),
        steps: times.length,
        ms_per_step: round(ms, 1),
        epoch_s_projected: round((ms * perEpoch) / 1000, 1),
      },
    ];
  }),
);

// Full-ranking validation of the first users (the ce model after its steps).
const sub = leaveOneOut(ds.sequences.slice(0, evalUsers));
const allValid = split.valid.size;
t = performance.now();
const r = evaluateModel(runs[0]!.net, sub.valid, {
  batchSize: base.evalBatchSize,
  maxLength: base.maxLength,
  excludeHistory: base.excludeHistory,
});
const evalMs = performance.now() - t;

console.log(
  JSON.stringify({
    data: ds.name,
    interactions: ds.numInteractions,
    users: ds.numUsers,
    items: ds.numItems,
    load_s: round(loadMs / 1000, 2),
    split_s: round(splitMs / 1000, 2),
    rss_before_mib: Math.round(rssBefore / 2 ** 20),
    rss_after_mib: Math.round(rssAfter / 2 ** 20),
    bytes_per_interaction: round((rssAfter - rssBefore) / ds.numInteractions, 1),
    batches_per_epoch: perEpoch,
    training,
    eval: {
      users_measured: r.count,
      s_measured: round(evalMs / 1000, 2),
      ms_per_user: round(evalMs / r.count, 3),
      valid_users: allValid,
      s_projected: round(((evalMs / r.count) * allValid) / 1000, 1),
    },
    threads: engineInfo().threads,
    // The machine's 1-minute load average at the start and end (2 cores: above 2 means sharing).
    load_avg: [round(loadStart, 2), round(loadavg()[0]!, 2)],
    engine: engineInfo(),
  }),
);
