/**
 * Serving a million items: exact top-k (one matrix product over the whole
 * catalogue, then the one-pass top-k of `recommendForHistory`) against the
 * approximate index of `demure index` (LanceDB IVF_PQ, inner product
 * answered as L2 on norm-augmented vectors, candidates re-scored exactly).
 *
 *   node dist/bench/ann.js [--items 1000000] [--dim 64] [--queries 1000]
 *        [--clusters 2000] [--partitions √N] [--iterations 20] [--sample-rate 64]
 *        [--probes 20,40,80] [--refine 10,40] [--seed 1]
 *
 * The catalogue is synthetic: a Gaussian mixture (`--clusters` centres
 * N(0, I/d), each item its centre plus N(0, 0.35² I/d) noise, scaled by a
 * per-item norm factor from U(0.6, 1.4) so that inner product and cosine
 * rank differently); queries are other draws of the same mixture (a user
 * state near some region of the catalogue). Prints one JSON object: the
 * build time and, per (nprobes, refine factor), recall@10 against the exact
 * top-k and the latency of one query (p50, p99) and queries per second
 * (one at a time, and 8 in flight for the index), beside the exact scan's.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as lancedb from "@lancedb/lancedb";
import { searchTable, TABLE, writeIndex } from "../src/ann/store.js";
import { engineInfo, matmul, noGrad, tensor } from "../src/engine/index.js";
import { topK } from "../src/train/run.js";
import { Rng } from "../src/util/rng.js";

const { values: flags } = parseArgs({
  options: {
    items: { type: "string", default: "1000000" },
    dim: { type: "string", default: "64" },
    queries: { type: "string", default: "1000" },
    clusters: { type: "string", default: "2000" },
    probes: { type: "string", default: "20,40,80" },
    refine: { type: "string", default: "10,40" },
    partitions: { type: "string" },
    iterations: { type: "string", default: "20" },
    "sample-rate": { type: "string", default: "64" },
    seed: { type: "string", default: "1" },
  },
  strict: true,
});
const N = Number(flags.items);
const D = Number(flags.dim);
const Q = Number(flags.queries);
const C = Number(flags.clusters);
const K = 10;
const rng = new Rng(Number(flags.seed));
const log = (m: string) => process.stderr.write(`ann bench: ${m}\n`);

function gauss(): number {
  const u = Math.max(rng.uniform(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.uniform());
}

/** One draw of the mixture into `out` at `o`. */
function draw(centres: Float32Array, out: Float32Array, o: number, noise: number): void {
  const c = Math.floor(rng.uniform() * C) * D;
  const s = 0.6 + 0.8 * rng.uniform();
  for (let x = 0; x < D; x++) out[o + x] = s * (centres[c + x]! + (noise * gauss()) / Math.sqrt(D));
}

const centres = new Float32Array(C * D);
for (let i = 0; i < centres.length; i++) centres[i] = gauss() / Math.sqrt(D);
// Row 0 is the padding item (scored, never ranked), as in a model's catalogue.
const catalogue = new Float32Array((N + 1) * D);
for (let i = 1; i <= N; i++) draw(centres, catalogue, i * D, 0.35);
const queries = new Float32Array(Q * D);
for (let q = 0; q < Q; q++) draw(centres, queries, q * D, 0.35);
const items = catalogue.subarray(D);
log(`catalogue ${N} × ${D}, ${C} clusters; ${Q} queries`);

const quantile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const round = (x: number, n = 3) => Number(x.toFixed(n));

// Exact: scores of every item (one product [1, D] × [N+1, D]ᵀ), then the one-pass top-k.
const V = tensor(catalogue, [N + 1, D]);
const exactTop: number[][] = [];
const exactMs: number[] = [];
const noSeen = new Set<number>();
let t0 = performance.now();
for (let q = 0; q < Q; q++) {
  const s = performance.now();
  const row = tensor(queries.slice(q * D, (q + 1) * D), [1, D]);
  const scores = noGrad(() => matmul(row, V, { transB: true }).data);
  exactTop.push(topK(scores, N, K, noSeen));
  exactMs.push(performance.now() - s);
}
const exactSeconds = (performance.now() - t0) / 1000;
log(`exact: ${exactSeconds.toFixed(1)} s for ${Q} queries`);

