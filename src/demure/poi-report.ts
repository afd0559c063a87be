import { existsSync } from "node:fs";
import { join } from "node:path";
import { readAtomicFile, requireColumn } from "../data/atomic/reader.js";
import { batchOfHistories } from "../data/batches.js";
import type { Dataset } from "../data/dataset.js";
import type { Modality } from "../data/modality-types.js";
import { coherence } from "../eval/coherence.js";
import type { FlatMatrix } from "../eval/matrix.js";
import { denseView, type ModalityView, tokenView } from "../eval/modality-view.js";
import { meanPoiAuc } from "../eval/poi-auc.js";
import { UserError } from "../util/errors.js";
import type { DemureRecommender } from "./recommender.js";

/** Planted labels: is_poi per (user index, labelled modality). */
export interface PoiLabels {
  modalities: string[];
  /** [numUsers × modalities] 1 = POI; users without labels are all 0. */
  labels: FlatMatrix;
}

/** Read NAME.poi (user_id:token, modality:token, is_poi:float) if the dataset has one. */
export async function readPoiLabels(ds: Dataset): Promise<PoiLabels | null> {
  const path = join(ds.dir, `${ds.name}.poi`);
  if (!existsSync(path)) return null;
  const table = await readAtomicFile(path);
  const users = requireColumn(table, "user_id", "token").values;
  const mods = requireColumn(table, "modality", "token").values;
  const flags = requireColumn(table, "is_poi", "float").values;
  const modalities = [...new Set(mods)];
  const data = new Float64Array(ds.numUsers * modalities.length);
  for (let r = 0; r < users.length; r++) {
    const u = ds.userIndex.get(users[r]!);
    if (u === undefined) continue; // a user dropped by k-core filtering
    if (!ds.modalities.some((m) => m.name === mods[r])) {
      throw new UserError(`modality "${mods[r]}" is not a modality of ${ds.name}`, {
        file: path,
        line: table.lines[r]!,
      });
    }
    data[u * modalities.length + modalities.indexOf(mods[r]!)] = flags[r]! > 0 ? 1 : 0;
  }
  return { modalities, labels: { data, rows: ds.numUsers, cols: modalities.length } };
}

/** π_u for every user, from the user's whole history, restricted to `names`: [numUsers × names]. */
export function poiWeights(
  model: DemureRecommender,
  ds: Dataset,
  names: string[],
  maxLength: number,
): FlatMatrix {
  const cols = names.map((n) => model.modalityNames.indexOf(n));
  const M = model.modalityNames.length;
  const data = new Float64Array(ds.numUsers * names.length);
  const B = 256;
  // One item side for every batch of users (the model's evaluation cache).
  model.beginEval();
  try {
    for (let start = 0; start < ds.numUsers; start += B) {
      const size = Math.min(B, ds.numUsers - start);
      const batch = batchOfHistories(ds.sequences.slice(start, start + size), maxLength);
      const out = model.poiOf(batch);
      if (out === null)
        throw new UserError("this Demure model has no POI estimator (trained with --no-poi)");
      for (let r = 0; r < size; r++) {
        cols.forEach((c, k) => {
          data[(start + r) * names.length + k] = c < 0 ? Number.NaN : out.pi[r * M + c]!;
        });
      }
    }
  } finally {
    model.endEval();
  }
  return { data, rows: ds.numUsers, cols: names.length };
}

/** A modality as the coherence heuristic sees it (raw values, no learning). */
function viewOf(m: Modality): ModalityView {
  if (m.kind === "token") return tokenView(m.ids);
  if (m.kind === "dense") return denseView(m.values, m.dim, m.present);
  return { kind: "token_seq", offsets: m.offsets, ids: m.ids };
}

/** The plain coherence heuristic's weights (no learning) for the labelled modalities: [numUsers × modalities]. */
export function coherenceWeights(ds: Dataset, labels: PoiLabels): FlatMatrix {
  const views = labels.modalities.map((n) => viewOf(ds.modalities.find((m) => m.name === n)!));
  return coherence(views, ds.sequences, { seed: 0 });
}

/** POI-AUC of the learned π and of the plain coherence heuristic, on the planted labels. */
export function poiAucReport(
  model: DemureRecommender,
  ds: Dataset,
  labels: PoiLabels,
  maxLength: number,
): { poi_auc: number; coherence_poi_auc: number } {
  const learned = meanPoiAuc(poiWeights(model, ds, labels.modalities, maxLength), labels.labels);
  const heuristic = meanPoiAuc(coherenceWeights(ds, labels), labels.labels);
  return { poi_auc: learned.auc, coherence_poi_auc: heuristic.auc };
}
