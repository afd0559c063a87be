import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { readAtomicFile } from "../../src/data/atomic/reader.js";
import { rejectsUserError, tempDir } from "./helpers.js";

/** Writes `content` to a fresh temp file and returns its path. */
function file(content: string | Uint8Array, name = "x.item"): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

describe("atomic reader: malformed input is a UserError at file:line:column", () => {
  test("header field without a colon", async () => {
    const f = file("item_id:token\ttitle\n1\tx\n");
    await rejectsUserError(() => readAtomicFile(f), {
      file: f,
      line: 1,
      column: 2,
      says: 'expected a header field name:type (e.g. item_id:token), found "title"',
    });
  });

  test("header field with an unknown type", async () => {
    const f = file("item_id:token\tprice:double\n1\t2\n");
    await rejectsUserError(() => readAtomicFile(f), {
      file: f,
      line: 1,
      column: 2,
      says: 'unknown field type "double" for "price"; expected one of token, token_seq, float, float_seq',
    });
  });

  test("header field with an empty name", async () => {
    const f = file("item_id:token\t:float\n1\t2\n");
    await rejectsUserError(() => readAtomicFile(f), { file: f, line: 1, column: 2, says: "name" });
  });

  test("duplicate column name", async () => {
    const f = file("item_id:token\ta:float\ta:token\n1\t2\t3\n");
    await rejectsUserError(() => readAtomicFile(f), {
      file: f,
      line: 1,
      column: 3,
      says: 'duplicate column name "a" (first in column 2)',
    });
  });

  test("empty file: expected a header", async () => {
    const f = file("");
    await rejectsUserError(() => readAtomicFile(f), {
      file: f,
      line: 1,
      says: "expected a header",
    });
  });

  test("a file holding only a BOM is empty", async () => {
    const f = file("\uFEFF");
    await rejectsUserError(() => readAtomicFile(f), {
      file: f,
      line: 1,
      says: "expected a header",
    });
  });

  test("blank first line instead of a header", async () => {
    const f = file("\nitem_id:token\n1\n");
    await rejectsUserError(() => readAtomicFile(f), {
      file: f,
      line: 1,
      says: "found an empty line",
    });
  });

  test("row with too few fields", async () => {
    const f = file("user_id:token\titem_id:token\ttimestamp:float\n1\t2\t3\n1\t2\n");
    await rejectsUserError(() => readAtomicFile(f), {
      file: f,
      line: 3,
      column: 3,
      says: "expected 3 tab-separated fields as in the header, found 2",
    });
  });

  test("row with too many fields", async () => {
    const f = file("user_id:token\titem_id:token\n1\t2\n\n1\t2\t3\n");
    await rejectsUserError(() => readAtomicFile(f), {
      file: f,
      line: 4,
      column: 3,
      says: "found 3",
    });
  });

  test("non-numeric float", async () => {
    const f = file("item_id:token\tprice:float\n1\t2.5\n2\tabc\n");
    await rejectsUserError(() => readAtomicFile(f), {
      file: f,
      line: 3,
      column: 2,
      says: 'expected a finite number (or an empty field) in float column "price", found "abc"',
    });
  });

  test("NaN, inf, hex and overflowing floats are rejected", async () => {
    for (const bad of ["NaN", "inf", "-Infinity", "0x1A", "1e999", "1.2.3", "1,5"]) {
      const f = file(`item_id:token\tprice:float\n1\t${bad}\n`);
      await rejectsUserError(() => readAtomicFile(f), { file: f, line: 2, column: 2, says: bad });
    }
  });

  test("non-numeric float_seq element", async () => {
    const f = file("item_id:token\tvec:float_seq\n1\t0.5 1 2\n2\t0.5 abc 2\n");
    await rejectsUserError(() => readAtomicFile(f), {
      file: f,
      line: 3,
      column: 2,
      says: 'element 2 of float_seq column "vec", found "abc"',
    });
  });

  test("values beyond float32 are refused where they are read, not trained on", async () => {
    const seq = file("item_id:token\tvec:float_seq\n1\t0.5 1 2\n2\t0.5 1e39 2\n");
    await rejectsUserError(() => readAtomicFile(seq), {
      file: seq,
      line: 3,
      column: 2,
      says: 'element 2 of float_seq column "vec" is "1e39", beyond float32\'s range',
    });
    const one = file("item_id:token\tprice:float\n1\t-4e38\n");
    await rejectsUserError(() => readAtomicFile(one), {
      file: one,
      line: 2,
      column: 2,
      says: "-4e38",
    });
    // The largest float32 itself is fine.
    const edge = file("item_id:token\tvec:float_seq\n1\t3.4028234663852886e38 1\n");
    await readAtomicFile(edge);
  });

  test("inconsistent dense dimension in a float_seq column", async () => {
    const f = file("item_id:token\tvec:float_seq\n1\t1 2 3\n2\t\n3\t1 2\n");
    await rejectsUserError(() => readAtomicFile(f), {
      file: f,
      line: 4,
      column: 2,
      says: 'expected 3 values in float_seq column "vec" (as on line 2), found 2',
    });
  });

  test("a line longer than 16 MiB is rejected without buffering the file", async () => {
    const huge = Buffer.alloc(17 * 1024 * 1024, 0x61);
    const f = file(Buffer.concat([Buffer.from("item_id:token\n1\n"), huge, Buffer.from("\n2\n")]));
    await rejectsUserError(() => readAtomicFile(f), {
      file: f,
      line: 3,
      says: "line is longer than 16777216 bytes",
    });
  });

  test("a long last line without a newline is rejected (custom limit)", async () => {
    const f = file(`item_id:token\n1\n${"b".repeat(5000)}`);
    await rejectsUserError(() => readAtomicFile(f, { maxLineBytes: 1000 }), {
      file: f,
      line: 3,
      says: "longer than 1000 bytes",
    });
  });

  test("missing path names the path", async () => {
    const f = join(tempDir(), "nope.inter");
    await rejectsUserError(() => readAtomicFile(f), { file: f, says: "no such file or directory" });
  });

  test("a directory where a file is expected", async () => {
    const d = tempDir();
    await rejectsUserError(() => readAtomicFile(d), {
      file: d,
      says: "expected a file, found a directory",
    });
  });

  test("invalid UTF-8", async () => {
    const f = file(Buffer.from([...Buffer.from("item_id:token\n1\n"), 0xc3, 0x28, 0x0a]));
    await rejectsUserError(() => readAtomicFile(f), {
      file: f,
      line: 3,
      says: "expected UTF-8 text",
    });
  });

  test("required column missing from the header", async () => {
    const f = file("item_id:token\ttimestamp:float\n1\t2\n", "x.inter");
    await rejectsUserError(
      () => readAtomicFile(f, { required: [{ name: "user_id", type: "token" }] }),
      { file: f, line: 1, says: "missing required column user_id:token" },
    );
  });

  test("required column with the wrong type", async () => {
    const f = file("user_id:float\titem_id:token\n1\t2\n", "x.inter");
    await rejectsUserError(
      () => readAtomicFile(f, { required: [{ name: "user_id", type: "token" }] }),
      { file: f, line: 1, column: 1, says: 'expected column "user_id" to be token, found float' },
    );
  });
});

