import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import sqlite from "node-sqlite3-wasm";
import { demure, lastJson, tempDir } from "../cli/helpers.js";

const { Database } = sqlite;

const root = tempDir("import-errors");
const f = (name: string, text: string) => {
  const p = join(root, name);
  writeFileSync(p, text);
  return p;
};

const sqliteFile = join(root, "log.sqlite");
const db = new Database(sqliteFile);
db.run("CREATE TABLE events (u TEXT, i TEXT)");
db.close();
mkdirSync(join(root, "adir"));
const outFile = f("out-is-a-file", "x");

interface Case {
  name: string;
  file: string;
  args?: string[];
  /** What the message must say beside the file name. */
  says: RegExp;
  out?: string;
}

const cases: Case[] = [
  {
    name: "missing column",
    file: f("a.csv", "u,i\n1,2\n"),
    args: ["--time", "when"],
    says: /no column "when"; the columns are: u, i/,
  },
  {
    name: "non-numeric timestamp",
    file: f("b.jsonl", '{"u":1,"i":2,"t":5}\n{"u":1,"i":3,"t":6}\n{"u":2,"i":2,"t":"soon"}\n'),
    args: ["--time", "t"],
    says: /row 3, column "t": expected a number as the timestamp, found "soon"/,
  },
  {
    name: "missing timestamp",
    file: f("c.jsonl", '{"u":1,"i":2,"t":5}\n{"u":1,"i":3}\n'),
    args: ["--time", "t"],
    says: /row 2, column "t": the timestamp is missing/,
  },
  {
    name: "ragged row",
    file: f("d.csv", "u,i,t\n1,2,3\n1,2,3\n4,5\n"),
    says: /row 3 \(line 4\) has 2 fields, expected 3/,
  },
  {
    name: "bad quoting",
    file: f("e.csv", 'u,i\n1,2\n3,"4\n'),
    says: /line 3: a quoted field is never closed/,
  },
  { name: "empty file", file: f("f.csv", ""), says: /the file is empty/ },
  { name: "no data rows", file: f("g.csv", "u,i\n"), says: /no data rows/ },
  { name: "missing path", file: join(root, "nope.csv"), says: /no such file/ },
  {
    name: "a directory",
    file: join(root, "adir"),
    args: ["--format", "csv"],
    says: /is a directory/,
  },
  { name: "not Parquet", file: f("h.parquet", "u,i\n1,2\n"), says: /not a Parquet file/ },
  {
    name: "not SQLite",
    file: f("i.sqlite", "hello, this is text and not a database at all\n".repeat(20)),
    args: ["--table", "t"],
    says: /not a SQLite database/,
  },
  { name: "missing --table", file: sqliteFile, says: /needs --table T .*it has: events/ },
  {
    name: "unknown table",
    file: sqliteFile,
    args: ["--table", "clicks"],
    says: /no table "clicks"; it has: events/,
  },
  {
    name: "null user id",
    file: f("j.jsonl", '{"u":1,"i":2}\n{"u":null,"i":3}\n'),
    says: /row 2, column "u": the user id is missing/,
  },
  {
    name: "empty item id",
    file: f("k.tsv", 'u\ti\n1\t2\n1\t3\n2\t""\n'),
    says: /row 3, column "i": the item id is (empty|missing)/,
  },
  {
    name: "unknown format",
    file: f("l.txt", "u,i\n1,2\n"),
    args: ["--format", "xlsx"],
    says: /--format: unknown format "xlsx"/,
  },
  {
    name: "no format from extension",
    file: f("m.txt", "u,i\n1,2\n"),
    says: /cannot tell the format from the extension ".txt"/,
  },
  {
    name: "output is a file",
    file: f("n.csv", "u,i\n1,2\n"),
    out: outFile,
    says: /--out: is a file/,
  },
  {
    name: "malformed JSON",
    file: f("o.jsonl", '{"u":1,"i":2}\n{"u":1,"i":\n{"u":2,"i":2}\n'),
    says: /line [23]: malformed JSON/,
  },
  {
    name: "non-number in a float item column",
    file: f("p.csv", "u,i,price\n1,2,3.5\n1,3,cheap\n"),
    args: ["--item-col", "price:float"],
    says: /row 2, column "price": expected a number for a float column, found "cheap"/,
  },
];

for (const c of cases) {
  test(`import error: ${c.name}`, () => {
    const out = c.out ?? join(root, `out-${c.name.replace(/\W+/g, "-")}`);
    const r = demure([
      "import",
      c.file,
      "--out",
      out,
      "--user",
      "u",
      "--item",
      "i",
      ...(c.args ?? []),
      "--json",
    ]);
    assert.equal(r.code, 2, r.stderr);
    const where = c.out !== undefined ? c.out : c.name === "unknown format" ? "" : c.file;
    assert.ok(r.stderr.includes(`demure: ${where}`), `names the file: ${r.stderr}`);
    assert.match(r.stderr, c.says);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    const err = lastJson(r.stdout).error as { code: string; exit_code: number };
    assert.equal(err.code, "bad_input");
    assert.equal(err.exit_code, 2);
    // No output folder is made, and nothing (not even a temporary file) is left.
    if (c.out === undefined) {
      assert.equal(
        existsSync(out) ? readdirSync(out).length : -1,
        c.name.startsWith("non-number") ? 0 : -1,
      );
    }
  });
}
