/**
 * The experiment grid of DEMURE.md / the Demure issue, as one command:
 *
 *   node dist/bench/experiments.js [--only GROUP[,GROUP]] [--models M[,M]] [--variants V[,V]]
 *        [--seeds 1,2,3] [--jobs J] [--epochs N] [--dry-run] [--table-only]
 *
 * `--only` keeps the listed groups (exact names, as in the tables' headings),
 * `--models` and `--variants` the listed backbones and variants (a variant
 * prefix: `demure` also keeps its ablations).
 *
 * Every run is a `demure train` process, so the command printed beside a
 * result is exactly what produced it. A run whose directory already holds a
 * result.json is not run again, and one stopped part-way resumes from its last
 * finished epoch: the grid can be stopped and restarted, and runs can be
 * added seed by seed. `--jobs J` runs J trainings at once, each
 * with cores / J threads. Results are the mean ± std over the seeds found of
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

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const shared = resolve(root, "../shared/data");
const planted = join(root, "runs/experiments/data/planted");
const confounded = join(root, "runs/experiments/data/confounded");
const outDir = join(root, "runs/experiments");
const bin = join(root, "bin/demure.js");

interface Row {
  group: string;
  model: string;
  variant: string;
  args: string[];
}

/** Every run stops after 5 epochs without a better validation NDCG@10. */
const REAL = ["--patience", "5"];

/** Demure's options, each a row beside plain Demure where it was tried. */
const DEMURE_OPTIONS: Array<{ variant: string; flags: string[]; groups: (g: string) => boolean }> =
  [
    // A learned strength of the weights: tried on validation on scientific and planted.
    {
      variant: "demure + learned strength",
      flags: ["--learn-strength"],
      groups: (g) => g === "scientific" || g === "planted",
    },
    // The subset-surprise prior, where POI labels measure what it adds.
    {
      variant: "demure + surprise",
      flags: ["--surprise", "1"],
      groups: (g) => g.startsWith("planted"),
    },
  ];

function grid(): Row[] {
  const rows: Row[] = [];
  const data: Array<[string, string, string[]]> = [
    ["planted", planted, REAL],
    ["planted confounded 0.8", confounded, REAL],
    ["ml-100k", join(shared, "ml-100k"), REAL],
    ["scientific", join(shared, "scientific"), REAL],
    ["beauty", join(shared, "beauty"), REAL],
    ["ml-100k + 2 noise modalities", join(shared, "ml-100k"), [...REAL, "--noise-modalities", "2"]],
    [
      "scientific + 2 noise modalities",
      join(shared, "scientific"),
      [...REAL, "--noise-modalities", "2"],
    ],
  ];
  for (const [group, dir, extra] of data) {
    for (const model of ["sasrec", "gru4rec"]) {
      for (const variant of ["id", "mm", "demure"]) {
        if (extra.includes("--noise-modalities") && variant === "id") continue;
        const args = ["--data", dir, "--model", model, "--variant", variant, ...extra];
        rows.push({ group, model, variant, args });
        if (variant !== "demure") continue;
        for (const option of DEMURE_OPTIONS) {
          if (option.groups(group)) {
            rows.push({ group, model, variant: option.variant, args: [...args, ...option.flags] });
          }
        }
      }
    }
  }
  const ablations: Array<[string[], string]> = [
    [["--no-poi"], "no POI estimator"],
    [["--no-poi-loss"], "no L_poi"],
    [["--no-cl"], "no L_cl"],
    [["--hard-topk", "1"], "hard top-1"],
  ];
  for (const [group, dir, extra] of [
    ["planted", planted, REAL],
    ["ml-100k", join(shared, "ml-100k"), REAL],
  ] as const) {
    for (const [flag, name] of ablations) {
      rows.push({
        group: `${group} ablations`,
        model: "sasrec",
        variant: `demure, ${name}`,
        args: ["--data", dir, "--model", "sasrec", "--variant", "demure", ...extra, ...flag],
      });
    }
  }
  return rows;
}

