import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { demure, lastJson, tempDir } from "../cli/helpers.js";

const root = tempDir("import-options");
const log = join(root, "log.csv");
writeFileSync(log, "u,i,t,r\n1,a,1,5\n1,a,1,4\n1,b,2,3\n2,a,3,5\n2,b,4,2\n2,c,5,4\n3,c,6,1\n");
const base = ["--user", "u", "--item", "i", "--time", "t", "--rating", "r", "--json"];
const HEAD = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n";

function run(name: string, extra: string[]) {
  const out = join(root, name);
  const r = demure(["import", log, "--out", out, ...base, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return { j: lastJson(r.stdout), inter: readFileSync(join(out, `${name}.inter`), "utf8") };
}

test("duplicates are kept by default, as RecBole does", () => {
  const { j, inter } = run("keep", []);
  assert.equal(
    inter,
    `${HEAD}1\ta\t5\t1\n1\ta\t4\t1\n1\tb\t3\t2\n2\ta\t5\t3\n2\tb\t2\t4\n2\tc\t4\t5\n3\tc\t1\t6\n`,
  );
  assert.deepEqual(j.dropped, { min_rating: 0, duplicates: 0, kcore: 0 });
});

test("--dedup first and last keep one of the duplicate (user, item, time) rows", () => {
  assert.match(run("first", ["--dedup", "first"]).inter, /^user.*\n1\ta\t5\t1\n1\tb/);
  const last = run("last", ["--dedup", "last"]);
  assert.match(last.inter, /^user.*\n1\ta\t4\t1\n1\tb/);
  assert.equal((last.j.dropped as { duplicates: number }).duplicates, 1);
});

test("--kcore 2 iterates to a fixed point (user 3 goes, then item c, then nothing)", () => {
  const { j, inter } = run("core", ["--dedup", "first", "--kcore", "2"]);
  assert.equal(inter, `${HEAD}1\ta\t5\t1\n1\tb\t3\t2\n2\ta\t5\t3\n2\tb\t2\t4\n`);
  assert.deepEqual(j.dropped, { min_rating: 0, duplicates: 1, kcore: 2 });
  assert.equal(j.users, 2);
  assert.equal(j.items, 2);
});

test("--min-rating drops rows below it", () => {
  const { j, inter } = run("minr", ["--min-rating", "3"]);
  assert.equal(inter, `${HEAD}1\ta\t5\t1\n1\ta\t4\t1\n1\tb\t3\t2\n2\ta\t5\t3\n2\tc\t4\t5\n`);
  assert.equal((j.dropped as { min_rating: number }).min_rating, 2);
});

// The README's recipes, on tiny self-made samples.
const fixtures = join(
  dirname(resolve(fileURLToPath(import.meta.url))),
  "../../../test/import/fixtures",
);

/** Imports `file` into `root/name` with `flags`, and returns the written `.inter`. */
function recipe(name: string, file: string[], flags: string[]): string {
  const out = join(root, name);
  const r = demure(["import", ...file, "--out", out, ...flags, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return readFileSync(join(out, `${name}.inter`), "utf8");
}
const ratingCols = ["--user", "user", "--item", "item", "--rating", "rating", "--time", "time"];

test("recipe: MovieLens ratings.dat ('::' separated, no header)", () => {
  const inter = recipe(
    "ml-1m",
    [join(fixtures, "ratings.dat")],
    ["--format", "csv", "--delimiter", "::", "--columns", "user,item,rating,time", ...ratingCols],
  );
  assert.equal(
    inter,
    `${HEAD}1\t1193\t5\t978300760\n1\t661\t3\t978302109\n2\t1193\t4\t978298413\n2\t3068\t4\t978299000\n`,
  );
});

test("recipe: MovieLens u.data (tab separated, no header)", () => {
  const inter = recipe(
    "ml-100k",
    [join(fixtures, "u.data")],
    ["--format", "tsv", "--columns", "user,item,rating,time", ...ratingCols],
  );
  assert.equal(
    inter,
    `${HEAD}186\t302\t3\t891717742\n196\t377\t1\t878887116\n196\t242\t3\t881250949\n`,
  );
});

test("recipe: Amazon reviews as JSON lines (ids keep their leading zeros)", () => {
  const inter = recipe(
    "amazon",
    [join(fixtures, "reviews.jsonl")],
    ["--user", "reviewerID", "--item", "asin", "--rating", "overall", "--time", "unixReviewTime"],
  );
  assert.equal(
    inter,
    `${HEAD}A14VAT5EAX3D9S\t0000013714\t4\t1363392000\nA2SUAM1J3GNN3B\t0000013714\t5\t1393545600\nA2SUAM1J3GNN3B\t0000031852\t3\t1393545600\n`,
  );
});

test("--query reads the log through a DuckDB query", () => {
  const out = join(root, "q");
  const sql = `SELECT * FROM read_csv('${join(fixtures, "ratings.dat")}', delim='::', header=false, names=['user','item','rating','time'])`;
  const r = demure([
    "import",
    "--query",
    sql,
    "--out",
    out,
    "--user",
    "user",
    "--item",
    "item",
    "--time",
    "time",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lastJson(r.stdout).format, "query");
  assert.match(
    readFileSync(join(out, "q.inter"), "utf8"),
    /^user_id:token\titem_id:token\ttimestamp:float\n1\t1193\t978300760\n/,
  );
});

test("FLOAT (32-bit) values print as the shortest text that reads back as the same float", () => {
  const out = join(root, "f32");
  const sql =
    "SELECT * FROM (VALUES (1, 'a', 1, CAST(0.1 AS FLOAT), [CAST(0.3 AS FLOAT), CAST(2.5 AS FLOAT)]), " +
    "(2, 'b', 2, CAST(1e-7 AS FLOAT), [CAST(-1.1 AS FLOAT)])) t(u, i, t, price, vec)";
  const r = demure(
    ["import", "--query", sql, "--out", out, "--user", "u", "--item", "i", "--time", "t"].concat([
      "--item-col",
      "price:float",
      "--item-col",
      "vec:float_seq",
      "--json",
    ]),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    readFileSync(join(out, "f32.item"), "utf8"),
    "item_id:token\tprice:float\tvec:float_seq\na\t0.1\t0.3 2.5\nb\t1e-7\t-1.1\n",
  );
});

test("shortestFloat32 reads back as the same float32 and no shorter text does", async () => {
  const { shortestFloat32 } = await import("../../src/import/duckdb-source.js");
  const bits = new Uint32Array(1);
  const f = new Float32Array(bits.buffer);
  let seed = 12345;
  for (let n = 0; n < 20000; n++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    bits[0] = seed;
    const x = f[0] as number;
    if (!Number.isFinite(x)) continue;
    const y = shortestFloat32(x) as number;
    assert.equal(Math.fround(y), x);
    const digits = String(y)
      .replace(/e.*$/, "")
      .replace(/[-.]/g, "")
      .replace(/^0+|0+$/g, "").length;
    assert.ok(digits <= 9, String(y));
    if (digits > 1) assert.notEqual(Math.fround(Number(x.toPrecision(digits - 1))), x, String(y));
  }
  assert.equal(shortestFloat32(Math.fround(0.1)), 0.1);
  assert.deepEqual(shortestFloat32([Math.fround(0.3), null]), [0.3, null]);
});
