/**
 * What a run's data snapshot costs and saves: reading a dataset folder from its
 * atomic files, fingerprinting them, writing the snapshot, and reading it back
 * (what `evaluate`, `recommend` and `serve` do instead of parsing the folder).
 *
 *   node dist/bench/snapshot.js DATA_DIR [DATA_DIR ...]
 *
 * Prints one JSON line per folder: milliseconds per phase and the snapshot's size.
 */
import { rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDataset } from "../src/data/dataset.js";
import { fingerprintFiles } from "../src/data/fingerprint.js";
import { loadSnapshot, saveSnapshot } from "../src/data/snapshot.js";

async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, Math.round(performance.now() - t0)];
}

const file = join(tmpdir(), `demure-bench-${process.pid}.snapshot`);
for (const dir of process.argv.slice(2)) {
  const [ds, readFolder] = await timed(() => loadDataset(dir));
  const [fp, fingerprint] = await timed(() => fingerprintFiles(ds.files));
  const [, save] = await timed(() => saveSnapshot(file, ds, fp));
  const [back, readSnapshot] = await timed(() => loadSnapshot(file));
  const same = back.dataset.numInteractions === ds.numInteractions;
  console.log(
    JSON.stringify({
      dataset: ds.name,
      users: ds.numUsers,
      items: ds.numItems,
      modalities: ds.modalities.length,
      read_folder_ms: readFolder,
      fingerprint_ms: fingerprint,
      write_snapshot_ms: save,
      read_snapshot_ms: readSnapshot,
      snapshot_mb: Math.round(statSync(file).size / 1e5) / 10,
      round_trip_same: same,
    }),
  );
  rmSync(file, { force: true });
}
