/**
 * What Demure's subset-surprise prior (`--surprise`) says about a dataset:
 * per side modality, how many distinct item codes it has, the mean of
 * P(m) over users, and the share of users for whom m has the highest prior.
 * Each user's training history is used (the last two items, valid and test,
 * are left out), as in training.
 *
 *   node dist/bench/subset-prior.js DATASET_DIR
 *
 * Prints one JSON line.
 */
import { loadDataset } from "../src/data/dataset.js";
import { modalityCodes } from "../src/data/modality-codes.js";
import { SubsetSurprise } from "../src/demure/subset-surprise.js";

const dir = process.argv[2];
if (dir === undefined || process.argv.length > 3) {
  console.error("usage: node dist/bench/subset-prior.js DATASET_DIR");
  process.exit(2);
}
const ds = await loadDataset(dir);
const codes = ds.modalities.map((m) => modalityCodes(m, ds.numItems));
const M = codes.length;
const surprise = new SubsetSurprise(codes, ds.numItems);
const meanP = new Float64Array(M);
const top = new Float64Array(M);
let users = 0;
for (const seq of ds.sequences) {
  const items = seq.subarray(0, -2);
  if (items.length < 2) continue;
  users++;
  const r = surprise.ofHistory(items);
  const p = Array.from(r, Math.exp);
  const z = p.reduce((a, b) => a + b, 0);
  let best = 0;
  for (let m = 0; m < M; m++) {
    meanP[m]! += p[m]! / z;
    if (r[m]! > r[best]!) best = m;
  }
  top[best]!++;
}
console.log(
  JSON.stringify({
    dataset: ds.name,
    users,
    modalities: ds.modalities.map((m, k) => ({
      name: m.name,
      kind: m.kind,
      codes: new Set(codes[k]!.subarray(1).filter((c) => c > 0)).size,
      mean_p: Number((meanP[k]! / users).toFixed(4)),
      top_share: Number((top[k]! / users).toFixed(4)),
    })),
  }),
);
