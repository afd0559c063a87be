import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { basename, join } from "node:path";
import { storageFailure } from "../util/atomic-write.js";
import { UserError } from "../util/errors.js";

/** The output folder must not be a file (checked before reading, so a typo fails fast). */
export function checkOutDir(out: string): void {
  let isFile = false;
  try {
    isFile = !statSync(out).isDirectory();
  } catch {
    // missing: created once the log has been read
  }
  if (isFile)
    throw new UserError("--out: is a file, expected a folder to write the dataset into", {
      file: out,
    });
}

/** The output folder, created when missing (only once there is something to write). */
export function prepareOutDir(out: string): void {
  checkOutDir(out);
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new UserError(`--out: cannot create the folder (${(e as Error).message})`, {
      file: out,
    });
  }
}

/** A file written line by line into a temporary sibling, renamed into place by `commit`. */
export class StagedFile {
  readonly tmp: string;
  private fd: number;
  private buf: string[] = [];
  private size = 0;

  constructor(readonly path: string) {
    this.tmp = join(path, "..", `.${basename(path)}.${process.pid}.import.tmp`);
    this.fd = this.guard(() => openSync(this.tmp, "w"));
  }

  line(s: string): void {
    this.buf.push(s, "\n");
    this.size += s.length + 1;
    if (this.size > 1 << 20) this.flush();
  }

  private flush(): void {
    const data = Buffer.from(this.buf.join(""), "utf8");
    this.buf = [];
    this.size = 0;
    let off = 0;
    this.guard(() => {
      while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
    });
  }

  /** Flush and fsync; the data is on disk under the temporary name. */
  finish(): void {
    this.flush();
    this.guard(() => fsyncSync(this.fd));
    closeSync(this.fd);
    this.fd = -1;
  }

  commit(): void {
    this.guard(() => renameSync(this.tmp, this.path));
  }

  /** Remove the temporary file (on error). */
  discard(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.tmp, { force: true });
  }

  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw storageFailure(e, this.path) ?? e;
    }
  }
}

/** fsync a folder after renames (some file systems refuse; the renames are atomic anyway). */
export function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // not supported here
  }
}
