/**
 * What full ranking costs as the catalogue grows, MM against Demure.
 *
 *   node dist/bench/full-ranking.js [--items 10000,100000,1000000] [--users 256]
 *        [--model sasrec|gru4rec] [--repeats 3]
 *
 * Demure's per-user weights fold into the user's side: the query is
 * [w_u^1 h_u; ..; w_u^M h_u] and an item is the fixed row [P_1 | .. | P_M][j],
 * so scoring every item stays one matrix product, M·d floats wide instead of
 * MM's d. The item side is computed once per evaluation (`beginEval`). On a
 * synthetic catalogue (three token modalities besides the ID: 20, 1 000 and
 * 50 values; d 64; histories of 50 random items) this prints, per catalogue
 * size and variant, one JSON line: the item side's time, the scoring time per
 * user (median of the repeats, a batch of `--users` histories), the floats
 * per item the product reads and the rate it runs at.
 */
import { parseArgs } from "node:util";
import { batchOfHistories } from "../src/data/batches.js";
import { engineInfo, noGrad } from "../src/engine/index.js";
import { resolveConfig } from "../src/train/config.js";
import { buildModel } from "../src/train/model.js";
import { Rng } from "../src/util/rng.js";
import { catalogue } from "./catalogue.js";

const usage =
  "usage: node dist/bench/full-ranking.js [--items N[,N]] [--users N] [--model sasrec|gru4rec] [--repeats N]";
let flags: { items: string; users: string; model: string; repeats: string };
try {
  flags = parseArgs({
    options: {
      items: { type: "string", default: "10000,100000,1000000" },
      users: { type: "string", default: "256" },
      model: { type: "string", default: "sasrec" },
      repeats: { type: "string", default: "3" },
    },
    strict: true,
  }).values as typeof flags;
} catch (error) {
  console.error(`full-ranking: ${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const count = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`full-ranking: --${name} must be a positive integer, got "${text}"\n${usage}`);
    process.exit(2);
  }
  return n;
};
const sizes = flags.items.split(",").map((s) => count("items", s));
const users = count("users", flags.users);
const repeats = count("repeats", flags.repeats);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const items of sizes) {
  const ds = catalogue(items, users);
  for (const variant of ["mm", "demure"]) {
    const cfg = resolveConfig({ data: "(memory)", model: flags.model, variant, seed: 1 });
    const model = buildModel(ds, cfg, new Rng(cfg.seed), new Rng(0));
    const batch = batchOfHistories(ds.sequences, cfg.maxLength);
    const t0 = performance.now();
    model.beginEval?.();
    const itemSide = performance.now() - t0;
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t1 = performance.now();
      const scores = noGrad(() => model.scoreAll(batch));
      times.push(performance.now() - t1);
      if (scores.length !== users * (items + 1)) throw new Error("unexpected score shape");
    }
    model.endEval?.();
    const width = variant === "mm" ? cfg.dim : cfg.dim * (ds.modalities.length + 1);
    const perUser = median(times) / users;
    console.log(
      JSON.stringify({
        items,
        variant,
        model: flags.model,
        floats_per_item: width,
        item_side_ms: Math.round(itemSide),
        score_ms_per_user: Number(perUser.toFixed(3)),
        // The product alone: 2 · width · items FLOPs per user.
        scoring_gflops: Number(((2 * width * items) / (perUser * 1e6)).toFixed(1)),
        engine: engineInfo(),
      }),
    );
  }
}
