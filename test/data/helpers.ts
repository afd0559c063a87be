import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isUserError, type UserError } from "../../src/util/errors.js";

/** The folder holding package.json, found by walking up from this file. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("no package.json above the test file");
    dir = up;
  }
}

/** The shared research datasets: $DEMURE_DATA_DIR, else the repo's sibling `shared/data`. */
export const DATA_DIR = process.env["DEMURE_DATA_DIR"] ?? resolve(repoRoot(), "../shared/data");

/** Why a real-data test is skipped, or false when the dataset is there. */
export function skipUnlessData(name: string): string | false {
  return existsSync(join(DATA_DIR, name))
    ? false
    : `dataset folder ${join(DATA_DIR, name)} not found (set DEMURE_DATA_DIR to run real-data tests)`;
}

const made: string[] = [];

/** A fresh temporary folder, removed when the process exits. */
export function tempDir(prefix = "demure-data-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

process.on("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` (name → content) into `dir` and returns `dir`. */
export function writeFiles(dir: string, files: Record<string, string | Uint8Array>): string {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** A temporary folder named `name` (so dataset files are `name.*`) holding `files`. */
export function datasetDir(name: string, files: Record<string, string | Uint8Array>): string {
  const dir = join(tempDir(), name);
  mkdirSync(dir);
  return writeFiles(dir, files);
}

/** Expected place and content of a UserError. */
export interface Expect {
  file: string;
  line?: number;
  column?: number;
  /** A fragment the message must contain. */
  says?: string | RegExp;
}

/**
 * Asserts that `run` rejects with a UserError whose message starts with
 * `file:line:column: ` (as far as given) and contains `says`.
 */
export async function rejectsUserError(
  run: () => Promise<unknown>,
  expect: Expect,
): Promise<UserError> {
  let caught: unknown;
  try {
    await run();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, "expected a UserError, but nothing was thrown");
  if (!isUserError(caught)) throw caught;
  let prefix = expect.file;
  if (expect.line !== undefined) prefix += `:${expect.line}`;
  if (expect.column !== undefined) prefix += `:${expect.column}`;
  assert.ok(
    caught.message.startsWith(`${prefix}: `),
    `expected the message to start with "${prefix}: ", got: ${caught.message}`,
  );
  assert.equal(caught.exitCode, 2);
  assert.equal(caught.place.file, expect.file);
  assert.equal(caught.place.line, expect.line);
  assert.equal(caught.place.column, expect.column);
  if (expect.says !== undefined) {
    if (typeof expect.says === "string")
      assert.ok(caught.message.includes(expect.says), caught.message);
    else assert.match(caught.message, expect.says);
  }
  return caught;
}
