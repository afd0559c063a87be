import sqlite, { type Statement } from "node-sqlite3-wasm";
import { UserError } from "../util/errors.js";
import type { Cell, ReadOptions, RowSource } from "./types.js";

/** A CommonJS package: its classes hang off the default export. */
const { Database } = sqlite;

const CHUNK = 2048;

function why(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** SQL text of a name, quoted so any table or column name is taken literally. */
function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Opens a SQLite table read-only and streams its rows in chunks. SQLite runs as
 * WebAssembly (node-sqlite3-wasm) reading the file through Node's fs, so nothing
 * is compiled at install time. Columns come from `PRAGMA table_info`, in table
 * order, and each row is read by name: a JS object would reorder numeric keys.
 */
export function openSqlite(o: ReadOptions, label: string): RowSource {
  let db: InstanceType<typeof Database>;
  try {
    db = new Database(o.file ?? "", { readOnly: true, fileMustExist: true });
  } catch (e) {
    throw new UserError(`cannot open as SQLite: ${why(e)}`, { file: label });
  }
  try {
    let tables: string[];
    try {
      tables = db
        .all("SELECT name FROM sqlite_master WHERE type IN ('table','view') ORDER BY name")
        .map((r) => String(r.name));
    } catch (e) {
      throw new UserError(`not a SQLite database (${why(e)})`, { file: label });
    }
    const list = tables.length === 0 ? "it has none" : `it has: ${tables.join(", ")}`;
    if (o.table === undefined)
      throw new UserError(
        `a SQLite file needs --table T to say which table holds the log; ${list}`,
        { file: label },
      );
    const table = o.table;
    if (!tables.includes(table))
      throw new UserError(`no table ${JSON.stringify(table)}; ${list}`, { file: label });
    const columns = db
      .all("SELECT name FROM pragma_table_info(?) ORDER BY cid", [table])
      .map((r) => String(r.name));
    const stmt: Statement = db.prepare(`SELECT * FROM ${quoted(table)}`);
    return {
      label,
      format: "sqlite",
      columns,
      async *chunks() {
        let chunk: Cell[][] = [];
        try {
          for (const row of stmt.iterate()) {
            const r = row as Record<string, unknown>;
            chunk.push(columns.map((c) => sqliteCell(r[c])));
            if (chunk.length >= CHUNK) {
              yield chunk;
              chunk = [];
            }
          }
        } catch (e) {
          if (e instanceof UserError) throw e;
          throw new UserError(`cannot read table ${JSON.stringify(table)}: ${why(e)}`, {
            file: label,
          });
        }
        if (chunk.length > 0) yield chunk;
      },
      close: () => {
        if (!stmt.isFinalized) stmt.finalize();
        db.close();
      },
    };
  } catch (e) {
    db.close();
    throw e;
  }
}

/** SQLite's values as cells; a BLOB becomes its hex text. */
function sqliteCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "number" || typeof v === "bigint") return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
  return String(v);
}
