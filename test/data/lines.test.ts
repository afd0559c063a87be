import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { scanLines } from "../../src/data/atomic/lines.js";
import { tempDir } from "./helpers.js";

test("scanLines gives the same lines for every chunk size (multi-byte chars, CRLF, BOM)", async () => {
  const text = "\uFEFFhéllo\tw\u00f6rld\r\n\u4e2d\u6587\n\nlast line \u{1F600}\r\nend";
  const path = join(tempDir(), "t.txt");
  writeFileSync(path, text);
  const expected = ["héllo\twörld", "\u4e2d\u6587", "", "last line \u{1F600}", "end"];
  for (let chunkBytes = 1; chunkBytes <= 20; chunkBytes++) {
    const got: Array<[string, number]> = [];
    const n = await scanLines(
      path,
      (t, line) => {
        got.push([t, line]);
        return true;
      },
      { chunkBytes },
    );
    assert.equal(n, 5, `chunkBytes ${chunkBytes}`);
    assert.deepEqual(
      got,
      expected.map((t, k) => [t, k + 1]),
      `chunkBytes ${chunkBytes}`,
    );
  }
});

test("scanLines stops when the handler returns false", async () => {
  const path = join(tempDir(), "t.txt");
  writeFileSync(path, "a\nb\nc\n");
  const seen: string[] = [];
  await scanLines(path, (t) => {
    seen.push(t);
    return false;
  });
  assert.deepEqual(seen, ["a"]);
});
