import { UserError } from "../util/errors.js";
import { loadTypedFile, saveTypedFile, type TypedArray } from "../util/typed-file.js";
import type { Dataset } from "./dataset.js";
import type { DataFingerprint } from "./fingerprint.js";
import type { Modality } from "./modality-types.js";

/**
 * A dataset exactly as a model was trained on it: the user and item
 * vocabularies (index ↔ raw id), the time-ordered sequences, and every
 * modality already encoded (token tables, bucket edges, normalisation, noise
 * modalities included), with the fingerprint of the files it came from.
 * A run directory keeps one, so it never depends on the data folder again:
 * not on its path, its row order, or files added to it later.
 */
export const SNAPSHOT_VERSION = 1;

interface ModalityMeta {
  kind: Modality["kind"];
  name: string;
  source: string;
  missingCount: number;
  vocab?: number;
  tokens?: string[];
  truncatedCount?: number;
  dim?: number;
  normalisation?: { mean: number; std: number };
}

interface SnapshotMeta {
  snapshotVersion: number;
  name: string;
  dir: string;
  numInteractions: number;
  userIds: string[];
  itemIds: string[];
  files: string[];
  notes: string[];
  modalities: ModalityMeta[];
  fingerprint: DataFingerprint;
}

export function saveSnapshot(path: string, ds: Dataset, fingerprint: DataFingerprint): void {
  const arrays = new Map<string, TypedArray>();
  const offsets = new Int32Array(ds.numUsers + 1);
  ds.sequences.forEach((s, u) => {
    offsets[u + 1] = offsets[u]! + s.length;
  });
  const items = new Int32Array(offsets[ds.numUsers]!);
  for (const [u, seq] of ds.sequences.entries()) items.set(seq, offsets[u]!);
  arrays.set("seq.offsets", offsets);
  arrays.set("seq.items", items);
  if (ds.timestamps !== null) {
    const times = new Float64Array(items.length);
    for (const [u, t] of ds.timestamps.entries()) times.set(t, offsets[u]!);
    arrays.set("seq.times", times);
  }
  const modalities = ds.modalities.map((m, k) => describeModality(m, k, arrays));
  const meta: SnapshotMeta = {
    snapshotVersion: SNAPSHOT_VERSION,
    name: ds.name,
    dir: ds.dir,
    numInteractions: ds.numInteractions,
    userIds: ds.userIds,
    itemIds: ds.itemIds,
    files: ds.files,
    notes: ds.notes,
    modalities,
    fingerprint,
  };
  saveTypedFile(path, arrays, meta);
}

/** A modality's metadata for the header; its arrays go into `arrays` as m<k>.<field>. */
function describeModality(m: Modality, k: number, arrays: Map<string, TypedArray>): ModalityMeta {
  const base = { kind: m.kind, name: m.name, source: m.source, missingCount: m.missingCount };
  const at = (field: string, a: TypedArray) => arrays.set(`m${k}.${field}`, a);
  if (m.kind === "token") {
    at("ids", m.ids);
    if (m.edges !== undefined) at("edges", m.edges);
    return { ...base, vocab: m.vocab, tokens: m.tokens };
  }
  if (m.kind === "token_seq") {
    at("offsets", m.offsets);
    at("ids", m.ids);
    return { ...base, vocab: m.vocab, tokens: m.tokens, truncatedCount: m.truncatedCount };
  }
  at("values", m.values);
  at("present", m.present);
  return {
    ...base,
    dim: m.dim,
    ...(m.normalisation === undefined ? {} : { normalisation: m.normalisation }),
  };
}

export interface Snapshot {
  dataset: Dataset;
  fingerprint: DataFingerprint;
}

export function loadSnapshot(path: string): Snapshot {
  const what = "run data snapshot";
  const { arrays, meta: raw } = loadTypedFile(path, what);
  const bad = (why: string): never => {
    throw new UserError(`not a valid ${what}: ${why}`, { file: path });
  };
  const meta = raw as SnapshotMeta;
  if (meta?.snapshotVersion !== SNAPSHOT_VERSION)
    bad(`version ${meta?.snapshotVersion}, this build reads ${SNAPSHOT_VERSION}`);
  const get = <T extends TypedArray>(name: string, ctor: new (n: number) => T, length?: number) => {
    const a = arrays.get(name);
    if (!(a instanceof ctor)) return bad(`array ${name} is missing or of the wrong type`);
    if (length !== undefined && a.length !== length)
      bad(`array ${name} has ${a.length} values, expected ${length}`);
    return a as T;
  };
  const numUsers = meta.userIds.length;
  const numItems = meta.itemIds.length - 1;
  const offsets = get("seq.offsets", Int32Array, numUsers + 1);
  const items = get("seq.items", Int32Array, offsets[numUsers]);
  for (const i of items) if (i < 1 || i > numItems) bad(`item index ${i} outside 1..${numItems}`);
  const times = arrays.has("seq.times") ? get("seq.times", Float64Array, items.length) : null;
  const sequences: Int32Array[] = [];
  const timestamps: Float64Array[] | null = times === null ? null : [];
  for (let u = 0; u < numUsers; u++) {
    sequences.push(items.subarray(offsets[u]!, offsets[u + 1]!));
    timestamps?.push(times!.subarray(offsets[u]!, offsets[u + 1]!));
  }
  const modalities = meta.modalities.map((m, k): Modality => {
    const base = { name: m.name, source: m.source, missingCount: m.missingCount };
    const key = (f: string) => `m${k}.${f}`;
    switch (m.kind) {
      case "token": {
        const ids = get(key("ids"), Int32Array, numItems + 1);
        const edges = arrays.has(key("edges")) ? get(key("edges"), Float64Array) : undefined;
        return {
          ...base,
          kind: "token",
          vocab: m.vocab!,
          ids,
          tokens: m.tokens!,
          ...(edges === undefined ? {} : { edges }),
        };
      }
      case "token_seq": {
        const offs = get(key("offsets"), Int32Array);
        const ids = get(key("ids"), Int32Array, offs[offs.length - 1]);
        return {
          ...base,
          kind: "token_seq",
          vocab: m.vocab!,
          offsets: offs,
          ids,
          tokens: m.tokens!,
          truncatedCount: m.truncatedCount!,
        };
      }
      case "dense": {
        const dim = m.dim!;
        return {
          ...base,
          kind: "dense",
          dim,
          values: get(key("values"), Float32Array, (numItems + 1) * dim),
          present: get(key("present"), Uint8Array, numItems + 1),
          ...(m.normalisation === undefined ? {} : { normalisation: m.normalisation }),
        };
      }
      default:
        return bad(`modality ${m.name} has unknown kind ${String(m.kind)}`);
    }
  });
  const dataset: Dataset = {
    name: meta.name,
    dir: meta.dir,
    numUsers,
    numItems,
    numInteractions: meta.numInteractions,
    userIds: meta.userIds,
    itemIds: meta.itemIds,
    userIndex: new Map(meta.userIds.map((id, u) => [id, u])),
    itemIndex: new Map(meta.itemIds.slice(1).map((id, i) => [id, i + 1])),
    sequences,
    timestamps,
    modalities,
    users: null,
    files: meta.files,
    notes: [],
  };
  return { dataset, fingerprint: meta.fingerprint };
}
