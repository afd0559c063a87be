/**
 * The interactions as parallel arrays, and the filters applied to them, in
 * order: minimum rating, duplicates, k-core, then the output sort.
 */
export interface Log {
  users: string[];
  items: string[];
  /** NaN when there is no time column. */
  times: number[];
  /** NaN when there is no rating column. */
  ratings: number[];
  /** 1-based input row. */
  rows: number[];
  /** Interned item-side tuple of the row (-1 without item columns). */
  sides: number[];
}

/** Indices of the rows whose rating is at least `min`. */
export function minRating(log: Log, keep: number[], min: number): number[] {
  return keep.filter((i) => (log.ratings[i] as number) >= min);
}

/**
 * Duplicate (user, item, timestamp) rows: `none` keeps them all (RecBole's
 * default), `first` / `last` keep the first / last by input row.
 */
export function dedup(log: Log, keep: number[], mode: "none" | "first" | "last"): number[] {
  if (mode === "none") return keep;
  const chosen = new Map<string, number>();
  for (const i of keep) {
    const key = `${log.users[i]}\u0000${log.items[i]}\u0000${log.times[i]}`;
    if (mode === "last" || !chosen.has(key)) chosen.set(key, i);
  }
  const set = new Set(chosen.values());
  return keep.filter((i) => set.has(i));
}

/** Iterated k-core: drop rows until every user and every item has at least k of them (k ≤ 1: none). */
export function kcore(log: Log, keep: number[], k: number): number[] {
  if (k <= 1) return keep;
  let cur = keep;
  for (;;) {
    const uc = new Map<string, number>();
    const ic = new Map<string, number>();
    for (const i of cur) {
      uc.set(log.users[i] as string, (uc.get(log.users[i] as string) ?? 0) + 1);
      ic.set(log.items[i] as string, (ic.get(log.items[i] as string) ?? 0) + 1);
    }
    const next = cur.filter(
      (i) =>
        (uc.get(log.users[i] as string) as number) >= k &&
        (ic.get(log.items[i] as string) as number) >= k,
    );
    if (next.length === cur.length) return next;
    cur = next;
  }
}

const INT = /^-?\d+$/;

/** Ids in order: integers by value before other text, other text by code point. */
export function compareIds(a: string, b: string): number {
  const ai = INT.test(a);
  const bi = INT.test(b);
  if (ai && bi) {
    const d = BigInt(a) - BigInt(b);
    if (d !== 0n) return d < 0n ? -1 : 1;
  } else if (ai !== bi) return ai ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The output order: user id, then timestamp, then input row (independent of the input's row order but for ties). */
export function sortRows(log: Log, keep: number[]): number[] {
  return [...keep].sort(
    (x, y) =>
      compareIds(log.users[x] as string, log.users[y] as string) ||
      (log.times[x] as number) - (log.times[y] as number) ||
      0 ||
      (log.rows[x] as number) - (log.rows[y] as number),
  );
}
