/**
 * Leave-one-out split of time-ordered user sequences, as in RecBole's
 * `eval_args.split = {LS: "valid_and_test"}` over a user's interactions:
 *
 * - n >= 3: train = items[0 .. n-3] (a prefix of n-2 items); valid target =
 *   items[n-2] with history items[0 .. n-3]; test target = items[n-1] with
 *   history items[0 .. n-2] (the valid target is part of the test history).
 * - n = 2: train = [items[0]], no valid example, test target = items[1] with
 *   history [items[0]].
 * - n = 1: train = [items[0]], no evaluation at all (and no training example,
 *   since a training example needs a history).
 * - n = 0 cannot happen (users exist only through their interactions).
 *
 * This is RecBole's `_split_index_by_leave_one_out` applied to a user's
 * interactions: it leaves out min(2, n - 1) of them, the last one for test and
 * the one before it for validation. (RecBole's SequentialDataset applies the
 * same rule to the n - 1 *augmented prefixes* instead, so there a user with
 * n = 3 gets no valid example and one with n = 2 only trains; the two agree
 * for n >= 4, which holds for every user of the bundled datasets.)
 */

/** A set of evaluation examples (valid or test), one per eligible user. */
export interface EvalSet {
  /** Number of examples. */
  size: number;
  /** User index of each example. */
  users: Int32Array;
  /** Target item index of each example. */
  targets: Int32Array;
  /** Full history (every item before the target, oldest first); views into the sequences. */
  histories: Int32Array[];
}

/**
 * The items seen before example e's target, sorted ascending, no duplicates:
 * the items to exclude from a full ranking when the protocol excludes history.
 * Computed on each call (an evaluation asks once per row), never stored.
 */
export function seenOf(set: { histories: readonly Int32Array[] }, e: number): Int32Array {
  return uniqueSorted(set.histories[e] as Int32Array);
}

/** The result of {@link leaveOneOut}. */
export interface LeaveOneOutSplit {
  /** Per user, the training prefix of the sequence (a view; may be short). */
  train: Int32Array[];
  /** Validation examples (users with n >= 3). */
  valid: EvalSet;
  /** Test examples (users with n >= 2). */
  test: EvalSet;
}

/** Splits each user's sequence leave-one-out (see the module comment for short users). */
export function leaveOneOut(sequences: readonly Int32Array[]): LeaveOneOutSplit {
  const train: Int32Array[] = [];
  const valid: Array<[number, Int32Array, number]> = [];
  const test: Array<[number, Int32Array, number]> = [];
  for (let u = 0; u < sequences.length; u++) {
    const seq = sequences[u] as Int32Array;
    const n = seq.length;
    if (n >= 3) {
      // The train part and the valid history are the same range: one view for both.
      const prefix = seq.subarray(0, n - 2);
      train.push(prefix);
      valid.push([u, prefix, seq[n - 2] as number]);
      test.push([u, seq.subarray(0, n - 1), seq[n - 1] as number]);
    } else if (n === 2) {
      train.push(seq.subarray(0, 1));
      test.push([u, seq.subarray(0, 1), seq[1] as number]);
    } else {
      train.push(seq.subarray(0, n));
    }
  }
  return { train, valid: evalSet(valid), test: evalSet(test) };
}

function evalSet(examples: Array<[number, Int32Array, number]>): EvalSet {
  const size = examples.length;
  const users = new Int32Array(size);
  const targets = new Int32Array(size);
  const histories: Int32Array[] = [];
  for (let e = 0; e < size; e++) {
    const [u, history, target] = examples[e] as [number, Int32Array, number];
    users[e] = u;
    targets[e] = target;
    histories.push(history);
  }
  return { size, users, targets, histories };
}

/** The distinct values of `items`, ascending. */
export function uniqueSorted(items: Int32Array): Int32Array {
  const sorted = Int32Array.from(items).sort();
  let n = 0;
  for (let k = 0; k < sorted.length; k++) {
    if (k === 0 || sorted[k] !== sorted[k - 1]) sorted[n++] = sorted[k] as number;
  }
  return sorted.slice(0, n);
}
