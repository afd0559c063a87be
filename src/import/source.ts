import { accessSync, constants, statSync } from "node:fs";
import { extname } from "node:path";
import { UserError } from "../util/errors.js";
import { openDuckDb } from "./duckdb-source.js";
import { openSqlite } from "./sqlite-source.js";
import { FORMATS, type Format, type ReadOptions, type RowSource } from "./types.js";

const BY_EXTENSION: Record<string, Format> = {
  ".csv": "csv",
  ".tsv": "tsv",
  ".tab": "tsv",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".json": "jsonl",
  ".parquet": "parquet",
  ".pq": "parquet",
  ".sqlite": "sqlite",
  ".sqlite3": "sqlite",
  ".db": "sqlite",
};

/** The input format: `--format`, else the file's extension. */
export function resolveFormat(file: string, given?: string): Format {
  if (given !== undefined) {
    if (!(FORMATS as readonly string[]).includes(given))
      throw new UserError(
        `--format: unknown format ${JSON.stringify(given)}; expected one of ${FORMATS.join(", ")}`,
      );
    return given as Format;
  }
  const ext = extname(file).toLowerCase();
  const f = BY_EXTENSION[ext];
  if (f === undefined)
    throw new UserError(
      `cannot tell the format from the extension ${JSON.stringify(ext)}; give --format ${FORMATS.join("|")}`,
      { file },
    );
  return f;
}

/** The input must be a readable, non-empty file (DuckDB would glob a folder and guess). */
function checkFile(file: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch {
    throw new UserError("no such file", { file });
  }
  if (st.isDirectory()) throw new UserError("is a directory, expected a file", { file });
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new UserError("cannot read the file (permission denied)", { file });
  }
  if (st.size === 0) throw new UserError("the file is empty", { file });
}

/** Opens the log: a file in one of the formats, or a DuckDB query. */
export async function openSource(o: ReadOptions): Promise<RowSource> {
  if (o.query !== undefined) {
    if (o.file !== undefined) checkFile(o.file);
    return openDuckDb(o, "query", "--query");
  }
  if (o.file === undefined) throw new UserError("give the log FILE (or --query SQL)");
  const format = resolveFormat(o.file, o.format);
  checkFile(o.file);
  if (format === "sqlite") return openSqlite(o, o.file);
  return openDuckDb(o, format, o.file);
}
