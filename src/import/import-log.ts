import { existsSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { UserError } from "../util/errors.js";
import { dedup, kcore, type Log, minRating, sortRows } from "./filters.js";
import { inferType, renderCell } from "./schema.js";
import { openSource } from "./source.js";
import type { Cell, ImportOptions, ItemType, RowSource } from "./types.js";
import { canonicalNumber, idText, requiredNumber } from "./values.js";
import { checkOutDir, prepareOutDir, StagedFile, syncDir } from "./write.js";

/** One field of the written files: where it came from and its type. */
export interface SchemaField {
  field: string;
  from: string;
  type: ItemType;
  inferred: boolean;
}

/** What `demure import` reports (the `--json` object). */
export interface ImportResult {
  out: string;
  name: string;
  format: string;
  rows_read: number;
  interactions: number;
  users: number;
  items: number;
  dropped: { min_rating: number; duplicates: number; kcore: number };
  schema: { inter: SchemaField[]; item: SchemaField[] };
  notes: string[];
  files: string[];
}

function columnIndex(src: RowSource, col: string, flag: string): number {
  const i = src.columns.indexOf(col);
  if (i < 0)
    throw new UserError(
      `${flag}: no column ${JSON.stringify(col)}; the columns are: ${src.columns.join(", ")}`,
      { file: src.label },
    );
  return i;
}

/** A stable key for an item-side tuple, so equal tuples share one entry. */
function tupleKey(cells: Cell[]): string {
  return JSON.stringify(cells, (_k, v) =>
    typeof v === "bigint" ? `${v}n` : v instanceof Date ? `@${v.toISOString()}` : v,
  );
}

/** Reads the log, filters, sorts, and writes NAME.inter (and NAME.item) into `out`. */
export async function importLog(o: ImportOptions): Promise<ImportResult> {
  if (o.minRating !== undefined && o.rating === undefined)
    throw new UserError("--min-rating needs --rating COL (the column to filter on)");
  const seen = new Set<string>(["item_id"]);
  for (const c of o.itemColumns) {
    if (seen.has(c.name))
      throw new UserError(
        `--item-col: ${JSON.stringify(c.name)} is given twice or clashes with item_id`,
      );
    if (/[\s:]/.test(c.name))
      throw new UserError(
        `--item-col: the name ${JSON.stringify(c.name)} holds a space or ':' (not allowed in atomic headers)`,
      );
    seen.add(c.name);
  }
  checkOutDir(o.out);
  const name = o.name ?? basename(resolve(o.out));
  const src = await openSource({ ...o, textColumns: [o.user, o.item] });
  const log: Log = { users: [], items: [], times: [], ratings: [], rows: [], sides: [] };
  const tuples: Cell[][] = [];
  let rowsRead = 0;
  try {
    const ui = columnIndex(src, o.user, "--user");
    const ii = columnIndex(src, o.item, "--item");
    const ti = o.time === undefined ? -1 : columnIndex(src, o.time, "--time");
    const ri = o.rating === undefined ? -1 : columnIndex(src, o.rating, "--rating");
    const side = o.itemColumns.map((c) => columnIndex(src, c.name, "--item-col"));
    const interned = new Map<string, number>();
    for await (const chunk of src.chunks()) {
      for (const r of chunk) {
        const row = ++rowsRead;
        log.users.push(idText(r[ui] ?? null, src.label, row, o.user, "user"));
        log.items.push(idText(r[ii] ?? null, src.label, row, o.item, "item"));
        log.times.push(
          ti < 0
            ? Number.NaN
            : requiredNumber(r[ti] ?? null, src.label, row, o.time as string, "timestamp"),
        );
        log.ratings.push(
          ri < 0
            ? Number.NaN
            : requiredNumber(r[ri] ?? null, src.label, row, o.rating as string, "rating"),
        );
        log.rows.push(row);
        if (side.length === 0) log.sides.push(-1);
        else {
          const cells = side.map((k) => r[k] ?? null);
          const key = tupleKey(cells);
          let id = interned.get(key);
          if (id === undefined) {
            id = tuples.length;
            tuples.push(cells);
            interned.set(key, id);
          }
          log.sides.push(id);
        }
      }
    }
  } finally {
    src.close();
  }
  if (rowsRead === 0)
    throw new UserError("no data rows (only a header, or nothing)", { file: src.label });

  let keep = log.rows.map((_r, i) => i);
  const n0 = keep.length;
  if (o.minRating !== undefined) keep = minRating(log, keep, o.minRating);
  const n1 = keep.length;
  keep = dedup(log, keep, o.dedup);
  const n2 = keep.length;
  keep = kcore(log, keep, o.kcore);
  if (keep.length === 0)
    throw new UserError(
      `no interactions left after the filters (--min-rating, --dedup, --kcore ${o.kcore})`,
      {
        file: src.label,
      },
    );
  const order = sortRows(log, keep);
  return write(o, name, src, log, order, tuples, {
    rows_read: rowsRead,
    dropped: { min_rating: n0 - n1, duplicates: n1 - n2, kcore: n2 - keep.length },
  });
}

function write(
  o: ImportOptions,
  name: string,
  src: RowSource,
  log: Log,
  order: number[],
  tuples: Cell[][],
  counts: Pick<ImportResult, "rows_read" | "dropped">,
): ImportResult {
  const inter: SchemaField[] = [
    { field: "user_id", from: o.user, type: "token", inferred: false },
    { field: "item_id", from: o.item, type: "token", inferred: false },
  ];
  if (o.rating !== undefined)
    inter.push({ field: "rating", from: o.rating, type: "float", inferred: false });
  if (o.time !== undefined)
    inter.push({ field: "timestamp", from: o.time, type: "float", inferred: false });
  const notes: string[] = [];
  // Each item's side values: those of its first row in output order.
  const firstRow = new Map<string, number>();
  const variants = new Map<string, Set<number>>();
  for (const i of order) {
    const item = log.items[i] as string;
    if (!firstRow.has(item)) firstRow.set(item, i);
    if (o.itemColumns.length > 0) {
      const s = variants.get(item) ?? new Set<number>();
      s.add(log.sides[i] as number);
      variants.set(item, s);
    }
  }
  let conflicting = 0;
  for (const s of variants.values()) if (s.size > 1) conflicting++;
  if (conflicting > 0)
    notes.push(
      `${conflicting} items have different item-column values in different rows; each keeps its first row's (in output order)`,
    );
  const itemSchema: SchemaField[] = o.itemColumns.map((c, k) => ({
    field: c.name,
    from: c.name,
    type:
      c.type ??
      inferType(
        [...firstRow.values()].map((i) => (tuples[log.sides[i] as number] as Cell[])[k] ?? null),
        o.seqSep,
      ),
    inferred: c.type === undefined,
  }));
  const label = (f: SchemaField) => `${f.field}:${f.type}`;
  const files: StagedFile[] = [];
  prepareOutDir(o.out);
  try {
    const interFile = new StagedFile(join(o.out, `${name}.inter`));
    files.push(interFile);
    interFile.line(inter.map(label).join("\t"));
    const users = new Set<string>();
    for (const i of order) {
      users.add(log.users[i] as string);
      const f = [log.users[i] as string, log.items[i] as string];
      if (o.rating !== undefined) f.push(canonicalNumber(log.ratings[i] as number));
      if (o.time !== undefined) f.push(canonicalNumber(log.times[i] as number));
      interFile.line(f.join("\t"));
    }
    interFile.finish();
    let cleaned = 0;
    if (itemSchema.length > 0) {
      const itemFile = new StagedFile(join(o.out, `${name}.item`));
      files.push(itemFile);
      itemFile.line(
        [{ field: "item_id", type: "token" as const }, ...itemSchema]
          .map((f) => `${f.field}:${f.type}`)
          .join("\t"),
      );
      for (const [item, i] of firstRow) {
        const cells = tuples[log.sides[i] as number] as Cell[];
        const f = [item];
        itemSchema.forEach((s, k) => {
          const r = renderCell(cells[k] ?? null, s.type, o.seqSep, {
            label: src.label,
            row: log.rows[i] as number,
            column: s.from,
          });
          if (r.cleaned) cleaned++;
          f.push(r.text);
        });
        itemFile.line(f.join("\t"));
      }
      itemFile.finish();
    } else if (existsSync(join(o.out, `${name}.item`))) {
      notes.push(
        `${join(o.out, `${name}.item`)} is from before and was left as it is (no --item-col given)`,
      );
    }
    if (cleaned > 0)
      notes.push(
        `${cleaned} item values had tabs or line breaks (now spaces) or spaces inside a token_seq token (now _)`,
      );
    for (const f of files) f.commit();
    syncDir(o.out);
    return {
      out: o.out,
      name,
      format: src.format,
      ...counts,
      interactions: order.length,
      users: users.size,
      items: firstRow.size,
      schema: { inter, item: itemSchema },
      notes,
      files: files.map((f) => f.path),
    };
  } catch (e) {
    for (const f of files) f.discard();
    throw e;
  }
}
