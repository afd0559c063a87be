/**
 * How load, memory, training and evaluation grow with the log:
 *
 *   node dist/bench/scale.js [--sizes 1e5,1e6,1e7] [--dir /tmp/demure-scale]
 *        [--threads 2] [--steps 5] [--warmup 2] [--eval-users 2000] [--out FILE]
 *
 * For each size a planted log is made with the CLI (`demure generate
 * planted`, seed 1, 4 modalities; its sequences are 20 to 40 items long, so
 * size / 30 users) and cached in `--dir` (a folder per size, made once, never
 * in the repository); items grow with the log (see SIZES). Each size is then
 * measured by `scale-child.js` in a fresh process (clean RSS), with
 * DEMURE_NUM_THREADS=--threads. The JSON (one line on stdout, and in --out
 * if given) holds every size's figures and the log-log exponent of each
 * series: the least-squares slope of log(metric) on log(interactions).
 * `node dist/bench/scale-table.js` turns that JSON into docs/results.md's
 * Scale table.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** Users and items of the planted log of a size (interactions ≈ 30 per user). */
const SIZES: Record<string, { users: number; items: number }> = {
  "1e5": { users: 3_334, items: 5_000 },
  "1e6": { users: 33_334, items: 50_000 },
  "1e7": { users: 333_334, items: 200_000 },
};

const usage =
  "usage: node dist/bench/scale.js [--sizes 1e5,1e6,1e7] [--dir DIR] [--threads N] [--steps N] [--warmup N] [--eval-users N] [--out FILE]";
function fail(message: string): never {
  console.error(`scale: ${message}\n${usage}`);
  process.exit(2);
}
let flags: Record<"sizes" | "dir" | "threads" | "steps" | "warmup" | "eval-users", string> & {
  out?: string;
};
try {
  flags = parseArgs({
    options: {
      sizes: { type: "string", default: "1e5,1e6,1e7" },
      dir: { type: "string", default: "/tmp/demure-scale" },
      threads: { type: "string", default: "2" },
      steps: { type: "string", default: "5" },
      warmup: { type: "string", default: "2" },
      "eval-users": { type: "string", default: "2000" },
      out: { type: "string" },
    },
    strict: true,
  }).values as typeof flags;
} catch (error) {
  fail((error as Error).message);
}
for (const k of ["threads", "steps", "warmup", "eval-users"] as const) {
  const n = Number(flags[k]);
  if (!Number.isInteger(n) || n < (k === "warmup" ? 0 : 1))
    fail(`--${k}: expected an integer, got "${flags[k]}"`);
}
const sizes = flags.sizes.split(",");
for (const s of sizes)
  if (SIZES[s] === undefined) fail(`unknown size "${s}" (known: ${Object.keys(SIZES).join(", ")})`);

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const cli = join(root, "bin", "demure.js");
const child = join(root, "dist", "bench", "scale-child.js");
const dir = resolve(flags.dir);
if (dir === root || dir.startsWith(`${root}/`))
  fail(`--dir ${dir} is inside the repository; pick a folder outside it`);

/** The cached planted log of a size, generated on first use; returns its folder and how long generation took (null: cached). */
function plantedLog(size: string): { folder: string; generate_s: number | null } {
  const { users, items } = SIZES[size]!;
  const name = `planted-${size}`;
  const folder = join(dir, name);
  if (existsSync(join(folder, `${name}.inter`)) && existsSync(join(folder, `${name}.item`))) {
    return { folder, generate_s: null };
  }
  mkdirSync(folder, { recursive: true });
  const t = performance.now();
  execFileSync(
    process.execPath,
    [
      cli,
      "generate",
      "planted",
      "--out",
      folder,
      "--users",
      String(users),
      "--items",
      String(items),
      "--seed",
      "1",
      "--json",
    ],
    { stdio: ["ignore", "ignore", "inherit"], maxBuffer: 1 << 26 },
  );
  return { folder, generate_s: Number(((performance.now() - t) / 1000).toFixed(1)) };
}

interface ChildResult {
  interactions: number;
  load_s: number;
  bytes_per_interaction: number;
  training: Record<string, { ms_per_step: number; epoch_s_projected: number }>;
  eval: { s_measured: number; ms_per_user: number; s_projected: number };
  threads: number;
  [key: string]: unknown;
}

const results: Array<ChildResult & { size: string; generate_s: number | null }> = [];
for (const size of sizes) {
  const { folder, generate_s } = plantedLog(size);
  const out = execFileSync(
    process.execPath,
    [
      "--expose-gc",
      "--max-old-space-size=16384",
      child,
      folder,
      "--steps",
      flags.steps,
      "--warmup",
      flags.warmup,
      "--eval-users",
      flags["eval-users"],
    ],
    {
      env: { ...process.env, DEMURE_NUM_THREADS: flags.threads },
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 1 << 26,
    },
  ).toString();
  const line = out.trim().split("\n").at(-1)!;
  const r = JSON.parse(line) as ChildResult;
  if (r.threads !== Number(flags.threads))
    fail(`child used ${r.threads} threads, asked for ${flags.threads}`);
  results.push({ size, generate_s, ...r });
  console.error(`scale: ${size} done (${r.interactions} interactions)`);
}

/** Least-squares slope of log(y) on log(x); null with fewer than two usable points. */
function exponent(xs: number[], ys: number[]): number | null {
  const pts = xs
    .map((x, i) => [Math.log(x), Math.log(ys[i]!)] as const)
    .filter(([, y]) => Number.isFinite(y));
  if (pts.length < 2) return null;
  const mx = pts.reduce((s, [x]) => s + x, 0) / pts.length;
  const my = pts.reduce((s, [, y]) => s + y, 0) / pts.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of pts) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx === 0 ? null : Number((sxy / sxx).toFixed(3));
}

const series: Record<string, (r: ChildResult) => number> = {
  load_s: (r) => r.load_s,
  bytes_per_interaction: (r) => r.bytes_per_interaction,
  ms_per_step_ce: (r) => r.training["ce"]!.ms_per_step,
  ms_per_step_sampled: (r) => r.training["sampled"]!.ms_per_step,
  epoch_s_ce: (r) => r.training["ce"]!.epoch_s_projected,
  epoch_s_sampled: (r) => r.training["sampled"]!.epoch_s_projected,
  eval_ms_per_user: (r) => r.eval.ms_per_user,
  eval_s_all_users: (r) => r.eval.s_projected,
};
const x = results.map((r) => r.interactions);
const exponents = Object.fromEntries(
  Object.entries(series).map(([k, get]) => [k, exponent(x, results.map(get))]),
);

const report = {
  bench: "scale",
  model: "sasrec",
  variant: "id",
  threads: Number(flags.threads),
  steps: Number(flags.steps),
  warmup: Number(flags.warmup),
  eval_users: Number(flags["eval-users"]),
  measured:
    "load_s, split_s, bytes_per_interaction, ms_per_step (median of `steps` after `warmup`), eval s_measured (first eval_users users' validation rows)",
  projected:
    "epoch_s_projected = ms_per_step × batches_per_epoch; eval s_projected = measured ms per user × validation users",
  exponents_on: "interactions (least squares of log(metric) on log(interactions))",
  exponents,
  sizes: results,
  date: new Date().toISOString(),
};
const json = JSON.stringify(report);
if (flags.out !== undefined) {
  mkdirSync(dirname(resolve(flags.out)), { recursive: true });
  writeFileSync(flags.out, `${JSON.stringify(report, null, 2)}\n`);
}
console.log(json);
