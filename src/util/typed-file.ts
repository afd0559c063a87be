import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "./atomic-write.js";
import { UserError } from "./errors.js";

/**
 * Named typed arrays of several element types plus JSON metadata, in one
 * checksummed binary file:
 *
 *   "DMRT" | u32 version | u32 header bytes | header JSON | pad to 8 |
 *   each array's bytes, each padded to 8 | sha256 of all before it (32 bytes)
 *
 * The header lists {name, type, length, offset} per array (offset in bytes
 * from the data start) and the free-form `meta`. Written atomically; a
 * truncated or altered file is refused with a message naming it.
 */
export type TypedArray = Int32Array | Float32Array | Float64Array | Uint8Array;

const TYPES = {
  i32: Int32Array,
  f32: Float32Array,
  f64: Float64Array,
  u8: Uint8Array,
} as const;
type TypeName = keyof typeof TYPES;

interface Entry {
  name: string;
  type: TypeName;
  length: number;
  offset: number;
}

const MAGIC = "DMRT";
const VERSION = 1;

function typeOf(a: TypedArray): TypeName {
  if (a instanceof Int32Array) return "i32";
  if (a instanceof Float32Array) return "f32";
  if (a instanceof Float64Array) return "f64";
  return "u8";
}

const pad8 = (n: number) => (8 - (n % 8)) % 8;

export function saveTypedFile(
  path: string,
  arrays: Map<string, TypedArray>,
  meta: unknown = {},
): void {
  const entries: Entry[] = [];
  let bytes = 0;
  for (const [name, a] of arrays) {
    entries.push({ name, type: typeOf(a), length: a.length, offset: bytes });
    bytes += a.byteLength + pad8(a.byteLength);
  }
  const header = Buffer.from(JSON.stringify({ entries, meta }), "utf8");
  const dataStart = 12 + header.length + pad8(12 + header.length);
  const body = Buffer.alloc(dataStart + bytes);
  body.write(MAGIC, 0, "ascii");
  body.writeUInt32LE(VERSION, 4);
  body.writeUInt32LE(header.length, 8);
  header.copy(body, 12);
  for (const [i, a] of [...arrays.values()].entries()) {
    const src = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    body.set(src, dataStart + entries[i]!.offset);
  }
  const digest = createHash("sha256").update(body).digest();
  writeFileAtomic(path, Buffer.concat([body, digest]));
}

export interface TypedFile {
  arrays: Map<string, TypedArray>;
  meta: unknown;
}

export function loadTypedFile(path: string, what = "demure data file"): TypedFile {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new UserError(`cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? e})`, {
      file: path,
    });
  }
  const bad = (why: string): never => {
    throw new UserError(`not a valid ${what}: ${why}`, { file: path });
  };
  if (buf.length < 44 || buf.toString("ascii", 0, 4) !== MAGIC) bad("wrong magic bytes");
  const version = buf.readUInt32LE(4);
  if (version !== VERSION) bad(`format version ${version}, this build reads ${VERSION}`);
  const body = buf.subarray(0, buf.length - 32);
  if (
    !createHash("sha256")
      .update(body)
      .digest()
      .equals(buf.subarray(buf.length - 32))
  )
    bad("checksum mismatch (the file is truncated or altered)");
  const headerLen = buf.readUInt32LE(8);
  const { entries, meta } = JSON.parse(buf.toString("utf8", 12, 12 + headerLen)) as {
    entries: Entry[];
    meta: unknown;
  };
  const dataStart = 12 + headerLen + pad8(12 + headerLen);
  const arrays = new Map<string, TypedArray>();
  for (const e of entries) {
    const Ctor = TYPES[e.type];
    if (Ctor === undefined) bad(`array ${e.name} has unknown type ${e.type}`);
    const start = dataStart + e.offset;
    const end = start + e.length * Ctor.BYTES_PER_ELEMENT;
    if (end > body.length) bad(`array ${e.name} runs past the end of the data`);
    // Copy out: aligned, and independent of the file buffer.
    const a = new Ctor(e.length);
    new Uint8Array(a.buffer).set(body.subarray(start, end));
    arrays.set(e.name, a);
  }
  return { arrays, meta };
}