describe("atomic reader: accepted input", () => {
  test("BOM is stripped and accepted", async () => {
    const t = await readAtomicFile(file("\uFEFFitem_id:token\tyear:float\n7\t1999\n"));
    assert.deepEqual(
      t.fields.map((f) => f.name),
      ["item_id", "year"],
    );
    assert.deepEqual(t.columns[0]?.values, ["7"]);
  });

  test("CRLF line endings are accepted", async () => {
    const t = await readAtomicFile(file("item_id:token\ttags:token_seq\r\n1\ta b\r\n2\tc\r\n"));
    assert.equal(t.rows, 2);
    assert.deepEqual(t.columns[1]?.values, [["a", "b"], ["c"]]);
  });

  test("trailing and interior blank lines are skipped; last line may lack a newline", async () => {
    const t = await readAtomicFile(file("item_id:token\n1\n\n2\n3"));
    assert.deepEqual(t.columns[0]?.values, ["1", "2", "3"]);
    assert.deepEqual([...t.lines], [2, 4, 5]);
    const u = await readAtomicFile(file("item_id:token\n1\n\n\n"));
    assert.equal(u.rows, 1);
  });

  test("columnar values with missing fields", async () => {
    const t = await readAtomicFile(
      file(
        "item_id:token\tname:token\ttags:token_seq\tprice:float\tvec:float_seq\n" +
          "a\tx\tp  q\t1e3\t1 -2.5\n" +
          "b\t\t\t\t\n" +
          "c\ty\tr\t-.5\t+3 4\n",
      ),
    );
    const [id, name, tags, price, vec] = t.columns;
    assert.deepEqual(id?.values, ["a", "b", "c"]);
    assert.deepEqual(name?.values, ["x", "", "y"]);
    assert.deepEqual(tags?.values, [["p", "q"], [], ["r"]]);
    assert.equal(price?.type, "float");
    assert.deepEqual([...(price?.values as Float64Array)], [1000, Number.NaN, -0.5]);
    assert.equal(vec?.type, "float_seq");
    if (vec?.type !== "float_seq") return;
    assert.equal(vec.dim, 2);
    assert.deepEqual([...vec.offsets], [0, 2, 2, 4]);
    assert.deepEqual([...vec.values], [1, -2.5, 3, 4]);
  });

  test("ragged float_seq columns are allowed when asked for", async () => {
    const f = file("item_id:token\tv:float_seq\n1\t1 2 3\n2\t4\n");
    const t = await readAtomicFile(f, { ragged: ["v"] });
    const v = t.columns[1];
    assert.equal(v?.type === "float_seq" ? v.dim : "wrong", null);
  });
});