const usage = `usage: node dist/bench/experiments.js [--only GROUP[,GROUP]] [--models M[,M]]
       [--variants V[,V]] [--seeds 1,2,3] [--jobs J] [--epochs N] [--dry-run] [--table-only]`;

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
        "dry-run": { type: "boolean", default: false },
        "table-only": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    process.stderr.write(`experiments: ${(error as Error).message}\n${usage}\n`);
    process.exit(2);
  }
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`experiments: --${name} expects a positive integer, got "${text}"\n`);
    process.exit(2);
  }
  return n;
}

const flags = parseFlags();
if (flags.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const seeds = flags.seeds.split(",").map((s) => positiveInt("seeds", s));
const only = flags.only?.split(",");
const models = flags.models?.split(",");
const variants = flags.variants?.split(",");
const epochs = flags.epochs === undefined ? undefined : String(positiveInt("epochs", flags.epochs));
const jobs = positiveInt("jobs", flags.jobs);
const dryRun = flags["dry-run"];
const tableOnly = flags["table-only"];
const threads = Math.max(1, Math.floor(availableParallelism() / jobs));

type Result = Record<string, unknown> & { test: Record<string, number> };

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
    for (const seed of seeds)
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
      process.stderr.write(`${dryRun ? "would run" : "running"}: demure ${args.join(" ")}\n`);
      if (dryRun) continue;
      const code = await demure(args, `${dir}.log`);
      if (code !== 0) process.stderr.write(`  failed (${code}): see ${dir}.log\n`);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
}

const meanStd = (xs: number[]): string => {
  if (xs.length === 0) return "–";
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  if (xs.length === 1) return m.toFixed(4);
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
  return `${m.toFixed(4)} ± ${sd.toFixed(4)}`;
};

/** Published full-ranking figures on the same files (../shared/anchors/published.json), if any. */
function published(group: string, model: string): Record<string, number> | null {
  const path = resolve(root, "../shared/anchors/published.json");
  if (!existsSync(path)) return null;
  const all = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  const name = model === "sasrec" ? "SASRec" : "GRU4Rec";
  const forData = all[group] as Record<string, Record<string, number>> | undefined;
  return forData?.[name] ?? null;
}

/** The finished runs of a row, one result per seed that has one. */
function resultsOf(row: Row): Result[] {
  return seeds
    .map((s) => {
      const dir = runDir(row, s);
      if (!finished.has(dir)) finished.set(dir, readResult(dir, row, s));
      return finished.get(dir) ?? null;
    })
    .filter((r): r is Result => r !== null);
}
/** Results read once per run directory for the tables (the grid and the README share them). */
const finished = new Map<string, Result | null>();

/**
 * The README's summary: test NDCG@10 on the real datasets, ID / MM / Demure
 * side by side (rows with fewer seeds than asked say how many finished).
 */
function summary(rows: Row[]): string {
  const out = ["| data | model | ID | MM | Demure |", "|---|---|---|---|---|"];
  for (const group of ["ml-100k", "beauty", "scientific"]) {
    for (const model of ["sasrec", "gru4rec"]) {
      const cell = (variant: string) => {
        const row = rows.find(
          (r) => r.group === group && r.model === model && r.variant === variant,
        );
        if (row === undefined) return "–";
        const ndcg = resultsOf(row)
          .map((x) => x.test["ndcg@10"])
          .filter((v): v is number => v !== undefined);
        const partial =
          ndcg.length > 0 && ndcg.length < seeds.length
            ? ` (${ndcg.length} of ${seeds.length} seeds)`
            : "";
        return `${meanStd(ndcg)}${partial}`;
      };
      const name = model === "sasrec" ? "SASRec" : "GRU4Rec";
      out.push(`| ${group} | ${name} | ${cell("id")} | ${cell("mm")} | ${cell("demure")} |`);
    }
  }
  return out.join("\n");
}

