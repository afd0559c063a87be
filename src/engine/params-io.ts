import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../util/atomic-write.js";
import { UserError } from "../util/errors.js";

/**
 * Named float32 arrays in one binary file, versioned and checksummed:
 *
 *   "DMRP" | u32 version | u32 header bytes | header JSON | pad to 4 |
 *   float32 data of every entry, in header order | sha256 of all before it (32 bytes)
 *
 * The header lists {name, shape, offset, length} per entry plus free-form
 * `meta` (JSON). Written atomically; a truncated or altered file fails to load
 * with a message naming it.
 */
export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

const MAGIC = "DMRP";
export const PARAMS_FORMAT_VERSION = 1;

interface HeaderEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

export function saveArrays(
  path: string,
  arrays: Map<string, NamedArray>,
  meta: unknown = {},
): void {
  const entries: HeaderEntry[] = [];
  let offset = 0;
  for (const [name, a] of arrays) {
    const bad = firstNonFinite(a.data);
    // Never write a checkpoint that cannot be used: the caller should have stopped earlier.
    if (bad >= 0)
      throw new Error(`refusing to save ${path}: ${name}[${bad}] is ${a.data[bad]} (not finite)`);
    entries.push({ name, shape: a.shape, offset, length: a.data.length });
    offset += a.data.length;
  }
  const header = Buffer.from(JSON.stringify({ entries, meta }), "utf8");
  const pad = (4 - ((12 + header.length) % 4)) % 4;
  const dataStart = 12 + header.length + pad;
  const body = Buffer.alloc(dataStart + offset * 4);
  body.write(MAGIC, 0, "ascii");
  body.writeUInt32LE(PARAMS_FORMAT_VERSION, 4);
  body.writeUInt32LE(header.length, 8);
  header.copy(body, 12);
  const floats = new Float32Array(body.buffer, body.byteOffset + dataStart, offset);
  for (const [i, a] of [...arrays.values()].entries()) floats.set(a.data, entries[i]!.offset);
  const digest = createHash("sha256").update(body).digest();
  writeFileAtomic(path, Buffer.concat([body, digest]));
}

export function loadArrays(path: string): { arrays: Map<string, NamedArray>; meta: unknown } {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new UserError(
      `cannot read parameter file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      {
        file: path,
      },
    );
  }
  const bad = (why: string): never => {
    throw new UserError(`not a valid demure parameter file: ${why}`, { file: path });
  };
  if (buf.length < 44 || buf.toString("ascii", 0, 4) !== MAGIC) bad("wrong magic bytes");
  const version = buf.readUInt32LE(4);
  if (version !== PARAMS_FORMAT_VERSION)
    bad(`format version ${version}, this build reads ${PARAMS_FORMAT_VERSION}`);
  const body = buf.subarray(0, buf.length - 32);
  const digest = createHash("sha256").update(body).digest();
  if (!digest.equals(buf.subarray(buf.length - 32)))
    bad("checksum mismatch (the file is truncated or altered)");
  const headerLen = buf.readUInt32LE(8);
  const { entries, meta } = JSON.parse(buf.toString("utf8", 12, 12 + headerLen)) as {
    entries: HeaderEntry[];
    meta: unknown;
  };
  const pad = (4 - ((12 + headerLen) % 4)) % 4;
  const dataStart = 12 + headerLen + pad;
  const total = (body.length - dataStart) / 4;
  // Copy out so the arrays are aligned and independent of the file buffer.
  const floats = new Float32Array(total);
  new Uint8Array(floats.buffer).set(body.subarray(dataStart));
  const arrays = new Map<string, NamedArray>();
  for (const e of entries) {
    if (e.offset + e.length > total) bad(`entry ${e.name} runs past the end of the data`);
    const data = floats.slice(e.offset, e.offset + e.length);
    const at = firstNonFinite(data);
    if (at >= 0)
      bad(`entry ${e.name} holds ${data[at]} at index ${at} (only finite values are valid)`);
    arrays.set(e.name, { shape: e.shape, data });
  }
  return { arrays, meta };
}

/** Index of the first NaN or ±Infinity, or -1. */
export function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) {
    // x - x is 0 for finite x and NaN for NaN and ±Infinity: one test for both.
    if (a[i]! - a[i]! !== 0) return i;
  }
  return -1;
}
