import { UserError } from "../util/errors.js";
import type { AtomicTable, FloatSeqColumn } from "./atomic/types.js";
import {
  encodeDense,
  encodeFloatBuckets,
  encodeFloatNormalised,
  encodeToken,
  encodeTokenSeq,
} from "./encode.js";
import { type KnowledgeGraph, relationStats, selectRelations } from "./kg.js";
import type { Modality, ModalityOptions } from "./modality-types.js";

/** An atomic table whose rows are aligned to item indices through `rowOf`. */
export interface ItemAlignedTable {
  table: AtomicTable;
  /** Row of item index i in `table`, or -1 when the item has no row (index 0 unused). */
  rowOf: Int32Array;
}

/** A dense side file such as `NAME.textemb`: the modality is named by its suffix. */
export interface DenseSideFile extends ItemAlignedTable {
  suffix: string;
  column: FloatSeqColumn;
}

/** Everything modalities are built from. */
export interface ModalitySources {
  /** Dataset name (for `source` labels). */
  name: string;
  /** Item index 0 = padding, 1..numItems = real items. */
  itemIds: readonly string[];
  /** The `.item` file, if any. */
  items?: ItemAlignedTable;
  /** Dense side files, if any. */
  dense?: readonly DenseSideFile[];
  /** The knowledge graph, if any. */
  kg?: KnowledgeGraph;
}

/**
 * Builds the item modalities: every `.item` column except `item_id` (token →
 * token, token_seq → token_seq capped per item, float → quantile buckets or
 * normalised dense, float_seq → dense), every dense side file (named by its
 * suffix), then the selected KG relations (named by the relation's last
 * component, or the full id on a name clash). Modalities no item has are
 * dropped and reported in `notes`. `include`/`exclude` filter by name.
 */
export function buildModalities(
  src: ModalitySources,
  options: ModalityOptions = {},
  notes: string[] = [],
): Modality[] {
  const numItems = src.itemIds.length - 1;
  const cap = options.maxTokensPerItem ?? 32;
  if (!Number.isInteger(cap) || cap < 0) {
    throw new UserError(`expected maxTokensPerItem to be a non-negative integer, found ${cap}`);
  }
  const out: Modality[] = [];
  const taken = new Map<string, string>();
  const claim = (name: string, source: string) => {
    const prior = taken.get(name);
    if (prior !== undefined) {
      throw new UserError(`two modalities are named "${name}": ${prior} and ${source}`);
    }
    taken.set(name, source);
  };

  if (src.items !== undefined) {
    const { table, rowOf } = src.items;
    const file = fileLabel(table.file);
    for (const col of table.columns) {
      if (col.name === "item_id") continue;
      const source = `${file}:${col.name}`;
      claim(col.name, source);
      const row = (i: number) => rowOf[i] as number;
      switch (col.type) {
        case "token":
          out.push(encodeToken(col.name, source, numItems, (i) => at(col.values, row(i))));
          break;
        case "token_seq":
          out.push(encodeTokenSeq(col.name, source, numItems, (i) => at(col.values, row(i)), cap));
          break;
        case "float": {
          const valueAt = (i: number) => (row(i) < 0 ? Number.NaN : (col.values[row(i)] as number));
          const mode = options.floatModes?.[col.name] ?? options.floatMode ?? "bucket";
          out.push(
            mode === "normalised"
              ? encodeFloatNormalised(col.name, source, numItems, valueAt)
              : encodeFloatBuckets(col.name, source, numItems, valueAt, options.floatBuckets ?? 10),
          );
          break;
        }
        case "float_seq":
          out.push(denseFrom(col.name, source, numItems, col, rowOf));
          break;
      }
    }
  }

  for (const side of src.dense ?? []) {
    const source = `${fileLabel(side.table.file)}:${side.column.name}`;
    claim(side.suffix, source);
    out.push(denseFrom(side.suffix, source, numItems, side.column, side.rowOf));
  }

  if (src.kg !== undefined) {
    const kg = src.kg;
    const stats = relationStats(kg, src.itemIds);
    const sel = selectRelations(stats, {
      ...(options.kgRelations === undefined ? {} : { relations: options.kgRelations }),
      ...(options.kgMinCoverage === undefined ? {} : { minCoverage: options.kgMinCoverage }),
      ...(options.kgMaxRelations === undefined ? {} : { maxRelations: options.kgMaxRelations }),
    });
    for (const rel of sel) {
      const name = taken.has(rel.shortName) ? rel.relation : rel.shortName;
      const source = `${fileLabel(kg.kgFile)}:${rel.relation}`;
      claim(name, source);
      const byHead = kg.relations.get(rel.relation);
      out.push(
        encodeTokenSeq(
          name,
          source,
          numItems,
          (i) => {
            const e = kg.itemEntity.get(src.itemIds[i] as string);
            return e === undefined ? undefined : byHead?.get(e);
          },
          cap,
        ),
      );
    }
  }
  return filterModalities(out, options, numItems, notes);
}

