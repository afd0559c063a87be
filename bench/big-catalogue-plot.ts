/**
 * The curves of `big-catalogue.js` as an SVG line plot: validation NDCG@10
 * against training seconds, one line per loss.
 *
 *   node dist/bench/big-catalogue-plot.js bench/results/big-catalogue.json docs/big-catalogue.svg
 */
import { readFileSync, writeFileSync } from "node:fs";

interface Point {
  train_s: number;
  steps: number;
  ndcg10: number;
}
interface RunSummary {
  loss: string;
  negatives?: number;
  ms_per_step: number;
  curve: Point[];
}
interface Result {
  data: string;
  runs: RunSummary[];
}

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  console.error("usage: node dist/bench/big-catalogue-plot.js RESULT.json OUT.svg");
  process.exit(2);
}
const lines = readFileSync(input, "utf8").trim().split("\n");
const result = JSON.parse(lines.at(-1)!) as Result;

const W = 640;
const H = 400;
const left = 64;
const right = 170;
const top = 36;
const bottom = 52;
const xMax = Math.max(...result.runs.flatMap((r) => r.curve.map((p) => p.train_s)));
const yTop = Math.max(...result.runs.flatMap((r) => r.curve.map((p) => p.ndcg10)));
// A round upper bound for the y axis, and 5 ticks under it.
const yStep = niceStep(yTop / 5);
const yMax = Math.max(yStep, Math.ceil(yTop / yStep) * yStep);
const xStep = niceStep(xMax / 6);
const x = (s: number) => Math.round((left + (s / xMax) * (W - left - right)) * 10) / 10;
const y = (v: number) => Math.round((H - bottom - (v / yMax) * (H - top - bottom)) * 10) / 10;
const colours = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd"];

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * p) return m * p;
  return 10 * p;
}
const fmt = (v: number) => String(Math.round(v * 1e6) / 1e6);

const parts: string[] = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  `<rect width="${W}" height="${H}" fill="white"/>`,
  `<text x="${left}" y="20" font-size="14">SASRec ID on ${result.data}: validation NDCG@10 against training time</text>`,
];
for (let v = 0; v <= yMax + 1e-12; v += yStep) {
  parts.push(
    `<line x1="${left}" y1="${y(v)}" x2="${W - right}" y2="${y(v)}" stroke="#ddd"/>`,
    `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`,
  );
}
for (let s = 0; s <= xMax + 1e-9; s += xStep) {
  parts.push(
    `<line x1="${x(s)}" y1="${H - bottom}" x2="${x(s)}" y2="${H - bottom + 4}" stroke="black"/>`,
    `<text x="${x(s)}" y="${H - bottom + 18}" text-anchor="middle">${fmt(s)}</text>`,
  );
}
parts.push(
  `<line x1="${left}" y1="${H - bottom}" x2="${W - right}" y2="${H - bottom}" stroke="black"/>`,
  `<line x1="${left}" y1="${top}" x2="${left}" y2="${H - bottom}" stroke="black"/>`,
  `<text x="${(left + W - right) / 2}" y="${H - 12}" text-anchor="middle">training seconds (evaluation excluded)</text>`,
  `<text x="16" y="${(top + H - bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(top + H - bottom) / 2})">NDCG@10</text>`,
);
result.runs.forEach((run, k) => {
  const c = colours[k % colours.length]!;
  const pts = run.curve.map((p) => `${x(p.train_s).toFixed(1)},${y(p.ndcg10).toFixed(1)}`);
  parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.join(" ")}"/>`);
  for (const p of run.curve)
    parts.push(
      `<circle cx="${x(p.train_s).toFixed(1)}" cy="${y(p.ndcg10).toFixed(1)}" r="3" fill="${c}"/>`,
    );
  const label =
    run.loss === "sampled"
      ? `sampled (${run.negatives ?? "?"} neg.)`
      : run.loss === "ce"
        ? "full softmax"
        : run.loss;
  const ly = top + 16 + k * 36;
  parts.push(
    `<line x1="${W - right + 14}" y1="${ly}" x2="${W - right + 36}" y2="${ly}" stroke="${c}" stroke-width="2"/>`,
    `<text x="${W - right + 42}" y="${ly + 4}">${label}</text>`,
    `<text x="${W - right + 42}" y="${ly + 18}" fill="#555">${run.ms_per_step} ms/step</text>`,
  );
});
parts.push("</svg>");
writeFileSync(output, `${parts.join("\n")}\n`);
console.log(JSON.stringify({ wrote: output, runs: result.runs.length }));
