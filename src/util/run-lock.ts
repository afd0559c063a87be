import { randomBytes } from "node:crypto";
import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "./errors.js";

/**
 * One writer per run directory. Two trainings writing into the same folder
 * (a queue started twice, `--resume` while the run is still going) would
 * interleave their checkpoints; the second is refused instead.
 *
 * The lock is a `.lock` file holding the owner's process id and a random
 * token, created by link() so that exactly one process wins; a release
 * removes only the lock carrying its own token. A lock whose process is gone
 * (killed, machine restarted) is stale and taken over. Process ids are only
 * meaningful on one machine: folders shared between machines are not guarded.
 */
const LOCK = ".lock";

/** The process id holding `dir`, or null if nobody (alive) does. */
export function lockHolder(dir: string): number | null {
  let text: string;
  try {
    text = readFileSync(join(dir, LOCK), "utf8");
  } catch {
    return null;
  }
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

/** Releases a lock; `movedTo` follows the directory when it is renamed while held. */
export interface RunLockRelease {
  (): void;
  movedTo(dir: string): void;
}

/**
 * Take `dir` (which must exist) for this process; returns the release
 * function. Throws a UserError naming the holder if a live process has it.
 */
export function lockRunDir(dir: string): RunLockRelease {
  const path = join(dir, LOCK);
  // The pid goes into a file of our own first, then is linked into place:
  // link() fails if the lock exists, and a lock is never seen without its pid.
  const mine = join(dir, `${LOCK}.${process.pid}`);
  const content = `${process.pid} ${randomBytes(8).toString("hex")}\n`;
  writeFileSync(mine, content);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      linkSync(mine, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        rmSync(mine, { force: true });
        throw e;
      }
      const holder = lockHolder(dir);
      if (holder !== null && holder !== process.pid) {
        rmSync(mine, { force: true });
        throw new UserError(
          `another process (pid ${holder}) is training into this run directory; wait for it to finish or stop it first`,
          { file: dir },
        );
      }
      rmSync(path, { force: true }); // stale (its process is gone) or our own
      continue;
    }
    rmSync(mine, { force: true });
    let at = dir;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off("exit", release);
      const lock = join(at, LOCK);
      if (readOr(lock) === content) rmSync(lock, { force: true });
    };
    process.on("exit", release);
    return Object.assign(release, {
      movedTo: (to: string) => {
        at = to;
      },
    });
  }
  rmSync(mine, { force: true });
  throw new UserError("could not take the run directory's lock (another process keeps taking it)", {
    file: dir,
  });
}

function readOr(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Run `fn` holding `dir` (which must exist); the lock is released however `fn` ends. */
export async function withRunDirLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const release = lockRunDir(dir);
  try {
    return await fn();
  } finally {
    release();
  }
}
