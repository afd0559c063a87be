/**
 * The experiment grid of DEMURE.md / the Demure issue, as one command:
 *
 *   node dist/bench/experiments.js [--only GROUP[,GROUP]] [--models M[,M]] [--variants V[,V]]
 *        [--seeds 1,2,3] [--jobs J] [--threads T] [--epochs N] [--dry-run] [--table-only]
 *
 * `--only` keeps the listed groups (exact names, as in the tables' headings),
 * `--models` and `--variants` the listed backbones and variants (a variant
 * prefix: `demure` also keeps its ablations). Ablation names hold ", "
 * (`demure, no L_cl`), so lists split on a comma not followed by a space; a
 * name that matches no row is an error, not an empty run.
 *
 * Every run is a `demure train` process, so the command printed beside a
 * result is exactly what produced it. A run whose directory already holds a
 * result.json is not run again, and one stopped part-way resumes from its last
 * finished epoch: the grid can be stopped and restarted, and runs can be
 * added seed by seed. `--jobs J` runs J trainings at once, each
 * with cores / J threads (or `--threads T`: e.g. one queue of one-thread runs
 * beside another queue). Results are the mean ± std over the seeds found of
 * the test metrics (full ranking) with default hyperparameters (nothing is
 * tuned on test). The tables are written between the grid markers of
 * docs/results.md (the rest of the page is left alone); rows with fewer runs
 * than seeds say so.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../src/util/atomic-write.js";
import { lockHolder } from "../src/util/run-lock.js";
import { gridRows, type Row } from "./grid-rows.js";
import {
  fullMetrics,
  type GridRuns,
  type Result,
  summary,
  tables,
  writeBlock,
} from "./grid-tables.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const shared = resolve(root, "../shared/data");
const planted = join(root, "runs/experiments/data/planted");
const confounded = join(root, "runs/experiments/data/confounded");
const outDir = join(root, "runs/experiments");
const bin = join(root, "bin/demure.js");
const comirec = join(root, "configs/comirec.yaml");

const usage = `usage: node dist/bench/experiments.js [--only GROUP[,GROUP]] [--models M[,M]]
       [--variants V[,V]] [--seeds 1,2,3] [--jobs J] [--threads T] [--epochs N] [--dry-run] [--table-only]`;

/** A bad flag: say what was wrong on stderr and exit 2, as every user error does. */
function fail(message: string): never {
  process.stderr.write(`experiments: ${message}\n`);
  process.exit(2);
}