/** Replace the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` of a page. */
function writeBlock(page: string, name: string, body: string, fallback: string): void {
  const text = existsSync(page) ? readFileSync(page, "utf8") : "";
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${start}\n${body}\n${end}`;
  const next = text.includes(start)
    ? text.replace(new RegExp(`${start}[\\s\\S]*${end}`), () => block)
    : `${text}${fallback}${block}\n`;
  writeFileAtomic(page, next);
}

function tables(rows: Row[]): string {
  const out = [
    `Seeds ${seeds.join(", ")}; mean ± sample std over the seeds that finished (column "runs").`,
    "Test metrics, full ranking over all items, leave-one-out. Generated by",
    "`node dist/bench/experiments.js`; `S` in a command is the seed.",
  ];
  for (const group of [...new Set(rows.map((r) => r.group))]) {
    const poi = group.startsWith("planted");
    const made = group.includes("confounded")
      ? "npx demure generate planted --out runs/experiments/data/confounded --seed 0 --confounding 0.8"
      : "npx demure generate planted --out runs/experiments/data/planted --seed 0";
    out.push("", `### ${group}`, "");
    if (poi) out.push(`Data: \`${made}\` (the generator's defaults otherwise).`, "");
    out.push(
      `| model | variant | runs | best epoch | HR@10 | NDCG@10 | MRR@10 |${poi ? " POI-AUC | coherence POI-AUC |" : ""} command |`,
      `|---|---|---|---|---|---|---|${poi ? "---|---|" : ""}---|`,
    );
    for (const row of rows.filter((r) => r.group === group)) {
      const c = cellsOf(row);
      const pub = row.variant === "id" ? published(row.group, row.model) : null;
      const vsPublished =
        pub === null
          ? ""
          : ` (published HR@10 ${pub["hr@10"]?.toFixed(4)}, NDCG@10 ${pub["ndcg@10"]?.toFixed(4)})`;
      out.push(
        `| ${row.model} | ${row.variant}${vsPublished} | ${c.runs} | ${c.extra("best_epoch").join(", ") || "–"} | ${c.metrics} |${poi ? ` ${meanStd(c.extra("poi_auc"))} | ${meanStd(c.extra("coherence_poi_auc"))} |` : ""} ${c.command} |`,
      );
    }
  }
  return out.join("\n");
}

/** A row's cells: runs found, "HR@10 | NDCG@10 | MRR@10" (mean ± std), its command, other result fields. */
function cellsOf(row: Row) {
  const results = resultsOf(row);
  const metric = (k: string) =>
    meanStd(results.map((x) => x.test[k]).filter((v): v is number => v !== undefined));
  return {
    runs: `${results.length}/${seeds.length}`,
    metrics: `${metric("hr@10")} | ${metric("ndcg@10")} | ${metric("mrr@10")}`,
    command: `\`npx demure ${baseArgs(row).map(display).join(" ")} --seed S\``,
    extra: (k: string) =>
      results.map((x) => x[k]).filter((v): v is number => typeof v === "number"),
  };
}

/** ml-100k and beauty, ID and MM: test HR/NDCG/MRR@10 with each row's command (README). */
function fullMetrics(rows: Row[]): string {
  const out = [
    "| data | model | variant | runs | HR@10 | NDCG@10 | MRR@10 | command |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const row of rows) {
    if (!["ml-100k", "beauty"].includes(row.group) || row.variant.startsWith("demure")) continue;
    const c = cellsOf(row);
    out.push(
      `| ${row.group} | ${row.model} | ${row.variant} | ${c.runs} | ${c.metrics} | ${c.command} |`,
    );
  }
  return out.join("\n");
}

const rows = grid().filter(
  (r) =>
    (only === undefined || only.includes(r.group)) &&
    (models === undefined || models.includes(r.model)) &&
    (variants === undefined || variants.some((v) => r.variant.startsWith(v))),
);
mkdirSync(outDir, { recursive: true });
if (!tableOnly) {
  await ensureData();
  await runMissing(rows);
}
const table = tables(dryRun ? rows : grid());
if (dryRun) {
  console.log(table);
} else {
  const page = join(root, "docs/results.md");
  writeBlock(page, "grid", table, "\n## Experiment grid\n\n");
  writeBlock(join(root, "README.md"), "summary", summary(grid()), "\n");
  writeBlock(join(root, "README.md"), "metrics", fullMetrics(grid()), "\n");
  console.log(JSON.stringify({ rows: rows.length, seeds, page }));
}
