import type { Dataset } from "./dataset.js";

/** What mapping another data folder onto a run's vocabulary kept and dropped. */
export interface RemapReport {
  users: number;
  interactions: number;
  /** Interactions whose item the run's catalogue has (the rest are dropped). */
  mapped_interactions: number;
  /** Distinct item ids the run's catalogue does not have. */
  unknown_items: number;
  /** A few of them, for the message. */
  unknown_examples: string[];
  /** Users with no interaction left after dropping unknown items. */
  users_left_empty: number;
}

/**
 * The interactions of `other` in the item index space of `trained`, matched by
 * raw item id (never by position): the catalogue and modalities stay the
 * trained ones; users and sequences come from `other`, with items the
 * catalogue lacks dropped and counted.
 */
export function remapOnto(
  trained: Dataset,
  other: Dataset,
): { dataset: Dataset; report: RemapReport } {
  const toTrained = new Int32Array(other.numItems + 1);
  const unknown: string[] = [];
  for (let i = 1; i <= other.numItems; i++) {
    const id = other.itemIds[i]!;
    const j = trained.itemIndex.get(id);
    if (j === undefined) unknown.push(id);
    toTrained[i] = j ?? 0;
  }
  let mapped = 0;
  let empty = 0;
  const timestamps: Float64Array[] | null = other.timestamps === null ? null : [];
  const sequences = other.sequences.map((seq, u) => {
    const keep: number[] = [];
    for (let k = 0; k < seq.length; k++) if (toTrained[seq[k]!] !== 0) keep.push(k);
    mapped += keep.length;
    if (keep.length === 0) empty++;
    const times = other.timestamps?.[u];
    if (timestamps !== null && times !== undefined)
      timestamps.push(Float64Array.from(keep, (k) => times[k]!));
    return Int32Array.from(keep, (k) => toTrained[seq[k]]!);
  });
  const dataset: Dataset = {
    ...trained,
    dir: other.dir,
    numUsers: other.numUsers,
    numInteractions: mapped,
    userIds: other.userIds,
    userIndex: other.userIndex,
    sequences,
    timestamps,
    files: other.files,
    notes: [...other.notes],
  };
  const report: RemapReport = {
    users: other.numUsers,
    interactions: other.numInteractions,
    mapped_interactions: mapped,
    unknown_items: unknown.length,
    unknown_examples: unknown.slice(0, 5),
    users_left_empty: empty,
  };
  return { dataset, report };
}

/** One line for people: what was mapped, and what could not be. */
export function describeRemap(r: RemapReport): string {
  const dropped = r.interactions - r.mapped_interactions;
  if (dropped === 0)
    return `mapped all ${r.interactions} interactions of ${r.users} users onto the run's items by id`;
  const some = r.unknown_examples.map((id) => JSON.stringify(id)).join(", ");
  return (
    `mapped ${r.mapped_interactions} of ${r.interactions} interactions onto the run's items by id; ` +
    `dropped ${dropped} with ${r.unknown_items} item ids the run was not trained on (e.g. ${some})` +
    (r.users_left_empty > 0 ? `; ${r.users_left_empty} users have no known item left` : "")
  );
}
