import { type DuckDBConnection, DuckDBInstance, type DuckDBResult } from "@duckdb/node-api";
import { UserError } from "../util/errors.js";
import { diagnoseCsv } from "./csv-diagnose.js";
import type { Cell, Format, ReadOptions, RowSource } from "./types.js";

/** A SQL string literal. */
function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** The table expression DuckDB reads the input through. */
export function tableExpression(o: ReadOptions, format: Format, textColumns: string[]): string {
  const path = lit(o.file ?? "");
  if (format === "parquet") return `read_parquet(${path})`;
  if (format === "jsonl") return `read_json(${path}, format='newline_delimited')`;
  const args = [path, `delim=${lit(o.delimiter ?? (format === "tsv" ? "\t" : ","))}`];
  args.push(`header=${o.header === false ? "false" : "true"}`, "strict_mode=true");
  args.push(`quote=${lit(o.quote ?? '"')}`);
  if (o.columns !== undefined) args.push(`names=[${o.columns.map(lit).join(", ")}]`);
  if (textColumns.length > 0)
    args.push(`types={${textColumns.map((c) => `${lit(c)}: 'VARCHAR'`).join(", ")}}`);
  return `read_csv(${args.join(", ")})`;
}

/** DuckDB's message, first line, without its SQL echo. */
function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return (m.split("\n")[0] ?? m).trim();
}

/** DuckDB's error in our words, with the row when DuckDB gives one. */
async function translate(e: unknown, label: string, format: Format | "query", o: ReadOptions) {
  const full = e instanceof Error ? e.message : String(e);
  const msg = firstLine(e);
  const line = /CSV Error on Line: (\d+)/.exec(full) ?? /in line (\d+)/.exec(full);
  if (format === "parquet" && /magic bytes|too small to be a Parquet|not a parquet/i.test(full))
    return new UserError("not a Parquet file (no Parquet magic bytes)", { file: label });
  if (
    (format === "csv" || format === "tsv") &&
    /sniffing file|not possible to automatically/.test(full)
  ) {
    const found = await diagnoseCsv(o, format);
    return new UserError(found ?? "could not parse the file as delimited text", { file: label });
  }
  if (/Malformed JSON/.test(full) && line)
    return new UserError(`line ${line[1]}: malformed JSON (not one JSON object per line)`, {
      file: label,
    });
  const conv = /Error when converting column "([^"]*)"\. (Could not convert [^\n]*)/.exec(full);
  if (conv && line) {
    const row = Number(line[1]) - (o.header === false ? 0 : 1);
    return new UserError(`row ${row}, column ${JSON.stringify(conv[1])}: ${conv[2]}`, {
      file: label,
    });
  }
  if (line) return new UserError(`line ${line[1]}: ${msg}`, { file: label });
  if (format === "query") return new UserError(`the query failed: ${msg}`, { file: label });
  return new UserError(`cannot read as ${format}: ${msg}`, { file: label });
}

/** Opens the input through DuckDB and streams its rows in chunks (never the whole table at once). */
export async function openDuckDb(
  o: ReadOptions,
  format: Format | "query",
  label: string,
): Promise<RowSource> {
  const db = await DuckDBInstance.create(":memory:", { threads: "2" });
  const con: DuckDBConnection = await db.connect();
  const close = () => {
    con.closeSync();
    db.closeSync();
  };
  let sql = "";
  try {
    if (format === "query") sql = o.query ?? "";
    else {
      const probe = tableExpression(o, format, []);
      const described = await con.runAndReadAll(`DESCRIBE SELECT * FROM ${probe}`);
      const names = described.getRowsJS().map((r) => String(r[0]));
      const text = (o.textColumns ?? []).filter((c) => names.includes(c));
      sql = `SELECT * FROM ${format === "csv" || format === "tsv" ? tableExpression(o, format, text) : probe}`;
    }
    const result: DuckDBResult = await con.stream(sql);
    const columns = result.columnNames();
    // A JSON column (mixed value types in JSON lines) holds JSON text: parse it, so "5" is 5 again.
    const jsonCols = result
      .columnTypes()
      .map((t, i) => ((t as { alias?: string }).alias === "JSON" ? i : -1))
      .filter((i) => i >= 0);
    // A FLOAT (32-bit) value arrives as the double nearest it (0.1 as 0.10000000149011612):
    // print it as the shortest text that reads back as the same float32, as the file means it.
    const float32Cols = result
      .columnTypes()
      .map((t, i) => (/^FLOAT(\[\d*\])*$/.test(t.toString()) ? i : -1))
      .filter((i) => i >= 0);
    return {
      label,
      format,
      columns,
      async *chunks() {
        try {
          for await (const rows of result.yieldRowsJs()) {
            const cells = rows as Cell[][];
            for (const r of cells) {
              for (const i of jsonCols) r[i] = parseJson(r[i] ?? null);
              for (const i of float32Cols) r[i] = shortestFloat32(r[i] ?? null);
            }
            yield cells;
          }
        } catch (e) {
          throw await translate(e, label, format, o);
        }
      },
      close,
    };
  } catch (e) {
    close();
    throw await translate(e, label, format, o);
  }
}

/** A float32 cell (or list of them) as the shortest decimal that rounds back to it. */
export function shortestFloat32(c: Cell): Cell {
  if (Array.isArray(c)) return c.map(shortestFloat32);
  if (typeof c !== "number" || !Number.isFinite(c) || Math.fround(c) !== c) return c;
  for (let p = 1; p < 9; p++) {
    const v = Number(c.toPrecision(p));
    if (Math.fround(v) === c) return v;
  }
  return Number(c.toPrecision(9));
}

/** A JSON column's text as a cell (objects become their JSON text, a token). */
function parseJson(c: Cell): Cell {
  if (typeof c !== "string") return c;
  try {
    const v: unknown = JSON.parse(c);
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean")
      return v;
    if (Array.isArray(v))
      return v.map((x) => (typeof x === "object" && x !== null ? JSON.stringify(x) : x)) as Cell[];
    return JSON.stringify(v);
  } catch {
    return c;
  }
}
