import { readdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { UserError } from "../util/errors.js";
import { readAtomicFile, readAtomicHeader, requireColumn } from "./atomic/reader.js";
import type { AtomicTable } from "./atomic/types.js";
import { buildInteractions } from "./interactions.js";
import { type KnowledgeGraph, loadKnowledgeGraph } from "./kg.js";
import { buildModalities, type DenseSideFile } from "./modalities.js";
import type { Modality, ModalityOptions } from "./modality-types.js";

/** Options of {@link loadDataset}. */
export interface DatasetOptions {
  /** An `.inter` item missing from `.item` is an error (default false: it just has no side data). */
  strictItems?: boolean;
  /** Iterated k-core filter on users and items (default: none). */
  kcore?: number;
  /** Which modalities to build and how. */
  modalities?: ModalityOptions;
  /** Longest accepted line in any file, in bytes (default 16 MiB). */
  maxLineBytes?: number;
  /** Read only `NAME.inter` (no modalities): enough to map interactions onto a trained run. */
  interactionsOnly?: boolean;
  /** Keep per-interaction timestamps after ordering by them (default true; training does not). */
  keepTimestamps?: boolean;
}

/** A loaded dataset: index spaces, time-ordered sequences and item modalities. */
export interface Dataset {
  /** The folder's basename; files are `NAME.inter`, `NAME.item`, ... */
  name: string;
  /** The folder as given. */
  dir: string;
  numUsers: number;
  /** Real items are 1..numItems; index 0 is padding. */
  numItems: number;
  numInteractions: number;
  /** Raw user id of user index u (0..numUsers-1). */
  userIds: string[];
  /** Raw item id of item index i; `itemIds[0]` is "[PAD]". */
  itemIds: string[];
  userIndex: Map<string, number>;
  itemIndex: Map<string, number>;
  /** Per user, item indices ordered by timestamp (ties in file order). */
  sequences: Int32Array[];
  /** Per user, timestamps matching `sequences` (null without a timestamp column or `keepTimestamps`). */
  timestamps: Float64Array[] | null;
  /** Item modalities, each indexed by item index. */
  modalities: Modality[];
  /** The parsed `.user` file, if any (validated, not yet used as features). */
  users: AtomicTable | null;
  /** The files read, as paths. */
  files: string[];
  /** Things worth telling the user (ignored files, dropped modalities, k-core effect). */
  notes: string[];
}

/** The error for a user id the dataset does not have, with a few ids it does have as a hint. */
export function unknownUser(ds: Dataset, userId: string): UserError {
  const some = ds.userIds
    .slice(0, 3)
    .map((id) => JSON.stringify(id))
    .join(", ");
  return new UserError(
    `unknown user ${JSON.stringify(userId)} in ${ds.name} (its ${ds.numUsers} user ids are like ${some})`,
  );
}

const KNOWN_SUFFIXES = new Set(["inter", "item", "user", "kg", "link"]);

/**
 * Loads the RecBole atomic files of a dataset folder: `NAME.inter` (required),
 * `NAME.item`, `NAME.user`, `NAME.kg` + `NAME.link`, and any `NAME.<suffix>`
 * whose header is `item_id:token` plus one `float_seq` column (a dense
 * modality named `<suffix>`). Other files are ignored and listed in `notes`.
 * Items are those that occur in `.inter` (after k-core). Every problem the user
 * can fix is a {@link UserError} naming the file, line and column.
 */
export async function loadDataset(dir: string, options: DatasetOptions = {}): Promise<Dataset> {
  const entries = await listFolder(dir);
  const name = basename(resolve(dir));
  const path = (suffix: string) => join(dir, `${name}.${suffix}`);
  const has = (suffix: string) => entries.has(`${name}.${suffix}`);
  const lineOpt = options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes };
  const files: string[] = [];
  const notes: string[] = [];

  if (!has("inter")) {
    throw new UserError(
      `expected the interactions file ${name}.inter in the dataset folder (files are named after the folder)`,
      { file: path("inter") },
    );
  }

  const only = options.interactionsOnly === true;
  let itemTable: AtomicTable | undefined;
  let itemRow: Map<string, number> | undefined;
  if (has("item") && !only) {
    itemTable = await readAtomicFile(path("item"), {
      required: [{ name: "item_id", type: "token" }],
      ...lineOpt,
    });
    itemRow = uniqueIds(itemTable, "item_id");
    files.push(path("item"));
  }

  const interTable = await readAtomicFile(path("inter"), {
    required: [
      { name: "user_id", type: "token" },
      { name: "item_id", type: "token" },
    ],
    ...lineOpt,
  });
  files.push(path("inter"));
  const inter = buildInteractions(interTable, {
    ...(options.kcore === undefined ? {} : { kcore: options.kcore }),
    ...(itemRow === undefined ? {} : { knownItems: itemRow }),
    strictItems: options.strictItems ?? false,
    keepTimestamps: options.keepTimestamps ?? true,
  });
  if (inter.removedByKcore > 0) {
    notes.push(`${options.kcore}-core filtering removed ${inter.removedByKcore} interactions`);
  }

  let users: AtomicTable | null = null;
  if (has("user") && !only) {
    users = await readAtomicFile(path("user"), {
      required: [{ name: "user_id", type: "token" }],
      ...lineOpt,
    });
    uniqueIds(users, "user_id");
    files.push(path("user"));
  }

  let kg: KnowledgeGraph | undefined;
  if (has("kg") !== has("link") && !only) {
    const [present, missing] = has("kg") ? ["kg", "link"] : ["link", "kg"];
    throw new UserError(
      `found ${name}.${present} but not ${name}.${missing}; a knowledge graph needs both`,
      { file: path(missing) },
    );
  }
  if (has("kg") && !only) {
    kg = await loadKnowledgeGraph(path("kg"), path("link"), options.maxLineBytes);
    files.push(path("link"), path("kg"));
  }

  const dense: DenseSideFile[] = [];
  const others = only ? [] : [...entries].filter((f) => f.startsWith(`${name}.`)).sort();
  for (const fileName of others) {
    const suffix = fileName.slice(name.length + 1);
    if (KNOWN_SUFFIXES.has(suffix)) continue;
    const file = join(dir, fileName);
    const side = await readDenseSideFile(file, suffix, inter.itemIds, lineOpt);
    if (typeof side === "string") {
      notes.push(`ignored ${fileName}: ${side}`);
      continue;
    }
    dense.push(side);
    files.push(file);
  }

  const rowOf = new Int32Array(inter.itemIds.length).fill(-1);
  if (itemRow !== undefined) {
    for (let i = 1; i < inter.itemIds.length; i++) {
      rowOf[i] = itemRow.get(inter.itemIds[i] as string) ?? -1;
    }
  }
  const modalities = only
    ? []
    : buildModalities(
        {
          name,
          itemIds: inter.itemIds,
          ...(itemTable === undefined ? {} : { items: { table: itemTable, rowOf } }),
          dense,
          ...(kg === undefined ? {} : { kg }),
        },
        options.modalities ?? {},
        notes,
      );

  return {
    name,
    dir,
    numUsers: inter.userIds.length,
    numItems: inter.itemIds.length - 1,
    numInteractions: inter.numInteractions,
    userIds: inter.userIds,
    itemIds: inter.itemIds,
    userIndex: inter.userIndex,
    itemIndex: inter.itemIndex,
    sequences: inter.sequences,
    timestamps: inter.timestamps,
    modalities,
    users,
    files,
    notes,
  };
}

