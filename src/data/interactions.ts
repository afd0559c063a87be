import { UserError } from "../util/errors.js";
import { optionalColumn, requireColumn } from "./atomic/reader.js";
import type { AtomicTable } from "./atomic/types.js";

/** The raw id string standing for item index 0 (padding). */
export const PAD_ITEM = "[PAD]";

/** Options of {@link buildInteractions}. */
export interface InteractionOptions {
  /** Keep only users and items with at least `kcore` interactions, iterated to a fixed point. */
  kcore?: number;
  /** Item ids that exist in `.item`; with `strictItems` any other id in `.inter` is an error. */
  knownItems?: ReadonlyMap<string, number>;
  /** Make an `.inter` item missing from `.item` an error (default false, as RecBole). */
  strictItems?: boolean;
  /**
   * Keep the timestamps once the sequences are ordered by them (default true).
   * Training reads only the order: without them a log holds 8 B less per interaction.
   */
  keepTimestamps?: boolean;
}

/** Users, items and per-user sequences built from a `.inter` table. */
export interface Interactions {
  /** Raw user ids; user index u is `userIds[u]`, 0..numUsers-1. */
  userIds: string[];
  /** Raw item ids; index 0 is {@link PAD_ITEM}, real items are 1..numItems. */
  itemIds: string[];
  /** Raw user id to user index. */
  userIndex: Map<string, number>;
  /** Raw item id to item index (never 0). */
  itemIndex: Map<string, number>;
  /** Per user, item indices ordered by timestamp, ties kept in file order. */
  sequences: Int32Array[];
  /** Per user, the timestamps matching `sequences`; null without a timestamp column or `keepTimestamps`. */
  timestamps: Float64Array[] | null;
  /** Interactions kept (after k-core). */
  numInteractions: number;
  /** Interactions removed by k-core filtering. */
  removedByKcore: number;
}

/**
 * Builds the user and item index spaces and the time-ordered sequences from a
 * `.inter` table (`user_id:token`, `item_id:token`, optional `timestamp:float`
 * and `rating:float`). Users and items are numbered in order of first appearance
 * among the kept rows. Empty ids or timestamps are errors at file:line:column.
 */
export function buildInteractions(
  table: AtomicTable,
  options: InteractionOptions = {},
): Interactions {
  const users = requireColumn(table, "user_id", "token");
  const items = requireColumn(table, "item_id", "token");
  const times = optionalColumn(table, "timestamp", "float");
  optionalColumn(table, "rating", "float");
  const n = table.rows;
  const place = (row: number, column: number) => ({
    file: table.file,
    line: table.lines[row] as number,
    column,
  });
  for (let r = 0; r < n; r++) {
    if (users.values[r] === "") throw new UserError("expected a user id", place(r, users.column));
    const item = items.values[r] as string;
    if (item === "") throw new UserError("expected an item id", place(r, items.column));
    if (times !== undefined && Number.isNaN(times.values[r])) {
      throw new UserError("expected a timestamp", place(r, times.column));
    }
    if (options.strictItems === true && options.knownItems && !options.knownItems.has(item)) {
      throw new UserError(
        `item id "${item}" is not in the .item file (strictItems is on)`,
        place(r, items.column),
      );
    }
  }
  const keep = kcoreMask(users.values, items.values, options.kcore ?? 0);

  const userIds: string[] = [];
  const itemIds: string[] = [PAD_ITEM];
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const rowUser = new Int32Array(n);
  const rowItem = new Int32Array(n);
  const counts: number[] = [];
  let kept = 0;
  for (let r = 0; r < n; r++) {
    if (keep[r] === 0) continue;
    kept++;
    const uid = users.values[r] as string;
    let u = userIndex.get(uid);
    if (u === undefined) {
      u = userIds.length;
      userIndex.set(uid, u);
      userIds.push(uid);
      counts.push(0);
    }
    const iid = items.values[r] as string;
    let i = itemIndex.get(iid);
    if (i === undefined) {
      i = itemIds.length;
      itemIndex.set(iid, i);
      itemIds.push(iid);
    }
    rowUser[r] = u;
    rowItem[r] = i;
    counts[u] = (counts[u] as number) + 1;
  }

  // Bucket rows by user in file order, then stable-sort each bucket by time.
  const offsets = new Int32Array(userIds.length + 1);
  for (let u = 0; u < userIds.length; u++) {
    offsets[u + 1] = (offsets[u] as number) + (counts[u] as number);
  }
  const fill = offsets.slice(0, userIds.length);
  const rowsByUser = new Int32Array(kept);
  for (let r = 0; r < n; r++) {
    if (keep[r] === 0) continue;
    const u = rowUser[r] as number;
    rowsByUser[fill[u] as number] = r;
    fill[u] = (fill[u] as number) + 1;
  }
  const allItems = new Int32Array(kept);
  const allTimes =
    times === undefined || options.keepTimestamps === false ? null : new Float64Array(kept);
  const sequences: Int32Array[] = [];
  const timestamps: Float64Array[] | null = allTimes === null ? null : [];
  for (let u = 0; u < userIds.length; u++) {
    const start = offsets[u] as number;
    const end = offsets[u + 1] as number;
    let rows = Array.from(rowsByUser.subarray(start, end));
    if (times !== undefined) rows = stableSortByTime(rows, times.values);
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k] as number;
      allItems[start + k] = rowItem[r] as number;
      if (allTimes !== null && times !== undefined) allTimes[start + k] = times.values[r] as number;
    }
    sequences.push(allItems.subarray(start, end));
    if (timestamps !== null && allTimes !== null) timestamps.push(allTimes.subarray(start, end));
  }
  return {
    userIds,
    itemIds,
    userIndex,
    itemIndex,
    sequences,
    timestamps,
    numInteractions: kept,
    removedByKcore: n - kept,
  };
}