const dir = mkdtempSync(join(tmpdir(), "demure-ann-bench-"));
const partitions =
  flags.partitions === undefined ? Math.round(Math.sqrt(N)) : Number(flags.partitions);
t0 = performance.now();
const meta = await writeIndex(
  join(dir, "index"),
  items,
  D,
  {
    flat: false,
    partitions,
    maxIterations: Number(flags.iterations),
    sampleRate: Number(flags["sample-rate"]),
  },
  {
    fingerprint: { params_sha256: "synthetic", snapshot_sha256: null },
    model: "synthetic",
    variant: "synthetic",
    interests: 1,
  },
);
const buildSeconds = (performance.now() - t0) / 1000;
log(
  `index built in ${buildSeconds.toFixed(1)} s (${meta.partitions} partitions, ${meta.sub_vectors} sub-vectors)`,
);
const db = await lancedb.connect(join(dir, "index"));
const table = await db.openTable(TABLE);

/** The index's top-k of query q: candidates re-scored exactly, as serving does. */
async function annTop(q: number, settings: Parameters<typeof searchTable>[1]): Promise<number[]> {
  const query = queries.subarray(q * D, (q + 1) * D);
  const found = await searchTable(table, settings, query, K);
  const score = (i: number) => {
    let s = 0;
    for (let x = 0; x < D; x++) s += query[x]! * catalogue[i * D + x]!;
    return s;
  };
  return found
    .map((i) => ({ i, s: score(i) }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((r) => r.i);
}

const settings: Record<string, unknown>[] = [];
for (const nprobes of flags.probes.split(",").map(Number)) {
  for (const refine of flags.refine.split(",").map(Number)) {
    const s = { nprobes, refine_factor: refine, index_dim: meta.index_dim };
    await annTop(0, s); // warm the caches
    const ms: number[] = [];
    let hit = 0;
    t0 = performance.now();
    for (let q = 0; q < Q; q++) {
      const start = performance.now();
      const top = await annTop(q, s);
      ms.push(performance.now() - start);
      const truth = new Set(exactTop[q]);
      hit += top.filter((i) => truth.has(i)).length;
    }
    const serial = Q / ((performance.now() - t0) / 1000);
    // 8 queries in flight: what a server's concurrent requests get from the index's own threads.
    t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < Q) await annTop(next++, s);
      }),
    );
    const concurrent = Q / ((performance.now() - t0) / 1000);
    const row = {
      nprobes,
      refine_factor: refine,
      recall_at_10: round(hit / (Q * K), 4),
      p50_ms: round(quantile(ms, 0.5)),
      p99_ms: round(quantile(ms, 0.99)),
      qps_serial: round(serial, 1),
      qps_8_in_flight: round(concurrent, 1),
    };
    log(JSON.stringify(row));
    settings.push(row);
  }
}
table.close();
db.close();
rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    items: N,
    dim: D,
    queries: Q,
    k: K,
    catalogue: `Gaussian mixture: ${C} centres N(0, I/d), items = centre + N(0, 0.35² I/d), times U(0.6, 1.4)`,
    engine: engineInfo(),
    exact: {
      method: "one matmul [1, d] × [N+1, d]ᵀ per query, then one-pass top-k",
      p50_ms: round(quantile(exactMs, 0.5)),
      p99_ms: round(quantile(exactMs, 0.99)),
      qps_serial: round(Q / exactSeconds, 1),
    },
    index: {
      kind: meta.kind,
      partitions: meta.partitions,
      sub_vectors: meta.sub_vectors,
      index_dim: meta.index_dim,
      max_iterations: Number(flags.iterations),
      sample_rate: Number(flags["sample-rate"]),
      build_seconds: round(buildSeconds, 1),
    },
    ann: settings,
  }),
);
