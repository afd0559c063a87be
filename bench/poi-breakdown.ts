/**
 * POI-AUC of a Demure run on planted data, split by how many POI modalities
 * a user has, beside the plain coherence heuristic on the same users:
 *
 *   node dist/bench/poi-breakdown.js RUN_DIR
 *
 * Prints one JSON line. It shows where a learned estimator (or the heuristic)
 * loses: under confounding, users with two POI modalities are the hard case.
 */
import { coherenceWeights, poiWeights, readPoiLabels } from "../src/demure/poi-report.js";
import { DemureRecommender } from "../src/demure/recommender.js";
import type { FlatMatrix } from "../src/eval/matrix.js";
import { meanPoiAuc } from "../src/eval/poi-auc.js";
import { loadRun } from "../src/train/run.js";

const dir = process.argv[2];
if (dir === undefined) {
  console.error("usage: node dist/bench/poi-breakdown.js RUN_DIR");
  process.exit(2);
}
const run = await loadRun(dir);
const labels = await readPoiLabels(run.dataset);
if (!(run.model instanceof DemureRecommender) || labels === null) {
  console.error(`${dir}: expected a Demure run on planted data (with a .poi file)`);
  process.exit(2);
}
const learned = poiWeights(run.model, run.dataset, labels.modalities, run.config.maxLength);
const heuristic = coherenceWeights(run.dataset, labels);
const M = labels.modalities.length;
const poiCount = (u: number) => {
  let k = 0;
  for (let m = 0; m < M; m++) k += labels.labels.data[u * M + m]!;
  return k;
};
/** The rows of `x` for users with `k` POI modalities (all users when k is null). */
const rows = (x: FlatMatrix, k: number | null): FlatMatrix => {
  const keep = [...Array(x.rows).keys()].filter((u) => k === null || poiCount(u) === k);
  const data = new Float64Array(keep.length * M);
  keep.forEach((u, r) => {
    for (let m = 0; m < M; m++) data[r * M + m] = x.data[u * M + m]!;
  });
  return { data, rows: keep.length, cols: M };
};
const report: Record<string, unknown> = { run: dir };
for (const k of [null, 1, 2]) {
  const name = k === null ? "all" : `${k}_poi`;
  const l = meanPoiAuc(rows(learned, k), rows(labels.labels, k));
  const h = meanPoiAuc(rows(heuristic, k), rows(labels.labels, k));
  report[name] = { users: l.users, poi_auc: l.auc, coherence_poi_auc: h.auc };
}
console.log(JSON.stringify(report));
