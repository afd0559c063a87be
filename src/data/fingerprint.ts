import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";

/** What a dataset was read from: each file's name, size and SHA-256. */
export interface DataFingerprint {
  files: Array<{ name: string; bytes: number; sha256: string }>;
}

/** Hash the files a dataset was read from (streamed: no file is held whole in memory). */
export async function fingerprintFiles(paths: readonly string[]): Promise<DataFingerprint> {
  const files: DataFingerprint["files"] = [];
  for (const path of [...paths].sort()) {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    files.push({
      name: basename(path),
      bytes: (await stat(path)).size,
      sha256: hash.digest("hex"),
    });
  }
  return { files };
}

/** Whether two fingerprints name the same files with the same contents. */
export function sameData(a: DataFingerprint, b: DataFingerprint): boolean {
  if (a.files.length !== b.files.length) return false;
  return a.files.every((f, i) => f.name === b.files[i]!.name && f.sha256 === b.files[i]!.sha256);
}
