import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import sqlite from "node-sqlite3-wasm";

const { Database } = sqlite;

/** One row of the small shop log the format tests write in every format. */
export interface LogRow {
  user: number;
  item: number;
  ts: number;
  title: string;
  genre: string[];
  price: number;
}

const GENRES = ["action", "drama", "comedy", "horror", "sci-fi"];

/** A deterministic log: 30 users, 40 items, 6 interactions each, tied timestamps, shuffled rows. */
export function makeLog(): LogRow[] {
  const rows: LogRow[] = [];
  for (let u = 1; u <= 30; u++) {
    for (let k = 0; k < 6; k++) {
      const item = ((u * 7 + k * 11) % 40) + 1;
      // k = 2 and 3 share a timestamp: ties keep input order.
      const ts = 1_600_000_000 + u * 1000 + (k === 3 ? 2 : k) * 10;
      rows.push(itemRow(u, item, ts));
    }
  }
  // A fixed shuffle so the output order must come from sorting, not from the input.
  const out: LogRow[] = [];
  for (let s = 0; s < 7; s++) for (let i = s; i < rows.length; i += 7) out.push(rows[i]!);
  return out;
}

function itemRow(user: number, item: number, ts: number): LogRow {
  const genre = [GENRES[item % 5]!];
  if (item % 3 === 0) genre.push(GENRES[(item + 2) % 5]!);
  return {
    user,
    item,
    ts,
    title: `Title ${item}`,
    genre,
    price: item % 4 === 0 ? item : item + 0.25,
  };
}

function delimited(rows: LogRow[], sep: string): string {
  const lines = [["user", "item", "ts", "title", "genre", "price"].join(sep)];
  for (const r of rows)
    lines.push([r.user, r.item, r.ts, r.title, r.genre.join("|"), r.price].join(sep));
  return `${lines.join("\n")}\n`;
}

/** The same log as CSV, TSV, JSON lines, Parquet and SQLite files in `dir`; returns their paths. */
export async function writeAllFormats(
  dir: string,
  rows: LogRow[],
): Promise<Record<string, string>> {
  const p = {
    csv: join(dir, "log.csv"),
    tsv: join(dir, "log.tsv"),
    jsonl: join(dir, "log.jsonl"),
    parquet: join(dir, "log.parquet"),
    sqlite: join(dir, "log.sqlite"),
  };
  writeFileSync(p.csv, delimited(rows, ","));
  writeFileSync(p.tsv, delimited(rows, "\t"));
  writeFileSync(p.jsonl, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
  const db = await DuckDBInstance.create(":memory:");
  const con = await db.connect();
  await con.run(
    `COPY (SELECT * FROM read_json('${p.jsonl}', format='newline_delimited')) TO '${p.parquet}' (FORMAT parquet)`,
  );
  con.closeSync();
  db.closeSync();
  const lite = new Database(p.sqlite);
  lite.run(
    "CREATE TABLE log (user INTEGER, item INTEGER, ts INTEGER, title TEXT, genre TEXT, price REAL)",
  );
  const ins = lite.prepare("INSERT INTO log VALUES (?, ?, ?, ?, ?, ?)");
  lite.exec("BEGIN");
  for (const r of rows) ins.run([r.user, r.item, r.ts, r.title, r.genre.join("|"), r.price]);
  lite.exec("COMMIT");
  ins.finalize();
  lite.close();
  return p;
}

/** The atomic files the log should import to, built straight from the rows. */
export function expectedFiles(rows: LogRow[]): { inter: string; item: string } {
  const order = rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.user - b.r.user || a.r.ts - b.r.ts || a.i - b.i);
  const inter = ["user_id:token\titem_id:token\ttimestamp:float"];
  const item = ["item_id:token\ttitle:token\tgenre:token_seq\tprice:float"];
  const seen = new Set<number>();
  for (const { r } of order) {
    inter.push(`${r.user}\t${r.item}\t${r.ts}`);
    if (!seen.has(r.item)) {
      seen.add(r.item);
      item.push(`${r.item}\t${r.title}\t${r.genre.join(" ")}\t${r.price}`);
    }
  }
  return { inter: `${inter.join("\n")}\n`, item: `${item.join("\n")}\n` };
}
