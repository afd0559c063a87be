import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import type { Table } from "apache-arrow";
import type { LoadedRun } from "../train/run.js";
import { RUN_FILES, runPath } from "../train/run-dir.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { UserError } from "../util/errors.js";
import { type ScoringFactors, scoringFactors } from "./factors.js";

/** The folder of a run that holds its index. */
export const INDEX_DIR = "index";
export const TABLE = "items";
const META = "meta.json";

// The CommonJS build of apache-arrow, the one LanceDB itself requires: its
// `instanceof Table` checks fail on the ES module build's classes.
const arrow = createRequire(import.meta.url)("apache-arrow") as typeof import("apache-arrow");

/** Catalogues smaller than this get a flat table (exact scan): IVF would not pay. */
export const FLAT_BELOW = 4096;

export interface IndexOptions {
  metric?: "dot";
  /** IVF partitions (default √N, at most 256). */
  partitions?: number;
  /** PQ sub-vectors (default ⌈(dim + 1) / 4⌉; the stored vectors are padded to a multiple of it). */
  subVectors?: number;
  /** Partitions probed per query (default: search-time default stored in meta). */
  nprobes?: number;
  /** PQ candidates re-ranked on the full vectors: limit × refineFactor (default 10). */
  refineFactor?: number;
  /** k-means iterations of the IVF and PQ training (LanceDB's default 50). */
  maxIterations?: number;
  /** Training rows per partition sampled for k-means (LanceDB's default 256). */
  sampleRate?: number;
  /** true: a flat table (exact scan); false: IVF_PQ; default: flat below FLAT_BELOW items unless partitions or sub-vectors are given. */
  flat?: boolean;
}

/** RUN/index/meta.json. */
export interface IndexMeta {
  format: 1;
  kind: "ivf_pq" | "flat";
  metric: "dot";
  items: number;
  dim: number;
  /**
   * IVF_PQ: the stored vectors are [x, √(R² − |x|²), 0…] of `index_dim`
   * values (R = `norm_bound`, the largest item norm) and queries [q, 0, 0…],
   * so that the L2 nearest are the largest inner products (null for flat).
   */
  index_dim: number | null;
  norm_bound: number | null;
  interests: number;
  partitions: number | null;
  sub_vectors: number | null;
  nprobes: number | null;
  refine_factor: number | null;
  /** SHA-256 of best.params and of data.snapshot (null for runs without one) at build time. */
  fingerprint: { params_sha256: string; snapshot_sha256: string | null };
  model: string;
  variant: string;
  build_seconds: number;
}

function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** What the index's vectors depend on: the run's best parameters and its data snapshot. */
export function runFingerprint(dir: string): IndexMeta["fingerprint"] {
  const snap = runPath(dir, "data");
  return {
    params_sha256: sha256File(runPath(dir, "best")),
    snapshot_sha256: existsSync(snap) ? sha256File(snap) : null,
  };
}

/**
 * An Arrow table {item: int32, vector: fixed_size_list<float32>[width]} of
 * items first..first+count−1 (rows of `dim` values in `vectors`); with a
 * `bound`, each row is stored as [x, √(bound² − |x|²), 0…] (see IndexMeta).
 */
export function itemTable(
  vectors: Float32Array,
  dim: number,
  first: number,
  count: number,
  width = dim,
  bound: number | null = null,
): Table {
  const ids = Int32Array.from({ length: count }, (_, i) => first + i);
  let values = vectors.subarray((first - 1) * dim, (first - 1 + count) * dim);
  if (bound !== null) {
    const wide = new Float32Array(count * width);
    for (let r = 0; r < count; r++) {
      let n2 = 0;
      for (let x = 0; x < dim; x++) {
        const v = values[r * dim + x]!;
        wide[r * width + x] = v;
        n2 += v * v;
      }
      wide[r * width + dim] = Math.sqrt(Math.max(0, bound * bound - n2));
    }
    values = wide;
  }
  const listType = new arrow.FixedSizeList(
    width,
    new arrow.Field("item", new arrow.Float32(), true),
  );
  const schema = new arrow.Schema([
    new arrow.Field("item", new arrow.Int32(), false),
    new arrow.Field("vector", listType, false),
  ]);
  const child = arrow.makeData({ type: new arrow.Float32(), length: values.length, data: values });
  const struct = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: count,
    nullCount: 0,
    children: [
      arrow.makeData({ type: new arrow.Int32(), length: count, data: ids }),
      arrow.makeData({ type: listType, length: count, nullCount: 0, child }),
    ],
  });
  return new arrow.Table([new arrow.RecordBatch(schema, struct)]);
}