/** Sorts row numbers by time; rows with equal times keep their (file) order. */
function stableSortByTime(rows: number[], time: Float64Array): number[] {
  let sorted = true;
  for (let k = 1; k < rows.length && sorted; k++) {
    if ((time[rows[k] as number] as number) < (time[rows[k - 1] as number] as number)) {
      sorted = false;
    }
  }
  if (sorted) return rows;
  // Array.prototype.sort is stable (ES2019), so ties stay in file order.
  return rows.sort((a, b) => (time[a] as number) - (time[b] as number));
}

/**
 * Marks the rows that survive k-core filtering: repeatedly drop rows whose user
 * or item has fewer than `k` remaining rows, until nothing changes. `k <= 1`
 * keeps everything.
 */
export function kcoreMask(
  users: readonly string[],
  items: readonly string[],
  k: number,
): Uint8Array {
  if (!Number.isInteger(k) || k < 0) {
    throw new UserError(`expected kcore to be a non-negative integer, found ${k}`);
  }
  const n = users.length;
  const keep = new Uint8Array(n).fill(1);
  if (k <= 1) return keep;
  const u = denseIds(users);
  const it = denseIds(items);
  const uc = new Int32Array(u.count);
  const ic = new Int32Array(it.count);
  for (let r = 0; r < n; r++) {
    uc[u.ids[r] as number]++;
    ic[it.ids[r] as number]++;
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (let r = 0; r < n; r++) {
      if (keep[r] === 0) continue;
      const a = u.ids[r] as number;
      const b = it.ids[r] as number;
      if ((uc[a] as number) < k || (ic[b] as number) < k) {
        keep[r] = 0;
        uc[a]--;
        ic[b]--;
        changed = true;
      }
    }
  }
  return keep;
}

function denseIds(values: readonly string[]): { ids: Int32Array; count: number } {
  const map = new Map<string, number>();
  const ids = new Int32Array(values.length);
  for (let r = 0; r < values.length; r++) {
    const v = values[r] as string;
    let id = map.get(v);
    if (id === undefined) {
      id = map.size;
      map.set(v, id);
    }
    ids[r] = id;
  }
  return { ids, count: map.size };
}
