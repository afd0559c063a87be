import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { RunFailure } from "./errors.js";

/**
 * Write a file so that readers see either the old content or the new one,
 * never a half-written file: write to a temporary file in the same folder,
 * fsync it, rename it over the target, then fsync the folder.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  try {
    writeAtomic(path, data);
  } catch (e) {
    throw storageFailure(e, path) ?? e;
  }
}

const STORAGE_CODES: Record<string, string> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
};

/**
 * A disk-full or permission error as a RunFailure naming the path (Node's
 * own message for a write through a file descriptor names none); null for
 * any other error.
 */
export function storageFailure(e: unknown, path: string): RunFailure | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const why = code === undefined ? undefined : STORAGE_CODES[code];
  if (why === undefined) return null;
  const kind = code === "ENOSPC" || code === "EDQUOT" ? "disk_full" : "permission";
  return new RunFailure(
    kind,
    `cannot write ${path}: ${why} (${code}); nothing half-written was left`,
  );
}

function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, "w");
  try {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  try {
    const dfd = openSync(dirname(path), "r");
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    // Some file systems do not allow fsync on a directory; the rename is still atomic.
  }
}
