import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { isUserError } from "../../src/util/errors.js";
import { lockHolder, lockRunDir } from "../../src/util/run-lock.js";
import { demure, tempDir } from "../cli/helpers.js";

test("a run directory's lock names its holder and is gone once released", () => {
  const dir = tempDir("lock");
  assert.equal(lockHolder(dir), null);
  const release = lockRunDir(dir);
  assert.equal(lockHolder(dir), process.pid);
  release();
  assert.equal(lockHolder(dir), null);
  assert.deepEqual(readdirSync(dir), [], "nothing of the lock is left behind");
});

test("a lock left by a process that is gone is taken over", () => {
  const dir = tempDir("stale");
  const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
  writeFileSync(join(dir, ".lock"), `${dead}\n`);
  assert.equal(lockHolder(dir), null);
  const release = lockRunDir(dir);
  assert.equal(lockHolder(dir), process.pid);
  release();
});

test("a lock held by a live process is refused with a message naming it", async () => {
  const dir = tempDir("live");
  const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
  try {
    writeFileSync(join(dir, ".lock"), `${other.pid}\n`);
    assert.throws(
      () => lockRunDir(dir),
      (e: unknown) => isUserError(e) && e.message.includes(`pid ${other.pid}`),
    );
    assert.equal(lockHolder(dir), other.pid, "the holder's lock stays");
    assert.deepEqual(readdirSync(dir), [".lock"], "and only it");
  } finally {
    other.kill();
  }
});

test("train refuses (exit 2) a run directory another process is training into", () => {
  const root = tempDir("busy");
  const data = join(root, "planted");
  const gen = demure(["generate", "planted", "--out", data, "--users", "50", "--items", "30"]);
  assert.equal(gen.code, 0, gen.stderr);
  const dir = join(root, "run");
  mkdirSync(dir);
  // This test process is alive and is not the CLI's: it stands for the other trainer.
  writeFileSync(join(dir, ".lock"), `${process.pid}\n`);
  const r = demure(["train", "--data", data, "--out", dir, "--epochs", "1"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`pid ${process.pid}`));
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, "no stack trace");
  assert.equal(existsSync(join(dir, "config.json")), false, "the holder's run is left alone");
});
