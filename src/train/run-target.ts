import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UserError } from "../util/errors.js";
import { lockHolder, lockRunDir, type RunLockRelease } from "../util/run-lock.js";
import { createRunDir, runPath } from "./run-dir.js";

/**
 * Where a training writes. A new run writes straight into its directory; a
 * retrain over an existing run (`--overwrite`) writes into a fresh staging
 * directory beside it and swaps it in only once its first epoch is saved, so
 * the directory is always one whole run: the old one, or the new one. A crash
 * before the swap leaves the old run as it was (the staging directory is
 * cleared by the next training); one between the two renames of the swap
 * leaves the old run under `.NAME.old-PID` beside it.
 */
export interface RunTarget {
  /** The directory to write into now (the staging one until `commit`). */
  readonly dir: string;
  /** True once the run's files are in their final place. */
  readonly committed: boolean;
  /** Swap the staging directory in (a no-op when writing in place). */
  commit(): void;
  /** Release the locks; a staging directory never committed is removed. */
  close(): void;
}

export interface TargetOptions {
  resume?: boolean;
  overwrite?: boolean;
}

/** True when `dir` holds a run's files (a config, at least). */
export function isRunDir(dir: string): boolean {
  return existsSync(runPath(dir, "config"));
}

export function openRunTarget(outDir: string, opts: TargetOptions = {}): RunTarget {
  if (opts.resume === true && opts.overwrite === true)
    throw new UserError("--resume and --overwrite contradict each other; choose one");
  if (opts.resume === true) return inPlace(outDir);
  if (!existsSync(outDir)) {
    createRunDir(outDir);
    return inPlace(outDir);
  }
  if (!statSync(outDir).isDirectory())
    throw new UserError("exists and is not a directory; choose another --out", { file: outDir });
  const entries = readdirSync(outDir).filter((f) => f !== ".lock");
  if (entries.length === 0) return inPlace(outDir);
  if (!isRunDir(outDir))
    throw new UserError(
      "is not empty and is not a demure run directory; choose a new or empty --out (nothing was written)",
      { file: outDir },
    );
  if (opts.overwrite !== true)
    throw new UserError(
      "already holds a run; pass --resume to continue it or --overwrite to replace it",
      { file: outDir },
    );
  return staged(outDir);
}

function inPlace(dir: string): RunTarget {
  const release = lockRunDir(dir);
  return { dir, committed: true, commit() {}, close: release };
}

/** The hidden folder `.NAME.TAG` beside the run directory `NAME`. */
function sibling(outDir: string, tag: string): string {
  const abs = resolve(outDir);
  return join(dirname(abs), `.${basename(abs)}.${tag}`);
}

/** Siblings named `.NAME.new-PID` whose process is gone: a retrain killed before its swap. */
function clearStaleStaging(outDir: string): void {
  const prefix = basename(sibling(outDir, "new-"));
  const parent = dirname(resolve(outDir));
  for (const f of readdirSync(parent)) {
    if (!f.startsWith(prefix)) continue;
    const path = join(parent, f);
    if (lockHolder(path) === null) rmSync(path, { recursive: true, force: true });
  }
}

function staged(outDir: string): RunTarget {
  // Hold the old run for the whole retrain: nobody resumes it while it is being replaced.
  const releaseOld = lockRunDir(outDir);
  let releaseNew: RunLockRelease;
  let staging: string;
  try {
    clearStaleStaging(outDir);
    staging = sibling(outDir, `new-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    createRunDir(staging);
    releaseNew = lockRunDir(staging);
  } catch (e) {
    releaseOld();
    throw e;
  }
  let committed = false;
  let closed = false;
  return {
    get dir() {
      return committed ? outDir : staging;
    },
    get committed() {
      return committed;
    },
    commit() {
      if (committed) return;
      const trash = sibling(outDir, `old-${process.pid}`);
      rmSync(trash, { recursive: true, force: true });
      renameSync(outDir, trash);
      renameSync(staging, outDir);
      committed = true;
      releaseNew.movedTo(outDir);
      releaseOld.movedTo(trash);
      releaseOld();
      rmSync(trash, { recursive: true, force: true });
    },
    close() {
      if (closed) return;
      closed = true;
      releaseNew();
      if (!committed) {
        rmSync(staging, { recursive: true, force: true });
        releaseOld();
      }
    },
  };
}