/** Names of the entries of `dir`; {@link UserError} if it is not a readable folder. */
async function listFolder(dir: string): Promise<Set<string>> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      code === "ENOENT"
        ? "expected a dataset folder, but there is no such file or directory"
        : `cannot read dataset folder: ${(e as Error).message}`,
      { file: dir },
    );
  }
  if (!st.isDirectory()) {
    throw new UserError("expected a dataset folder, found a file", { file: dir });
  }
  return new Set(await readdir(dir));
}

/**
 * Map from id to row for a table's `idField` column; an empty or repeated id is
 * a {@link UserError} at file:line:column.
 */
export function uniqueIds(table: AtomicTable, idField: string): Map<string, number> {
  const col = requireColumn(table, idField, "token");
  const rows = new Map<string, number>();
  for (let r = 0; r < table.rows; r++) {
    const id = col.values[r] as string;
    const place = { file: table.file, line: table.lines[r] as number, column: col.column };
    if (id === "") throw new UserError(`expected ${idField}`, place);
    const first = rows.get(id);
    if (first !== undefined) {
      throw new UserError(
        `duplicate ${idField} "${id}" (first on line ${table.lines[first]})`,
        place,
      );
    }
    rows.set(id, r);
  }
  return rows;
}

/**
 * Reads `NAME.<suffix>` as a dense side file if its header is `item_id:token`
 * plus one `float_seq` column; otherwise returns the reason it is not one.
 */
async function readDenseSideFile(
  file: string,
  suffix: string,
  itemIds: readonly string[],
  lineOpt: { maxLineBytes?: number },
): Promise<DenseSideFile | string> {
  let header: Awaited<ReturnType<typeof readAtomicHeader>>;
  try {
    header = await readAtomicHeader(file, lineOpt);
  } catch (e) {
    if (e instanceof UserError) return `not an atomic file (${e.message})`;
    throw e;
  }
  const idOk = header.some((f) => f.name === "item_id" && f.type === "token");
  const vec = header.filter((f) => f.type === "float_seq");
  if (!idOk || vec.length !== 1 || header.length !== 2) {
    return "not a dense item feature file (expected header item_id:token plus one float_seq column)";
  }
  const table = await readAtomicFile(file, lineOpt);
  const rows = uniqueIds(table, "item_id");
  const rowOf = new Int32Array(itemIds.length).fill(-1);
  for (let i = 1; i < itemIds.length; i++) rowOf[i] = rows.get(itemIds[i] as string) ?? -1;
  const column = requireColumn(table, (vec[0] as { name: string }).name, "float_seq");
  return { suffix, table, rowOf, column };
}
