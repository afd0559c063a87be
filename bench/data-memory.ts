/**
 * Resident memory of a loaded dataset, per interaction: what the data layer
 * keeps alive for training.
 *
 *   node dist/bench/data-memory.js DATA_DIR [--protocol loo|user-split] [--epoch]
 *
 * In a fresh process (it re-runs itself under `--expose-gc` when needed) it
 * records RSS, heap and array buffers, loads the dataset as `demure train`
 * does (`loadForConfig`, then the protocol's split, then the training
 * examples), forces a full GC and records them again. `--epoch` also draws one
 * epoch's batch order (the first batch of `trainBatches`) and keeps it. Prints
 * one JSON line: load seconds, interactions, users, items, resident bytes per
 * interaction (RSS after load and GC minus RSS before, over interactions),
 * heap and array-buffer bytes per interaction, and the peak RSS.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

type Gc = () => void;
const gc = (globalThis as { gc?: Gc }).gc;
if (gc === undefined) {
  // Re-run this script in a fresh process that can force a collection.
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ["--expose-gc", self, ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  process.exit(r.status ?? 1);
}

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    protocol: { type: "string", default: "loo" },
    epoch: { type: "boolean", default: false },
  },
});
const data = positionals[0];
if (data === undefined) {
  console.error(
    "usage: node dist/bench/data-memory.js DATA_DIR [--protocol loo|user-split] [--epoch]",
  );
  process.exit(2);
}

const collect = (): void => {
  for (let i = 0; i < 3; i++) (gc as Gc)();
};
/** Peak resident set so far (VmHWM), in bytes; Linux only, else the current RSS. */
const peakRss = (): number => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss;
};

// Import after the GC check so that the child, not the parent, pays for the modules.
const { trainBatches, trainingExamples } = await import("../src/data/batches.js");
const { resolveConfig } = await import("../src/train/config.js");
const { loadForConfig } = await import("../src/train/load-data.js");
const { protocolSplit } = await import("../src/train/protocol.js");
const { Rng } = await import("../src/util/rng.js");

const cfg = resolveConfig(
  { data, model: "sasrec", variant: "id", protocol: flags.protocol, seed: 1 },
  "flags",
);
collect();
const before = process.memoryUsage();
const t0 = performance.now();
const ds = await loadForConfig(cfg);
const split = protocolSplit(cfg, ds);
const examples = trainingExamples(split);
const loadSeconds = (performance.now() - t0) / 1000;
let firstBatchRows = 0;
if (flags.epoch) {
  const batches = trainBatches(
    split,
    examples,
    { batchSize: cfg.batchSize, maxLength: cfg.maxLength, bucketBatches: cfg.bucketBatches },
    new Rng(1),
  );
  firstBatchRows = batches.next().value?.size ?? 0;
  // The generator (and its order array) stays alive until the line is printed.
  collect();
  keep(batches);
}
collect();
const after = process.memoryUsage();
const n = ds.numInteractions;
const perInteraction = (a: number, b: number) => Math.round(((a - b) / n) * 100) / 100;
console.log(
  JSON.stringify({
    data,
    protocol: cfg.protocol,
    node: process.version,
    load_seconds: Math.round(loadSeconds * 100) / 100,
    interactions: n,
    users: ds.numUsers,
    items: ds.numItems,
    modalities: ds.modalities.length,
    train_examples: examples.count,
    ...(flags.epoch ? { first_batch_rows: firstBatchRows } : {}),
    resident_bytes_per_interaction: perInteraction(after.rss, before.rss),
    heap_bytes_per_interaction: perInteraction(after.heapUsed, before.heapUsed),
    array_buffer_bytes_per_interaction: perInteraction(after.arrayBuffers, before.arrayBuffers),
    rss_before_mib: mib(before.rss),
    rss_after_mib: mib(after.rss),
    heap_after_mib: mib(after.heapUsed),
    array_buffers_after_mib: mib(after.arrayBuffers),
    peak_rss_mib: mib(peakRss()),
  }),
);
keep([ds, split, examples]);

function mib(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

/** Keeps `x` reachable up to here, so the GC cannot free what is being measured. */
function keep(x: unknown): void {
  if (x === Symbol.for("never")) console.log("");
}