function parseFlags() {
  try {
    return parseArgs({
      options: {
        seeds: { type: "string", default: "1,2,3" },
        only: { type: "string" },
        models: { type: "string" },
        variants: { type: "string" },
        epochs: { type: "string" },
        jobs: { type: "string", default: "1" },
        threads: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        "table-only": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    fail(`${(error as Error).message}\n${usage}`);
  }
}

/**
 * One of `--only`, `--models`, `--variants`: the names listed, the row field
 * they name, and whether a name is a prefix (a variant) or exact.
 */
interface Filter {
  flag: string;
  names: string[] | undefined;
  field: (r: Row) => string;
  prefix: boolean;
}

function keeps(f: Filter, r: Row, name: string): boolean {
  return f.prefix ? f.field(r).startsWith(name) : f.field(r) === name;
}

/** The grid rows every filter keeps; exit 2 when a listed name matches no row at all. */
function selectRows(grid: Row[], filters: Filter[]): Row[] {
  for (const f of filters) {
    const unknown = f.names?.filter((name) => !grid.some((r) => keeps(f, r, name))) ?? [];
    if (unknown.length === 0) continue;
    const known = [...new Set(grid.map(f.field))].map((k) => `"${k}"`).join(", ");
    fail(`--${f.flag} "${unknown.join('", "')}" matches no grid row; known: ${known}`);
  }
  return grid.filter((r) =>
    filters.every((f) => f.names === undefined || f.names.some((name) => keeps(f, r, name))),
  );
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    fail(`--${name} expects a positive integer, got "${text}"`);
  }
  return n;
}

const flags = parseFlags();
if (flags.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const seeds = flags.seeds.split(",").map((s) => positiveInt("seeds", s));
/** A name list: ablation names hold ", ", so only a comma with no space after it separates. */
const names = (text: string | undefined) => text?.split(/,(?! )/);
const epochs = flags.epochs === undefined ? undefined : String(positiveInt("epochs", flags.epochs));
const jobs = positiveInt("jobs", flags.jobs);
const dryRun = flags["dry-run"];
const tableOnly = flags["table-only"];
const threads =
  flags.threads === undefined
    ? Math.max(1, Math.floor(availableParallelism() / jobs))
    : positiveInt("threads", flags.threads);

const runDir = (row: Row, seed: number) =>
  join(
    outDir,
    `${row.group}-${row.model} ${row.variant}-s${seed}`.replace(/[^A-Za-z0-9.-]+/g, "_"),
  );
const baseArgs = (row: Row) => ["train", ...row.args, ...(epochs ? ["--epochs", epochs] : [])];

/**
 * Every finished run is kept as a small record in bench/results/ (committed):
 * its command, result and per-epoch curve. The tables are built from these
 * records, and a run with a record is never repeated, so the grid survives a
 * fresh checkout (runs/ is not committed).
 */
const recordDir = join(root, "bench/results");

function readResult(dir: string, row: Row, seed: number): Result | null {
  const record = join(recordDir, `${basename(dir)}.json`);
  if (existsSync(record)) {
    return (JSON.parse(readFileSync(record, "utf8")) as { result: Result }).result;
  }
  const path = join(dir, "result.json");
  if (!existsSync(path)) return null;
  const result = JSON.parse(readFileSync(path, "utf8")) as Result;
  if (result.interrupted === true) return null;
  const metrics = join(dir, "metrics.jsonl");
  const epochs = existsSync(metrics)
    ? readFileSync(metrics, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as unknown)
    : [];
  const command = `npx demure ${[...baseArgs(row), "--seed", String(seed)].map(display).join(" ")}`;
  const { run_dir: _where, ...kept } = result;
  mkdirSync(recordDir, { recursive: true });
  writeFileAtomic(record, `${JSON.stringify({ command, result: kept, epochs }, null, 1)}\n`);
  return result;
}

/** A path as the tables show it: relative to the repository and ../shared. */
const display = (a: string) => a.replace(shared, "../shared/data").replace(root, ".");

/** Runs `demure args` in its own process; resolves with its exit code. */
function demure(args: string[], log?: string): Promise<number | null> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, DEMURE_QUIET: "1", DEMURE_NUM_THREADS: String(threads) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let text = "";
    child.stdout.on("data", (d: Buffer) => {
      text += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      text += d.toString();
    });
    child.on("close", (code) => {
      if (log !== undefined) writeFileAtomic(log, text);
      done(code);
    });
  });
}

async function ensureData(): Promise<void> {
  if (!existsSync(planted)) await demure(["generate", "planted", "--out", planted, "--seed", "0"]);
  if (!existsSync(confounded))
    await demure([
      "generate",
      "planted",
      ...["--out", confounded, "--seed", "0", "--confounding", "0.8"],
    ]);
}

/** Runs every missing (row, seed) with at most `jobs` at once. */
async function runMissing(rows: Row[]): Promise<void> {
  const todo: Array<{ row: Row; seed: number }> = [];
  for (const row of rows)
    for (const seed of seedsOf(row))
      if (readResult(runDir(row, seed), row, seed) === null) todo.push({ row, seed });
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const { row, seed } = todo[next++]!;
      const dir = runDir(row, seed);
      // Another queue on this machine is training it right now: leave it be.
      const holder = lockHolder(dir);
      if (holder !== null) {
        process.stderr.write(`skipping ${basename(dir)}: in progress (pid ${holder})\n`);
        continue;
      }
      // A run stopped part-way (machine restarted, Ctrl-C) continues from its
      // last finished epoch: same result as an uninterrupted run (tested).
      const resumable =
        existsSync(join(dir, "resume.params")) && existsSync(join(dir, "config.json"));
      const args = resumable
        ? ["train", "--resume", "--out", dir, "--json"]
        : [...baseArgs(row), "--seed", String(seed), "--out", dir, "--json"];
      if (dryRun) {
        const guess = estimate(row);
        if (guess !== null) planned += guess.seconds;
        else unknown++;
        const about =
          guess === null ? "" : ` (about ${minutes(guess.seconds)}, from ${guess.from})`;
        process.stderr.write(`would run: demure ${args.join(" ")}${about}\n`);
        continue;
      }
      process.stderr.write(`running: demure ${args.join(" ")}\n`);
      const code = await demure(args, `${dir}.log`);
      if (code !== 0) process.stderr.write(`  failed (${code}): see ${dir}.log\n`);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  if (dryRun && todo.length > 0) {
    const rest = unknown > 0 ? `, and ${unknown} runs nothing comparable has finished for` : "";
    process.stderr.write(
      `${todo.length} runs: about ${(planned / 3600).toFixed(1)} h of training${rest} (the finished runs' train_seconds, measured with other work on the machine)\n`,
    );
  }
}

