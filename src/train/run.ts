import { existsSync } from "node:fs";
import { batchOfHistories } from "../data/batches.js";
import { type Dataset, loadDataset, unknownUser } from "../data/dataset.js";
import { describeRemap, type RemapReport, remapOnto } from "../data/remap.js";
import { noGrad } from "../engine/index.js";
import type { Recommender } from "../models/recommender.js";
import { UserError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import { loadParams } from "./checkpoint.js";
import { resolveRunConfig, type TrainConfig } from "./config.js";
import { loadForConfig } from "./load-data.js";
import { buildModel } from "./model.js";
import { evalOptions, type ProtocolSplit, protocolSplit } from "./protocol.js";
import { RUN_FILES, readJson, readRunSnapshot, runPath } from "./run-dir.js";

/** A trained run, loaded read-only: its config, data, split (under its protocol) and best parameters. */
export interface LoadedRun {
  dir: string;
  config: TrainConfig;
  dataset: Dataset;
  /** The split of `dataset` under the run's `protocol` (and `splitSeed`). */
  split: ProtocolSplit;
  model: Recommender;
  /** How `dataDir`'s interactions were mapped onto the run's items (only with `dataDir`). */
  remap?: RemapReport;
  /** Things to tell the user (where the data came from, what could not be mapped). */
  notes: string[];
}

/**
 * Load a run directory: the saved config (checked against the schema), the
 * data snapshot taken at training (vocabularies, sequences, encoded
 * modalities: the data folder is not needed), and the best epoch's
 * parameters (checksum verified). With `dataDir`, that folder's interactions
 * are evaluated instead, mapped onto the run's items by id. A run from before
 * snapshots re-reads its original data folder, with a warning.
 */
export async function loadRun(dir: string, opts: { dataDir?: string } = {}): Promise<LoadedRun> {
  if (!existsSync(dir)) throw new UserError("run directory not found", { file: dir });
  const saved = readJson<Record<string, unknown>>(runPath(dir, "config"));
  const config = resolveRunConfig(saved, runPath(dir, "config"));
  const best = runPath(dir, "best");
  if (!existsSync(best))
    throw new UserError("no best.params yet: training has not finished an epoch", { file: best });
  const notes: string[] = [];
  const snapshot = readRunSnapshot(dir);
  const trained = snapshot?.dataset ?? (await reread(dir, config, notes));
  const model = buildModel(trained, config, new Rng(config.seed), new Rng(0));
  try {
    loadParams(best, model.params());
  } catch (e) {
    if (!(e instanceof UserError) || snapshot !== null) throw e;
    throw new UserError(
      `${e.message}; this run has no ${RUN_FILES.data}, so its data folder ${config.data} must be exactly as at training (it has changed): retrain the run`,
    );
  }
  let dataset = trained;
  let remap: RemapReport | undefined;
  if (opts.dataDir !== undefined) {
    const other = await loadDataset(opts.dataDir, {
      interactionsOnly: true,
      ...(config.kcore === null ? {} : { kcore: config.kcore }),
    });
    ({ dataset, report: remap } = remapOnto(trained, other));
    notes.push(describeRemap(remap));
  }
  // Under user-split, other data keeps the run's user groups: a user it trained on is never tested.
  const split =
    remap === undefined
      ? protocolSplit(config, dataset)
      : protocolSplit(config, dataset, trained.userIds);
  notes.push(...split.notes);
  const run: LoadedRun = { dir, config, dataset, split, model, notes };
  return remap === undefined ? run : { ...run, remap };
}

/** A run from before snapshots: its data folder re-read, with a warning. */
async function reread(dir: string, config: TrainConfig, notes: string[]): Promise<Dataset> {
  if (!existsSync(config.data))
    throw new UserError(
      `this run has no ${RUN_FILES.data} (it predates self-contained runs) and its dataset folder ${JSON.stringify(config.data)} is not there; retrain it`,
      { file: runPath(dir, "config") },
    );
  notes.push(
    `warning: this run has no ${RUN_FILES.data} (it predates self-contained runs); ` +
      `its items are re-read from ${config.data} and are right only if that folder is unchanged, rows in the same order; retrain to make the run self-contained`,
  );
  return loadForConfig(config);
}

/** Test metrics of a loaded run (its config's protocol, as training's final evaluation). */
export function evaluateRun(run: LoadedRun): Record<string, number> {
  return run.split.evaluate(run.model, "test", evalOptions(run.config)).metrics;
}

export interface Recommendation {
  item: string;
  score: number;
}

/**
 * Top-k items for a history of item indices (the user's whole sequence, or an
 * ad-hoc session), items in `exclude` left out.
 */
export function recommendForHistory(
  run: LoadedRun,
  history: Int32Array,
  k: number,
  exclude: Iterable<number> = history,
): Recommendation[] {
  if (history.length === 0) throw new UserError("cannot recommend from an empty history");
  const { config, model, dataset } = run;
  const batch = batchOfHistories([history], config.maxLength);
  const scores = noGrad(() => model.scoreAll(batch));
  return topK(scores, dataset.numItems, k, new Set<number>(exclude)).map((i) => ({
    item: dataset.itemIds[i]!,
    score: scores[i]!,
  }));
}

/** Top-k for a known user (raw id): history = the user's whole sequence, seen items excluded. */
export function recommendForUser(run: LoadedRun, userId: string, k: number): Recommendation[] {
  const u = run.dataset.userIndex.get(userId);
  if (u === undefined) throw unknownUser(run.dataset, userId);
  return recommendForHistory(run, run.dataset.sequences[u]!, k);
}

/**
 * The k best items 1..numItems by score (ties: lower index first), skipping
 * `banned`: one pass keeping a sorted list of the k best so far, so serving
 * does not sort a whole catalogue per request.
 */
export function topK(
  scores: Float32Array,
  numItems: number,
  k: number,
  banned: Set<number>,
): number[] {
  const best: number[] = [];
  const better = (a: number, b: number) =>
    scores[a]! > scores[b]! || (scores[a] === scores[b] && a < b);
  for (let i = 1; i <= numItems; i++) {
    if (banned.has(i)) continue;
    if (best.length === k && !better(i, best[k - 1]!)) continue;
    let at = best.length === k ? k - 1 : best.length;
    if (best.length < k) best.push(i);
    while (at > 0 && better(i, best[at - 1]!)) {
      best[at] = best[at - 1]!;
      at--;
    }
    best[at] = i;
  }
  return best;
}
