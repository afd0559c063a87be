import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadSnapshot, type Snapshot } from "../data/snapshot.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { UserError } from "../util/errors.js";
import type { TrainConfig } from "./config.js";

/**
 * A run directory:
 *   config.json      the resolved config (the run can be redone from it)
 *   metrics.jsonl    one JSON line per epoch (loss, valid metrics, seconds)
 *   best.params      parameters of the best epoch (checksummed)
 *   resume.params    parameters + optimiser state after the last finished epoch
 *   result.json      the final result (what `train --json` prints)
 *   data.snapshot    the data as trained on: vocabularies, sequences, encoded
 *                    modalities, fingerprint (so the run needs no data folder)
 */
export const RUN_FILES = {
  config: "config.json",
  metrics: "metrics.jsonl",
  best: "best.params",
  resume: "resume.params",
  result: "result.json",
  data: "data.snapshot",
} as const;

export function runPath(dir: string, file: keyof typeof RUN_FILES): string {
  return join(dir, RUN_FILES[file]);
}

export function createRunDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UserError(
      `cannot create run directory (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      { file: dir },
    );
  }
}

export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

export function readJson<T>(path: string): T {
  if (!existsSync(path))
    throw new UserError("missing (is this a demure run directory?)", { file: path });
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch (e) {
    throw new UserError(`not valid JSON: ${(e as Error).message}`, { file: path });
  }
}

/** Epoch record appended to metrics.jsonl (one line, flushed before the next epoch). */
export interface EpochRecord {
  epoch: number;
  loss: number;
  /** The loss's named terms, epoch means before their weights (Demure: rec, poi, cl). */
  parts?: Record<string, number>;
  seconds: number;
  valid?: Record<string, number>;
}

export function readEpochs(dir: string): EpochRecord[] {
  const p = runPath(dir, "metrics");
  if (!existsSync(p)) return [];
  return readFileSync(p, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as EpochRecord);
}

export function readRunConfig(dir: string): TrainConfig {
  return readJson<TrainConfig>(runPath(dir, "config"));
}

/** The run's data snapshot, or null for a run written before runs kept one. */
export function readRunSnapshot(dir: string): Snapshot | null {
  const path = runPath(dir, "data");
  return existsSync(path) ? loadSnapshot(path) : null;
}
