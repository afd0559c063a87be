/**
 * ComiRec's user split (Cen et al., KDD 2020, `preprocess/data.py` and
 * `src/data_iterator.py`): users, not interactions, are held out.
 *
 * - The user indices, ordered by user id (string order, so the split does not
 *   depend on the row order of the data files), are shuffled with an
 *   {@link Rng} seeded by `splitSeed`; of n users the first ⌊0.8 n⌋ train,
 *   the next ⌊0.9 n⌋ − ⌊0.8 n⌋ validate and the last n − ⌊0.9 n⌋ test, as
 *   ComiRec's `user_list[:n1]`, `[n1:n2]`, `[n2:]`.
 * - A training user's whole sequence is its training part: every prefix is
 *   one training example, as under leave-one-out.
 * - A validation or test user with n interactions gives one example: the
 *   first k = ⌊0.8 n⌋ items are the model's input, items k..n−1 are all
 *   targets (distinct; ComiRec's `k = int(len(item_list) * 0.8)`). Flooring
 *   keeps n − k ≥ ⌈0.2 n⌉ ≥ 1 targets, and k ≥ 1 whenever n ≥ 2.
 * - A held-out user with a single interaction has no input to rank from: it
 *   is skipped (no example, no training) and counted in `skipped`.
 */
import { Rng } from "../util/rng.js";
import { uniqueSorted } from "./split.js";

/** Validation or test examples with several targets each: one per held-out user. */
export interface MultiTargetSet {
  /** Number of examples. */
  size: number;
  /** User index of each example. */
  users: Int32Array;
  /**
   * The model's input: the first ⌊0.8 n⌋ items, oldest first (views into the
   * sequences). Its distinct items, excluded from the ranking unless a target,
   * are `seenOf(set, e)` (split.ts), computed when asked.
   */
  histories: Int32Array[];
  /** The distinct items of the rest of the sequence, ascending. */
  targets: Int32Array[];
}

/** The value {@link UserSplit.groups} holds for each part. */
export const USER_GROUP = { train: 0, valid: 1, test: 2 } as const;

/** The result of {@link userSplit}. */
export interface UserSplit {
  /** Per user, its training part: the whole sequence for training users, empty otherwise. */
  train: Int32Array[];
  valid: MultiTargetSet;
  test: MultiTargetSet;
  /** Per user index, its part ({@link USER_GROUP}). */
  groups: Uint8Array;
  /** Held-out users skipped for having fewer than 2 interactions. */
  skipped: { valid: number; test: number };
}

/** The input length ⌊0.8 n⌋ of a held-out sequence of n items, in exact integer arithmetic. */
export function inputLength(n: number): number {
  return (4 * n - ((4 * n) % 5)) / 5;
}

/** The sizes ComiRec gives the three groups of n users: ⌊0.8 n⌋, ⌊0.9 n⌋ − ⌊0.8 n⌋, rest. */
export function groupSizes(n: number): { train: number; valid: number; test: number } {
  const n1 = (8 * n - ((8 * n) % 10)) / 10;
  const n2 = (9 * n - ((9 * n) % 10)) / 10;
  return { train: n1, valid: n2 - n1, test: n - n2 };
}

/**
 * The user group of each user index: the indices ordered by `userIds`
 * (code-unit order), shuffled by `Rng(splitSeed)`, cut 8:1:1.
 */
export function assignGroups(userIds: readonly string[], splitSeed: number): Uint8Array {
  const n = userIds.length;
  const order = Array.from({ length: n }, (_, u) => u).sort((a, b) => {
    const x = userIds[a] as string;
    const y = userIds[b] as string;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const perm = Int32Array.from(order);
  new Rng(splitSeed).shuffle(perm);
  const sizes = groupSizes(n);
  const groups = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    groups[perm[p] as number] =
      p < sizes.train
        ? USER_GROUP.train
        : p < sizes.train + sizes.valid
          ? USER_GROUP.valid
          : USER_GROUP.test;
  }
  return groups;
}

/** Each user's group as the run drew it over its own users; a user it never saw is a test user. */
function groupsOfTrained(
  userIds: readonly string[],
  trainedUserIds: readonly string[],
  splitSeed: number,
): Uint8Array {
  const drawn = assignGroups(trainedUserIds, splitSeed);
  const groupOf = new Map(trainedUserIds.map((id, u) => [id, drawn[u] as number]));
  return Uint8Array.from(userIds, (id) => groupOf.get(id) ?? USER_GROUP.test);
}

/** Splits users 8:1:1 and each held-out sequence 80/20 (see the module comment). */
export function userSplit(
  sequences: readonly Int32Array[],
  userIds: readonly string[],
  splitSeed: number,
  /**
   * The users a run was trained on: their groups are drawn over these ids
   * instead, and a user of `userIds` the run never saw is a test user. So
   * evaluating other data (`evaluate --data`) never tests a user the run
   * trained on.
   */
  trainedUserIds?: readonly string[],
): UserSplit {
  if (userIds.length !== sequences.length) {
    throw new Error(`userSplit: ${sequences.length} sequences but ${userIds.length} user ids`);
  }
  const groups =
    trainedUserIds === undefined
      ? assignGroups(userIds, splitSeed)
      : groupsOfTrained(userIds, trainedUserIds, splitSeed);
  const train: Int32Array[] = [];
  const held: [number[], number[]] = [[], []];
  const skipped = { valid: 0, test: 0 };
  for (let u = 0; u < sequences.length; u++) {
    const seq = sequences[u] as Int32Array;
    const g = groups[u] as number;
    if (g === USER_GROUP.train) {
      train.push(seq);
      continue;
    }
    train.push(seq.subarray(0, 0));
    const valid = g === USER_GROUP.valid;
    if (seq.length < 2) skipped[valid ? "valid" : "test"]++;
    else held[valid ? 0 : 1].push(u);
  }
  return {
    train,
    valid: multiTargetSet(sequences, held[0]),
    test: multiTargetSet(sequences, held[1]),
    groups,
    skipped,
  };
}

function multiTargetSet(
  sequences: readonly Int32Array[],
  users: readonly number[],
): MultiTargetSet {
  const histories: Int32Array[] = [];
  const targets: Int32Array[] = [];
  for (const u of users) {
    const seq = sequences[u] as Int32Array;
    const k = inputLength(seq.length);
    histories.push(seq.subarray(0, k));
    targets.push(uniqueSorted(seq.subarray(k)));
  }
  return { size: users.length, users: Int32Array.from(users), histories, targets };
}
