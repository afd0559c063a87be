/**
 * The synthetic catalogue the full-ranking benches share: `items` items with
 * three token modalities besides the ID (20, 1 000 and 50 values) and `users`
 * users with 50 random items each (seed 0).
 */
import type { Dataset } from "../src/data/dataset.js";
import type { Modality } from "../src/data/modality-types.js";
import { Rng } from "../src/util/rng.js";

/** A catalogue of `items` items with three token modalities, and `users` random histories of 50. */
export function catalogue(items: number, users: number): Dataset {
  const rng = new Rng(0);
  const token = (name: string, vocab: number): Modality => ({
    kind: "token",
    name,
    source: "synthetic",
    missingCount: 0,
    vocab,
    ids: Int32Array.from({ length: items + 1 }, (_, i) => (i === 0 ? 0 : 1 + rng.int(vocab))),
    tokens: ["[PAD]", ...Array.from({ length: vocab }, (_, v) => `${name}${v}`)],
  });
  const sequences = Array.from({ length: users }, () =>
    Int32Array.from({ length: 50 }, () => 1 + rng.int(items)),
  );
  const userIds = sequences.map((_, u) => String(u + 1));
  const itemIds = Array.from({ length: items + 1 }, (_, i) => (i === 0 ? "[PAD]" : String(i)));
  return {
    name: "synthetic",
    dir: "(memory)",
    numUsers: users,
    numItems: items,
    numInteractions: users * 50,
    userIds,
    itemIds,
    userIndex: new Map(userIds.map((id, u) => [id, u])),
    itemIndex: new Map(itemIds.map((id, i) => [id, i])),
    sequences,
    timestamps: null,
    modalities: [token("genre", 20), token("brand", 1000), token("year", 50)],
    users: null,
    files: [],
    notes: [],
  };
}