/** The largest row norm of `vectors` (rows of `dim`). */
function maxNorm(vectors: Float32Array, dim: number): number {
  let best = 0;
  for (let o = 0; o < vectors.length; o += dim) {
    let n2 = 0;
    for (let x = 0; x < dim; x++) n2 += vectors[o + x]! * vectors[o + x]!;
    if (n2 > best) best = n2;
  }
  return Math.sqrt(best);
}

export interface BuiltIndex {
  meta: IndexMeta;
  path: string;
}

/**
 * Write an index of `vectors` (numItems × dim, row i − 1 = item i) into the
 * folder `target`: built in a temporary sibling folder, then renamed into
 * place (an old index is moved aside first and removed after), so a reader
 * sees the old index or the new one, never half of one.
 */
export async function writeIndex(
  target: string,
  vectors: Float32Array,
  dim: number,
  opts: IndexOptions,
  about: Pick<IndexMeta, "fingerprint" | "model" | "variant" | "interests">,
): Promise<IndexMeta> {
  const numItems = vectors.length / dim;
  const metric = opts.metric ?? "dot";
  if (metric !== "dot")
    throw new UserError(`--metric: only dot is supported (the scorer is an inner product)`);
  // Asked-for IVF settings mean IVF, whatever the size.
  const flat =
    opts.flat ??
    (numItems < FLAT_BELOW && opts.partitions === undefined && opts.subVectors === undefined);
  // Defaults as measured at a million items (docs/results.md): 256 partitions,
  // 40 probed (5/32 of them), refine factor 10 gave recall@10 0.953.
  const partitions = opts.partitions ?? Math.min(256, Math.max(1, Math.round(Math.sqrt(numItems))));
  const subVectors = opts.subVectors ?? Math.ceil((dim + 1) / 4);
  if (!flat && partitions > numItems)
    throw new UserError(`--partitions: ${partitions} is more than the ${numItems} items`);
  // IVF_PQ stores [x, √(R² − |x|²)] padded to a multiple of the sub-vectors; flat stores x.
  const width = flat ? dim : Math.ceil((dim + 1) / subVectors) * subVectors;
  const bound = flat ? null : maxNorm(vectors, dim) * (1 + 1e-6);
  const started = performance.now();
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    const db = await lancedb.connect(tmp);
    const chunk = 262_144;
    const rows = (first: number) =>
      itemTable(vectors, dim, first, Math.min(chunk, numItems - first + 1), width, bound);
    const table = await db.createTable(TABLE, rows(1));
    for (let first = 1 + chunk; first <= numItems; first += chunk) await table.add(rows(first));
    if (!flat) {
      await table.createIndex("vector", {
        config: lancedb.Index.ivfPq({
          distanceType: "l2",
          numPartitions: partitions,
          numSubVectors: subVectors,
          ...(opts.maxIterations === undefined ? {} : { maxIterations: opts.maxIterations }),
          ...(opts.sampleRate === undefined ? {} : { sampleRate: opts.sampleRate }),
        }),
      });
    }
    table.close();
    db.close();
    const meta: IndexMeta = {
      format: 1,
      kind: flat ? "flat" : "ivf_pq",
      metric: "dot",
      items: numItems,
      dim,
      index_dim: flat ? null : width,
      norm_bound: bound,
      interests: about.interests,
      partitions: flat ? null : partitions,
      sub_vectors: flat ? null : subVectors,
      nprobes: flat ? null : (opts.nprobes ?? Math.max(1, Math.ceil((partitions * 5) / 32))),
      refine_factor: flat ? null : (opts.refineFactor ?? 10),
      fingerprint: about.fingerprint,
      model: about.model,
      variant: about.variant,
      build_seconds: (performance.now() - started) / 1000,
    };
    writeFileAtomic(join(tmp, META), `${JSON.stringify(meta, null, 2)}\n`);
    const old = `${target}.old-${process.pid}-${Date.now()}`;
    if (existsSync(target)) renameSync(target, old);
    renameSync(tmp, target);
    rmSync(old, { recursive: true, force: true });
    return meta;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** `demure index`: the item side of a trained run, indexed into RUN/index/. */
export async function buildRunIndex(run: LoadedRun, opts: IndexOptions = {}): Promise<BuiltIndex> {
  const f = scoringFactors(run.model, run.config.maxLength);
  const path = join(run.dir, INDEX_DIR);
  const meta = await writeIndex(path, f.items, f.dim, opts, {
    fingerprint: runFingerprint(run.dir),
    model: run.config.model,
    variant: run.config.variant,
    interests: f.interests,
  });
  return { meta, path };
}

/** A run's index, opened read-only, with the model's factors to re-score its candidates. */
export class AnnIndex {
  private constructor(
    readonly meta: IndexMeta,
    readonly factors: ScoringFactors,
    private readonly table: lancedb.Table,
  ) {}

  /**
   * Open RUN/index/ (null when there is none). A stale index (the run's
   * parameters or data changed since it was built) or one that does not
   * match the model is refused with a UserError that says what to do.
   */
  static async open(run: LoadedRun): Promise<AnnIndex | null> {
    const dir = join(run.dir, INDEX_DIR);
    const metaPath = join(dir, META);
    if (!existsSync(dir)) return null;
    if (!existsSync(metaPath) || !statSync(metaPath).isFile())
      throw new UserError(
        `index folder has no ${META}: rebuild it with \`demure index --run ${run.dir}\``,
        {
          file: dir,
        },
      );
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as IndexMeta;
    const now = runFingerprint(run.dir);
    if (
      meta.fingerprint?.params_sha256 !== now.params_sha256 ||
      meta.fingerprint?.snapshot_sha256 !== now.snapshot_sha256
    ) {
      throw new UserError(
        `stale index: it was built from other parameters or data than the run's ${RUN_FILES.best} now (the run was retrained since); ` +
          `rebuild it with \`demure index --run ${run.dir}\`, or go without it (\`serve --exact\`, \`recommend\` without \`--ann\`)`,
        { file: metaPath },
      );
    }
    const factors = scoringFactors(run.model, run.config.maxLength);
    if (meta.items !== factors.numItems || meta.dim !== factors.dim)
      throw new UserError(
        `index holds ${meta.items} × ${meta.dim} vectors, the model scores ${factors.numItems} × ${factors.dim}: rebuild it with \`demure index --run ${run.dir}\``,
        { file: metaPath },
      );
    const db = await lancedb.connect(dir);
    return new AnnIndex(meta, factors, await db.openTable(TABLE));
  }

  /** The `limit` items (1..numItems) of largest approximate inner product with `query`. */
  async search(query: Float32Array, limit: number): Promise<number[]> {
    return searchTable(this.table, this.meta, query, limit);
  }
}

/** The `limit` items of largest inner product with one query, with the meta's search settings. */
export async function searchTable(
  table: lancedb.Table,
  meta: Pick<IndexMeta, "nprobes" | "refine_factor" | "index_dim">,
  query: Float32Array,
  limit: number,
): Promise<number[]> {
  let q: lancedb.VectorQuery;
  if (meta.index_dim === null) {
    q = table.vectorSearch(query).distanceType("dot");
  } else {
    const wide = new Float32Array(meta.index_dim);
    wide.set(query);
    q = table.vectorSearch(wide).distanceType("l2");
  }
  q = q.limit(limit).select(["item", "_distance"]);
  if (meta.nprobes !== null) q = q.nprobes(meta.nprobes);
  if (meta.refine_factor !== null) q = q.refineFactor(meta.refine_factor);
  const rows = (await q.toArray()) as { item: number }[];
  return rows.map((r) => r.item);
}
