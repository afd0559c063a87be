/**
 * Full-ranking evaluation of every user of a real dataset (leave-one-out
 * test rows, every item a candidate, history excluded), timed, and set
 * against the machine's sgemm limit.
 *
 *   node dist/bench/eval-full.js DATA_DIR [--model sasrec] [--variant id|mm|demure]
 *        [--repeats 2]
 *
 * The model is untrained (what a ranking costs does not depend on the
 * weights). The scoring product is `users × (N+1) × width × 2` FLOPs, width
 * d for ID/MM and M·d for Demure (its per-user weights fold into the query);
 * the limit is the same process's median rate of the kernel at 1024³, taken
 * just before. Prints one JSON line: the median seconds of the repeats, users
 * per second, the scoring product's GFLOP, the rate that implies over the
 * whole evaluation (backbone forward, top-k and metrics included) and its
 * fraction of the 1024³ rate.
 */
import { parseArgs } from "node:util";
import { leaveOneOut } from "../src/data/split.js";
import { engineInfo, native } from "../src/engine/index.js";
import { resolveConfig } from "../src/train/config.js";
import { evaluateModel } from "../src/train/evaluate.js";
import { loadForConfig } from "../src/train/load-data.js";
import { buildModel } from "../src/train/model.js";
import { Rng } from "../src/util/rng.js";

const usage =
  "usage: node dist/bench/eval-full.js DATA_DIR [--model NAME] [--variant id|mm|demure] [--repeats N]";
let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      model: { type: "string", default: "sasrec" },
      variant: { type: "string", default: "mm" },
      repeats: { type: "string", default: "2" },
    },
    strict: true,
    allowPositionals: true,
  });
}
try {
  parsed = parse();
} catch (error) {
  console.error(`eval-full: ${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const dir = parsed.positionals[0];
const repeats = Number(parsed.values.repeats);
if (
  dir === undefined ||
  parsed.positionals.length > 1 ||
  !Number.isInteger(repeats) ||
  repeats < 1
) {
  console.error(`eval-full: one DATA_DIR and a positive --repeats are needed\n${usage}`);
  process.exit(2);
}

/** Median GFLOP/s of the kernel at 1024³ (the machine's ceiling for this engine). */
function squareRate(): number {
  const n = 1024;
  const a = new Float32Array(n * n).map((_, i) => ((i * 7) % 13) / 13 - 0.5);
  const b = new Float32Array(n * n).map((_, i) => ((i * 5) % 11) / 11 - 0.5);
  const c = new Float32Array(n * n);
  const times: number[] = [];
  for (let r = 0; r < 6; r++) {
    const t0 = performance.now();
    native.gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n);
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  return (2 * n ** 3) / (times[3]! * 1e6);
}

const cfg = resolveConfig({
  data: dir,
  model: parsed.values.model,
  variant: parsed.values.variant,
  seed: 1,
});
const ds = await loadForConfig(cfg);
const split = leaveOneOut(ds.sequences);
const model = buildModel(ds, cfg, new Rng(cfg.seed), new Rng(0));
const limit = squareRate();
const times: number[] = [];
let result: ReturnType<typeof evaluateModel> | null = null;
for (let r = 0; r < repeats; r++) {
  const t0 = performance.now();
  result = evaluateModel(model, split.test, {
    batchSize: cfg.evalBatchSize,
    maxLength: cfg.maxLength,
    excludeHistory: true,
  });
  times.push((performance.now() - t0) / 1000);
}
times.sort((x, y) => x - y);
const seconds = times[Math.floor((times.length - 1) / 2)]!;
const users = result!.count;
const items = model.numItems + 1;
// Demure's query is M·d wide, M counting the ID with the modalities.
const encoder = (model as { encoder?: { encoders: readonly unknown[] } }).encoder;
const width = cfg.variant === "demure" ? cfg.dim * (encoder?.encoders.length ?? 1) : cfg.dim;
const gflop = (2 * users * items * width) / 1e9;
console.log(
  JSON.stringify({
    data: ds.name,
    model: cfg.model,
    variant: cfg.variant,
    users,
    items,
    width,
    seconds: Number(seconds.toFixed(2)),
    seconds_all: times.map((t) => Number(t.toFixed(2))),
    users_per_s: Math.round(users / seconds),
    scoring_gflop: Number(gflop.toFixed(1)),
    scoring_gflops_over_eval: Number((gflop / seconds).toFixed(1)),
    gemm_1024_gflops: Number(limit.toFixed(1)),
    fraction_of_limit: Number((gflop / seconds / limit).toFixed(3)),
    engine: engineInfo(),
  }),
);
