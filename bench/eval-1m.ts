/**
 * Full-ranking evaluation of many users against a large catalogue, through
 * the evaluation training uses (`evaluateModel`: every item a candidate, seen
 * items excluded, score blocks capped at 64 MiB), and the memory it takes.
 *
 *   node --expose-gc dist/bench/eval-1m.js [--users 10000] [--items 1000000]
 *        [--model sasrec] [--variant id|mm|demure] [--batch 256] [--block-mib 64]
 *
 * The catalogue is `catalogue.ts`'s synthetic one (three token modalities,
 * histories of 50 random items; d 64; an untrained model: the cost does not
 * depend on the weights). The users' validation rows (leave-one-out) are
 * ranked. Prints one JSON line: seconds, users per second, and the memory
 * beyond the built model: peak RSS during the evaluation (the kernel's
 * high-water mark, reset after the model is built via /proc/self/clear_refs;
 * where that is not possible, the largest RSS sampled after each block)
 * minus the RSS after the model is built.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { leaveOneOut } from "../src/data/split.js";
import { engineInfo } from "../src/engine/index.js";
import { rowsPerBlock } from "../src/eval/ranking.js";
import { resolveConfig } from "../src/train/config.js";
import { evaluateModel } from "../src/train/evaluate.js";
import { buildModel } from "../src/train/model.js";
import { Rng } from "../src/util/rng.js";
import { catalogue } from "./catalogue.js";

const usage =
  "usage: node --expose-gc dist/bench/eval-1m.js [--users N] [--items N] [--model NAME] [--variant id|mm|demure] [--batch N] [--block-mib N]";
let flags: Record<"users" | "items" | "model" | "variant" | "batch" | "block-mib", string>;
try {
  flags = parseArgs({
    options: {
      users: { type: "string", default: "10000" },
      items: { type: "string", default: "1000000" },
      model: { type: "string", default: "sasrec" },
      variant: { type: "string", default: "id" },
      batch: { type: "string", default: "256" },
      "block-mib": { type: "string", default: "64" },
    },
    strict: true,
  }).values as typeof flags;
} catch (error) {
  console.error(`eval-1m: ${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const count = (name: keyof typeof flags): number => {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`eval-1m: --${name} must be a positive integer, got "${flags[name]}"\n${usage}`);
    process.exit(2);
  }
  return n;
};
const users = count("users");
const items = count("items");
const batch = count("batch");
const blockBytes = count("block-mib") * 2 ** 20;

const MiB = 2 ** 20;
const gc = (globalThis as { gc?: () => void }).gc;

/** VmHWM (peak RSS) in bytes, or null where /proc is not there. */
function highWater(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return m === null ? null : Number(m[1]) * 1024;
  } catch {
    return null;
  }
}
/** Reset the kernel's peak-RSS mark to the current RSS (Linux ≥ 4.0); false where it cannot. */
function resetHighWater(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

const ds = catalogue(items, users);
const split = leaveOneOut(ds.sequences);
const cfg = resolveConfig({
  data: "(memory)",
  model: flags.model,
  variant: flags.variant,
  seed: 1,
});
const model = buildModel(ds, cfg, new Rng(cfg.seed), new Rng(0));
gc?.();
const rssModel = process.memoryUsage().rss;
const reset = resetHighWater();
let sampled = rssModel;
const t0 = performance.now();
const result = evaluateModel(model, split.valid, {
  batchSize: batch,
  scoreBlockBytes: blockBytes,
  maxLength: cfg.maxLength,
  excludeHistory: true,
  onProgress: () => {
    sampled = Math.max(sampled, process.memoryUsage().rss);
  },
});
const seconds = (performance.now() - t0) / 1000;
const hwm = reset ? highWater() : null;
const peak = hwm ?? sampled;
console.log(
  JSON.stringify({
    users: result.count,
    items,
    model: cfg.model,
    variant: cfg.variant,
    dim: cfg.dim,
    batch,
    block_mib: blockBytes / MiB,
    rows_per_block: rowsPerBlock(items, batch, blockBytes),
    seconds: Number(seconds.toFixed(1)),
    users_per_s: Number((result.count / seconds).toFixed(1)),
    rss_model_mib: Math.round(rssModel / MiB),
    peak_rss_mib: Math.round(peak / MiB),
    eval_mib_beyond_model: Math.round((peak - rssModel) / MiB),
    peak_from: hwm === null ? "rss sampled after each block" : "VmHWM after clear_refs",
    ndcg10: Number(result.metrics["ndcg@10"]!.toFixed(6)),
    engine: engineInfo(),
  }),
);