function filterModalities(
  all: Modality[],
  options: ModalityOptions,
  numItems: number,
  notes: string[],
): Modality[] {
  const names = new Set(all.map((m) => m.name));
  for (const [key, list] of [
    ["include", options.include],
    ["exclude", options.exclude],
  ] as const) {
    for (const n of list ?? []) {
      if (!names.has(n)) {
        throw new UserError(
          `unknown modality "${n}" in ${key}; expected one of ${[...names].join(", ") || "(none)"} (KG relations not selected by default can be added with kgRelations)`,
        );
      }
    }
  }
  const kept: Modality[] = [];
  for (const m of all) {
    if (options.include !== undefined && !options.include.includes(m.name)) continue;
    if (options.exclude?.includes(m.name)) continue;
    if (numItems > 0 && m.missingCount >= numItems) {
      notes.push(`modality "${m.name}" (${m.source}) dropped: no item has a value`);
      continue;
    }
    kept.push(m);
  }
  return kept;
}

function denseFrom(
  name: string,
  source: string,
  numItems: number,
  col: FloatSeqColumn,
  rowOf: Int32Array,
): Modality {
  const dim = col.dim ?? 0;
  return encodeDense(name, source, numItems, dim, (i) => {
    const r = rowOf[i] as number;
    if (r < 0) return undefined;
    return col.values.subarray(col.offsets[r] as number, col.offsets[r + 1] as number);
  });
}

function at<T>(values: readonly T[], row: number): T | undefined {
  return row < 0 ? undefined : values[row];
}

function fileLabel(file: string): string {
  const slash = Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\"));
  return slash === -1 ? file : file.slice(slash + 1);
}

/** One row of {@link describeModalities}. */
export interface ModalitySummary {
  name: string;
  kind: Modality["kind"];
  /** Vocabulary size (token kinds) or vector width (dense). */
  size: number;
  /** `vocab N` or `dim N`. */
  sizeLabel: string;
  /** Fraction of real items that have a value. */
  coverage: number;
  missingCount: number;
  source: string;
}

/** A summary row per modality (name, kind, vocab/dim, coverage) for the CLI and docs. */
export function describeModalities(ds: {
  numItems: number;
  modalities: readonly Modality[];
}): ModalitySummary[] {
  return ds.modalities.map((m) => {
    const size = m.kind === "dense" ? m.dim : m.vocab;
    return {
      name: m.name,
      kind: m.kind,
      size,
      sizeLabel: `${m.kind === "dense" ? "dim" : "vocab"} ${size}`,
      coverage: ds.numItems > 0 ? (ds.numItems - m.missingCount) / ds.numItems : 0,
      missingCount: m.missingCount,
      source: m.source,
    };
  });
}

/** Renders {@link describeModalities} rows as an aligned plain-text table. */
export function formatModalityTable(rows: readonly ModalitySummary[]): string {
  const table = [
    ["modality", "kind", "size", "coverage", "source"],
    ...rows.map((r) => [
      r.name,
      r.kind,
      r.sizeLabel,
      `${(100 * r.coverage).toFixed(1)}%`,
      r.source,
    ]),
  ];
  const widths = table[0]!.map((_, c) =>
    Math.max(...table.map((row) => (row[c] as string).length)),
  );
  return table
    .map((row) =>
      row
        .map((cell, c) => cell.padEnd(widths[c] as number))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