let planned = 0;
let unknown = 0;
const minutes = (s: number) => `${Math.round(s / 60)} min`;

/**
 * A run's likely training time: the mean of its row's finished seeds, else of
 * the same backbone's finished runs on the same data folder (Demure and its
 * variants apart from ID/MM), else of any of them, else null.
 */
function estimate(row: Row): { seconds: number; from: string } | null {
  const mean = (rows: Row[]) => {
    const t = rows.flatMap((r) =>
      [1, 2, 3].flatMap((s) => {
        const x = finishedRun(r, s)?.train_seconds;
        return typeof x === "number" ? [x] : [];
      }),
    );
    return t.length === 0 ? null : t.reduce((a, b) => a + b, 0) / t.length;
  };
  const own = mean([row]);
  if (own !== null) return { seconds: own, from: "its finished seeds" };
  const data = (r: Row) => r.args[r.args.indexOf("--data") + 1];
  const kin = grid.filter((r) => data(r) === data(row) && r.model === row.model);
  const demure = (r: Row) => r.variant.startsWith("demure");
  const family = mean(kin.filter((r) => demure(r) === demure(row)));
  if (family !== null)
    return {
      seconds: family,
      from: `${demure(row) ? "Demure" : "ID/MM"} ${row.model} runs on the same data`,
    };
  const any = mean(kin);
  // Demure's step costs about twice an MM step (docs/results.md), so this one undershoots for it.
  return any === null
    ? null
    : { seconds: any, from: `other ${row.model} variants on the same data (a floor for Demure)` };
}

/** Published full-ranking figures on the same files (../shared/anchors/published.json), if any. */
function published(group: string, model: string): Record<string, number> | null {
  const path = resolve(root, "../shared/anchors/published.json");
  if (!existsSync(path)) return null;
  const all = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  const name = model === "sasrec" ? "SASRec" : "GRU4Rec";
  const forData = all[group] as Record<string, Record<string, number>> | undefined;
  return forData?.[name] ?? null;
}

/** The seeds a row runs with: the grid's, or the row's own fewer ones. */
function seedsOf(row: Row): number[] {
  return row.seeds === undefined ? seeds : seeds.filter((s) => row.seeds!.includes(s));
}

/** The finished runs of a row, one result per seed that has one. */
function resultsOf(row: Row): Result[] {
  return seedsOf(row)
    .map((s) => finishedRun(row, s))
    .filter((r): r is Result => r !== null);
}

/** A (row, seed)'s result, read once per run directory. */
function finishedRun(row: Row, seed: number): Result | null {
  const dir = runDir(row, seed);
  if (!finished.has(dir)) finished.set(dir, readResult(dir, row, seed));
  return finished.get(dir) ?? null;
}
/** Results read once per run directory for the tables (the grid and the README share them). */
const finished = new Map<string, Result | null>();

const grid = gridRows({ shared, planted, confounded, comirec });
const rows = selectRows(grid, [
  { flag: "only", names: names(flags.only), field: (r) => r.group, prefix: false },
  { flag: "models", names: names(flags.models), field: (r) => r.model, prefix: false },
  { flag: "variants", names: names(flags.variants), field: (r) => r.variant, prefix: true },
]);
mkdirSync(outDir, { recursive: true });
if (!tableOnly) {
  await ensureData();
  await runMissing(rows);
}
const runs: GridRuns = {
  seeds,
  resultsOf,
  commandOf: (row) => `npx demure ${baseArgs(row).map(display).join(" ")} --seed S`,
  published,
};
const table = tables(dryRun ? rows : grid, runs);
if (dryRun) {
  console.log(table);
} else {
  const page = join(root, "docs/results.md");
  writeBlock(page, "grid", table, "\n## Experiment grid\n\n");
  writeBlock(join(root, "README.md"), "summary", summary(grid, runs), "\n");
  writeBlock(join(root, "README.md"), "metrics", fullMetrics(grid, runs), "\n");
  console.log(JSON.stringify({ rows: rows.length, seeds, page }));
}
