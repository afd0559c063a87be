/**
 * The experiment grid of DEMURE.md / the Demure issue, as one command:
 *
 *   node dist/bench/experiments.js [--only NAME[,NAME]] [--seeds 1,2,3] [--epochs N] [--dry-run]
 *
 * Every row is a `demure train` run started as a separate process, so the
 * command printed beside a result is exactly what produced it. Results are
 * the mean ± std over seeds of the test metrics (full ranking), with default
 * hyperparameters (nothing is tuned on test). The table is written between
 * the grid markers of docs/results.md (the rest of the page is left alone),
 * and every run's JSON goes to runs/experiments/.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../src/util/atomic-write.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const shared = resolve(root, "../shared/data");
const planted = join(root, "runs/experiments/data/planted");
const confounded = join(root, "runs/experiments/data/confounded");

interface Row {
  group: string;
  label: string;
  args: string[];
}

function grid(): Row[] {
  const rows: Row[] = [];
  const data: Array<[string, string, string[]]> = [
    ["planted", planted, []],
    ["planted, confounding 0.8", confounded, []],
    ["ml-100k", join(shared, "ml-100k"), []],
    ["scientific", join(shared, "scientific"), []],
    ["beauty", join(shared, "beauty"), []],
    ["ml-100k + 2 noise modalities", join(shared, "ml-100k"), ["--noise-modalities", "2"]],
    ["scientific + 2 noise modalities", join(shared, "scientific"), ["--noise-modalities", "2"]],
  ];
  for (const [group, dir, extra] of data) {
    for (const model of ["gru4rec", "sasrec"]) {
      for (const variant of ["id", "mm", "demure"]) {
        if (extra.length > 0 && variant === "id") continue;
        rows.push({
          group,
          label: `${model} ${variant}`,
          args: ["--data", dir, "--model", model, "--variant", variant, ...extra],
        });
      }
    }
  }
  for (const [flag, name] of [
    [["--no-poi"], "no POI estimator"],
    [["--no-poi-loss"], "no L_poi"],
    [["--no-cl"], "no L_cl"],
    [["--hard-topk", "1"], "hard top-1"],
  ] as Array<[string[], string]>) {
    for (const [group, dir] of [
      ["planted", planted],
      ["ml-100k", join(shared, "ml-100k")],
    ] as const) {
      rows.push({
        group: `${group} ablations`,
        label: `sasrec demure, ${name}`,
        args: ["--data", dir, "--model", "sasrec", "--variant", "demure", ...flag],
      });
    }
  }
  return rows;
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seeds = (flag("--seeds") ?? "1,2,3").split(",").map(Number);
const only = flag("--only")?.split(",");
const epochs = flag("--epochs");
const dryRun = process.argv.includes("--dry-run");
const bin = join(root, "bin/demure.js");

function demure(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, DEMURE_QUIET: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ensureData(): void {
  if (!existsSync(planted)) demure(["generate", "planted", "--out", planted, "--seed", "0"]);
  if (!existsSync(confounded))
    demure(["generate", "planted", "--out", confounded, "--seed", "0", "--confounding", "0.8"]);
}

const meanStd = (xs: number[]): string => {
  if (xs.length === 0) return "–";
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return `${m.toFixed(4)} ± ${sd.toFixed(4)}`;
};

const rows = grid().filter((r) => only === undefined || only.some((o) => r.group.startsWith(o)));
ensureData();
const lines = [
  "| data | model | HR@10 | NDCG@10 | MRR@10 | POI-AUC | coherence POI-AUC | command (per seed S) |",
  "|---|---|---|---|---|---|---|---|",
];
const outDir = join(root, "runs/experiments");
mkdirSync(outDir, { recursive: true });
for (const row of rows) {
  const results: Array<Record<string, unknown>> = [];
  const base = ["train", ...row.args, ...(epochs ? ["--epochs", epochs] : []), "--json"];
  for (const seed of seeds) {
    const runDir = join(
      outDir,
      `${row.group}-${row.label}-s${seed}`.replace(/[^A-Za-z0-9.-]+/g, "_"),
    );
    const args = [...base, "--seed", String(seed), "--out", runDir];
    process.stderr.write(`${dryRun ? "would run" : "running"}: demure ${args.join(" ")}\n`);
    if (dryRun) continue;
    const r = demure(args);
    if (r.code !== 0) {
      process.stderr.write(`  failed (${r.code}): ${r.stderr.trim().split("\n").pop()}\n`);
      continue;
    }
    const last = r.stdout.trim().split("\n").pop()!;
    results.push(JSON.parse(last) as Record<string, unknown>);
  }
  const metric = (k: string) =>
    results.map((x) => (x.test as Record<string, number>)[k]!).filter((v) => v !== undefined);
  const extra = (k: string) =>
    results.map((x) => x[k] as number).filter((v) => typeof v === "number");
  const command = `\`npx demure ${base.map((a) => a.replace(shared, "../shared/data").replace(root, ".")).join(" ")} --seed S\``;
  lines.push(
    `| ${row.group} | ${row.label} | ${meanStd(metric("hr@10"))} | ${meanStd(metric("ndcg@10"))} | ${meanStd(metric("mrr@10"))} | ${meanStd(extra("poi_auc"))} | ${meanStd(extra("coherence_poi_auc"))} | ${command} |`,
  );
}
const table = [
  `Seeds: ${seeds.join(", ")}. Generated by \`node dist/bench/experiments.js\`.`,
  "",
  ...lines,
].join("\n");
if (dryRun) {
  console.log(table);
} else {
  const page = join(root, "docs/results.md");
  const text = existsSync(page) ? readFileSync(page, "utf8") : "# Results\n";
  const start = "<!-- grid:start -->";
  const end = "<!-- grid:end -->";
  const block = `${start}\n${table}\n${end}`;
  const next = text.includes(start)
    ? text.replace(new RegExp(`${start}[\\s\\S]*${end}`), block)
    : `${text}\n## Experiment grid\n\n${block}\n`;
  writeFileAtomic(page, next);
  console.log(JSON.stringify({ rows: rows.length, seeds, page }));
}
