/**
 * Sampled softmax against full softmax on a big catalogue: SASRec (ID) on the
 * 3 M-interaction / 200 000-item planted log, trained with `--loss ce` and
 * with `--loss sampled` for the same wall-clock budget each, validation
 * NDCG@10 (full ranking, seen items excluded) on a fixed random subset of
 * validation users every `--eval-every` seconds of training time (evaluation
 * time is not counted against the budget).
 *
 *   node dist/bench/big-catalogue.js [--minutes 8] [--eval-every 60] [--eval-users 5000]
 *        [--negatives 1024] [--sampler log-uniform] [--users 100000] [--items 200000]
 *        [--seed 1] [--cache /tmp/demure-bigcat] [--variant id|mm] [--clusters 8]
 *
 * The log is generated once with `demure generate planted` into the cache
 * folder and reused. Both losses start from the same initial parameters
 * (same seed), see the same batches in the same order (the trainer's
 * shuffling, epoch after epoch) and run at the same thread count (the
 * engine's default, DEMURE_NUM_THREADS to set it). They take turns, one
 * evaluation interval each, so a change of load on a shared machine falls
 * on both. Progress goes to stderr; one JSON line to stdout at the end: per
 * loss the curve of (train seconds, steps, NDCG@10), ms per step, the
 * batches of an epoch and the epoch time they imply, and the speed-up.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  countTrainBatches,
  type SeqBatch,
  trainBatches,
  trainingExamples,
} from "../src/data/batches.js";
import { type EvalSet, leaveOneOut } from "../src/data/split.js";
import { Adam, clipGradNorm, engineInfo, gradNorm, withBufferPool } from "../src/engine/index.js";
import { negativesOf } from "../src/models/rec-loss.js";
import type { Recommender } from "../src/models/recommender.js";
import { resolveConfig, type TrainConfig } from "../src/train/config.js";
import { evaluateModel } from "../src/train/evaluate.js";
import { loadForConfig } from "../src/train/load-data.js";
import { buildModel } from "../src/train/model.js";
import { evalOptions } from "../src/train/protocol.js";
import { epochSeed } from "../src/train/trainer.js";
import { Rng } from "../src/util/rng.js";

const usage =
  "usage: node dist/bench/big-catalogue.js [--minutes M] [--eval-every S] [--eval-users N] " +
  "[--negatives N] [--sampler uniform|log-uniform] [--users N] [--items N] [--seed S] [--cache DIR] " +
  "[--variant id|mm] [--clusters C]";

function fail(message: string): never {
  console.error(`big-catalogue: ${message}\n${usage}`);
  process.exit(2);
}

function parse() {
  return parseArgs({
    options: {
      minutes: { type: "string", default: "8" },
      "eval-every": { type: "string", default: "60" },
      "eval-users": { type: "string", default: "5000" },
      negatives: { type: "string", default: "1024" },
      sampler: { type: "string", default: "log-uniform" },
      users: { type: "string", default: "100000" },
      items: { type: "string", default: "200000" },
      seed: { type: "string", default: "1" },
      cache: { type: "string", default: "/tmp/demure-bigcat" },
      variant: { type: "string", default: "id" },
      clusters: { type: "string", default: "8" },
    },
    strict: true,
    allowPositionals: false,
  });
}
let parsed: ReturnType<typeof parse>;
try {
  parsed = parse();
} catch (error) {
  fail((error as Error).message);
}
const f = parsed.values;
function positive(name: keyof typeof f): number {
  const v = Number(f[name]);
  if (!Number.isFinite(v) || v <= 0) fail(`--${name} must be a positive number`);
  return v;
}
const budgetS = positive("minutes") * 60;
const everyS = positive("eval-every");
const evalUsers = Math.floor(positive("eval-users"));
const seed = Math.floor(Number(f.seed));
const users = Math.floor(positive("users"));
const items = Math.floor(positive("items"));
const clusters = Math.floor(positive("clusters"));
const variant = f.variant;
if (variant !== "id" && variant !== "mm") fail("--variant must be id or mm");
const log = (msg: string) => console.error(`big-catalogue: ${msg}`);

// The planted log, generated once and reused.
const name = `planted-u${users}-i${items}-c${clusters}-s0`;
const dir = join(f.cache, name);
if (!existsSync(join(dir, `${name}.inter`))) {
  log(`generating ${dir}`);
  const bin = new URL("../../bin/demure.js", import.meta.url).pathname;
  execFileSync(
    process.execPath,
    [
      bin,
      "generate",
      "planted",
      "--users",
      `${users}`,
      "--items",
      `${items}`,
      "--seed",
      "0",
    ].concat(["--clusters", `${clusters}`, "--out", dir, "--name", name]),
    { stdio: ["ignore", "ignore", "inherit"] },
  );
}

function configOf(loss: "ce" | "sampled"): TrainConfig {
  const sampled = loss === "sampled" ? { negatives: Number(f.negatives), sampler: f.sampler } : {};
  return resolveConfig({ data: dir, model: "sasrec", variant, loss, ...sampled, seed }, "flags");
}

const base = configOf("ce");
const ds = await loadForConfig(base);
const split = leaveOneOut(ds.sequences);
const examples = trainingExamples(split);
const batchOpts = {
  batchSize: base.batchSize,
  maxLength: base.maxLength,
  bucketBatches: base.bucketBatches,
};
const perEpoch = countTrainBatches(examples, batchOpts);
const interactions = ds.sequences.reduce((a, s) => a + s.length, 0);
log(
  `${ds.numUsers} users, ${ds.numItems} items, ${interactions} interactions, ${perEpoch} batches/epoch`,
);

/** A fixed random subset of the validation rows (the same for both losses). */
function subset(set: EvalSet, n: number, rng: Rng): EvalSet {
  const rows = Array.from({ length: set.size }, (_, i) => i);
  for (let i = rows.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  const pick = rows.slice(0, Math.min(n, rows.length)).sort((a, b) => a - b);
  return {
    size: pick.length,
    users: Int32Array.from(pick, (r) => set.users[r]!),
    targets: Int32Array.from(pick, (r) => set.targets[r]!),
    histories: pick.map((r) => set.histories[r]!),
  };
}
const validSubset = subset(split.valid, evalUsers, new Rng(seed + 7919));
const evalOpts = { ...evalOptions(base), cutoffs: [10] };

/** The trainer's batches, epoch after epoch (same shuffling and dropout seeds). */
function* batchStream(dropoutRng: Rng): Generator<SeqBatch> {
  for (let epoch = 1; ; epoch++) {
    const rng = new Rng(epochSeed(seed, epoch));
    dropoutRng.reseed(rng.nextU32());
    yield* trainBatches(split, examples, batchOpts, rng);
  }
}

interface Point {
  train_s: number;
  steps: number;
  ndcg10: number;
  eval_s: number;
}
interface Run {
  loss: "ce" | "sampled";
  cfg: TrainConfig;
  net: Recommender;
  step: (batch: SeqBatch) => number;
  batches: Generator<SeqBatch>;
  trainMs: number;
  steps: number;
  curve: Point[];
}

function makeRun(loss: "ce" | "sampled"): Run {
  const cfg = configOf(loss);
  const dropoutRng = new Rng(0);
  const net = buildModel(ds, cfg, new Rng(cfg.seed), dropoutRng, { trainSequences: split.train });
  const params = net.params();
  const opt = new Adam(params, { lr: cfg.lr, weightDecay: cfg.weightDecay });
  // As trainEpoch steps: loss, backward, optional clipping, Adam.
  const step = (batch: SeqBatch) =>
    withBufferPool(() => {
      const l = net.loss(batch);
      const value = l.item();
      opt.zeroGrad();
      l.backward();
      if (cfg.clipNorm !== null) clipGradNorm(params, cfg.clipNorm, gradNorm(params));
      opt.update();
      return value;
    });
  const batches = batchStream(dropoutRng);
  return { loss, cfg, net, step, batches, trainMs: 0, steps: 0, curve: [] };
}

function evaluate(run: Run): void {
  const t0 = performance.now();
  const ndcg = evaluateModel(run.net, validSubset, evalOpts).metrics["ndcg@10"] ?? Number.NaN;
  const point = {
    train_s: Math.round(run.trainMs / 100) / 10,
    steps: run.steps,
    ndcg10: Math.round(ndcg * 1e5) / 1e5,
    eval_s: Math.round((performance.now() - t0) / 100) / 10,
  };
  run.curve.push(point);
  log(
    `${run.loss}: ${point.train_s} s, ${point.steps} steps, NDCG@10 ${point.ndcg10} (eval ${point.eval_s} s)`,
  );
}

/** Train `run` until its training time reaches `untilMs` (whole steps). */
function trainUntil(run: Run, untilMs: number): void {
  let loss = 0;
  while (run.trainMs < untilMs) {
    const batch = run.batches.next().value as SeqBatch;
    const t0 = performance.now();
    loss = run.step(batch);
    run.trainMs += performance.now() - t0;
    run.steps++;
    if (!Number.isFinite(loss)) fail(`${run.loss}: loss ${loss} at step ${run.steps}`);
  }
  log(`${run.loss}: loss ${loss.toFixed(4)} at step ${run.steps}`);
}

const runs = [makeRun("ce"), makeRun("sampled")];
for (const run of runs) evaluate(run);
// One interval each in turn, so that a change of load on the machine falls on both.
for (let until = everyS; until <= budgetS + 1e-9; until += everyS) {
  for (const run of runs) {
    trainUntil(run, until * 1000);
    evaluate(run);
  }
}

const summary = runs.map((run) => {
  const msPerStep = run.trainMs / run.steps;
  return {
    loss: run.loss,
    ...(run.loss === "sampled"
      ? { negatives: negativesOf(run.cfg), sampler: run.cfg.sampler ?? "log-uniform" }
      : {}),
    steps: run.steps,
    train_s: Math.round(run.trainMs / 100) / 10,
    ms_per_step: Math.round(msPerStep * 10) / 10,
    epoch_s: Math.round((msPerStep * perEpoch) / 100) / 10,
    final_ndcg10: run.curve.at(-1)!.ndcg10,
    best_ndcg10: Math.max(...run.curve.map((p) => p.ndcg10)),
    curve: run.curve,
  };
});
const [ce, sampled] = summary;
console.log(
  JSON.stringify({
    data: name,
    users: ds.numUsers,
    items: ds.numItems,
    interactions,
    model: "sasrec",
    variant,
    clusters,
    seed,
    engine: engineInfo(),
    batch_size: base.batchSize,
    batches_per_epoch: perEpoch,
    budget_s: budgetS,
    eval_every_s: everyS,
    eval_users: validSubset.size,
    runs: summary,
    speedup_per_step: Math.round((ce!.ms_per_step / sampled!.ms_per_step) * 100) / 100,
    ndcg10_at_budget: { ce: ce!.final_ndcg10, sampled: sampled!.final_ndcg10 },
  }),
);
