import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { UserError } from "../../util/errors.js";

/** Lines longer than this (in bytes) are rejected rather than buffered. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Options of {@link scanLines}. */
export interface ScanOptions {
  /** Longest accepted line in bytes, line ending excluded (default 16 MiB). */
  maxLineBytes?: number;
  /** Size of each read from disk (default 1 MiB). */
  chunkBytes?: number;
}

/**
 * Called once per line with its text (no line ending, no BOM) and 1-based line
 * number. Returning `false` stops the scan early.
 */
export type LineHandler = (text: string, line: number) => boolean | undefined;

/**
 * Streams a UTF-8 text file line by line without ever holding more than one line
 * (plus one read chunk) in memory. Accepts LF and CRLF endings and a leading BOM.
 * Throws {@link UserError} naming the file for a missing, unreadable or directory
 * path, a line that is not valid UTF-8, or a line longer than `maxLineBytes`.
 * Resolves to the number of lines seen (a final line without a newline counts).
 */
export async function scanLines(
  file: string,
  onLine: LineHandler,
  options: ScanOptions = {},
): Promise<number> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const chunkBytes = options.chunkBytes ?? 1024 * 1024;
  const handle = await openForReading(file);
  try {
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    let lineNo = 0;
    let stopped = false;
    const emitText = (raw: string): void => {
      lineNo++;
      let text = raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
      if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length * 3 > maxLineBytes && Buffer.byteLength(text) > maxLineBytes) {
        throw tooLong(file, lineNo, maxLineBytes);
      }
      if (onLine(text, lineNo) === false) stopped = true;
    };
    // Decodes a run of whole lines (no final newline) and emits them. On invalid
    // UTF-8, decodes line by line to report the first bad line.
    const emitRegion = (bytes: Uint8Array): void => {
      let text: string;
      try {
        text = decoder.decode(bytes);
      } catch {
        throw badUtf8(file, lineNo + firstBadLine(bytes));
      }
      let pos = 0;
      while (!stopped) {
        const nl = text.indexOf("\n", pos);
        emitText(nl === -1 ? text.slice(pos) : text.slice(pos, nl));
        if (nl === -1) break;
        pos = nl + 1;
      }
    };

    const buf = Buffer.allocUnsafe(chunkBytes);
    let carry: Buffer[] = [];
    let carryBytes = 0;
    while (!stopped) {
      const { bytesRead } = await readChunk(handle, buf, file);
      if (bytesRead === 0) break;
      const view = buf.subarray(0, bytesRead);
      const lastNl = view.lastIndexOf(0x0a);
      if (lastNl === -1) {
        carryBytes += bytesRead;
        // +1 leaves room for a CR that belongs to the line ending.
        if (carryBytes > maxLineBytes + 1) throw tooLong(file, lineNo + 1, maxLineBytes);
        carry.push(Buffer.from(view));
        continue;
      }
      let start = 0;
      if (carry.length > 0) {
        const firstNl = view.indexOf(0x0a);
        if (carryBytes + firstNl > maxLineBytes + 1) throw tooLong(file, lineNo + 1, maxLineBytes);
        carry.push(view.subarray(0, firstNl));
        emitRegion(Buffer.concat(carry));
        carry = [];
        carryBytes = 0;
        start = firstNl + 1;
      }
      if (!stopped && start <= lastNl) emitRegion(view.subarray(start, lastNl));
      if (lastNl + 1 < bytesRead) {
        carry.push(Buffer.from(view.subarray(lastNl + 1)));
        carryBytes = bytesRead - lastNl - 1;
      }
    }
    if (!stopped && carry.length > 0) emitRegion(Buffer.concat(carry));
    return lineNo;
  } finally {
    await handle.close();
  }
}

/** 0-based index of the first line in `bytes` that is not valid UTF-8, plus one. */
function firstBadLine(bytes: Uint8Array): number {
  const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let pos = 0;
  for (let k = 1; ; k++) {
    const nl = bytes.indexOf(0x0a, pos);
    const end = nl === -1 ? bytes.length : nl;
    try {
      strict.decode(bytes.subarray(pos, end));
    } catch {
      return k;
    }
    if (nl === -1) return k;
    pos = nl + 1;
  }
}

function badUtf8(file: string, line: number): UserError {
  return new UserError("expected UTF-8 text, found an invalid byte sequence", { file, line });
}

async function openForReading(file: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (e) {
    throw openError(file, e);
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) {
      throw new UserError("expected a file, found a directory", { file });
    }
  } catch (e) {
    await handle.close();
    throw e instanceof UserError ? e : openError(file, e);
  }
  return handle;
}

async function readChunk(
  handle: FileHandle,
  buf: Buffer,
  file: string,
): Promise<{ bytesRead: number }> {
  try {
    return await handle.read(buf, 0, buf.length, null);
  } catch (e) {
    throw openError(file, e);
  }
}

function tooLong(file: string, line: number, maxLineBytes: number): UserError {
  return new UserError(
    `line is longer than ${maxLineBytes} bytes; expected one record per line (is this a text atomic file?)`,
    { file, line },
  );
}

/** Turns a file-system error into a {@link UserError} that names the path. */
export function openError(file: string, e: unknown): UserError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return new UserError("cannot read file: no such file or directory", { file });
    case "EACCES":
    case "EPERM":
      return new UserError("cannot read file: permission denied", { file });
    case "EISDIR":
      return new UserError("expected a file, found a directory", { file });
    default:
      return new UserError(`cannot read file: ${(e as Error).message ?? String(e)}`, { file });
  }
}
