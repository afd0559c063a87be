import Database from "better-sqlite3";
import { UserError } from "../util/errors.js";
import type { Cell, ReadOptions, RowSource } from "./types.js";

const CHUNK = 2048;

function why(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Opens a SQLite table read-only and streams its rows with `.iterate()`, in chunks. */
export function openSqlite(o: ReadOptions, label: string): RowSource {
  let db: Database;
  try {
    db = new Database(o.file ?? "", { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new UserError(`cannot open as SQLite: ${why(e)}`, { file: label });
  }
  try {
    let tables: string[];
    try {
      tables = (
        db
          .prepare("SELECT name FROM sqlite_master WHERE type IN ('table','view') ORDER BY name")
          .raw()
          .all() as string[][]
      ).map((r) => String(r[0]));
    } catch (e) {
      throw new UserError(`not a SQLite database (${why(e)})`, { file: label });
    }
    const list = tables.length === 0 ? "it has none" : `it has: ${tables.join(", ")}`;
    if (o.table === undefined)
      throw new UserError(
        `a SQLite file needs --table T to say which table holds the log; ${list}`,
        {
          file: label,
        },
      );
    if (!tables.includes(o.table))
      throw new UserError(`no table ${JSON.stringify(o.table)}; ${list}`, { file: label });
    const stmt = db
      .prepare(`SELECT * FROM "${o.table.replaceAll('"', '""')}"`)
      .raw(true)
      .safeIntegers(true);
    const columns = stmt.columns().map((c) => c.name);
    return {
      label,
      format: "sqlite",
      columns,
      async *chunks() {
        let chunk: Cell[][] = [];
        try {
          for (const row of stmt.iterate()) {
            chunk.push((row as unknown[]).map(sqliteCell));
            if (chunk.length >= CHUNK) {
              yield chunk;
              chunk = [];
            }
          }
        } catch (e) {
          if (e instanceof UserError) throw e;
          throw new UserError(`cannot read table ${JSON.stringify(o.table)}: ${why(e)}`, {
            file: label,
          });
        }
        if (chunk.length > 0) yield chunk;
      },
      close: () => db.close(),
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
  if (Buffer.isBuffer(v)) return v.toString("hex");
  return String(v);
}
