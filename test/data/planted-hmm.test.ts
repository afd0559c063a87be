import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generatePlanted } from "../../src/data/planted.js";
import {
  emissionProb,
  forward,
  MatchCounts,
  states,
  stepProfile,
  transition,
} from "../../src/data/planted-hmm.js";

describe("planted generator as a hidden Markov chain", () => {
  const data = generatePlanted({ users: 50, items: 120, seed: 3 });
  const counts = new MatchCounts(data);

  it("enumerates states and switches with rows that sum to one", () => {
    const preferred = [[1, 4], [2], [0, 3]];
    const all = states(preferred);
    assert.equal(all.length, 4);
    assert.deepEqual(all[0], [1, 2, 0]);
    for (const a of all) {
      const total = all.reduce((acc, b) => acc + transition(a, b, preferred, 0.1), 0);
      assert.ok(Math.abs(total - 1) < 1e-12);
    }
    // Both switching modalities keep their cluster: 0.9 * 0.9.
    assert.ok(Math.abs(transition(all[0]!, all[0]!, preferred, 0.1) - 0.81) < 1e-12);
  });

  it("gives every state a proper distribution over the items", () => {
    const mods = [0, 2];
    for (const s of states([
      [0, 5],
      [1, 7],
    ])) {
      let total = 0;
      for (let i = 1; i <= data.numItems; i++) total += emissionProb(data, counts, i, mods, s);
      assert.ok(Math.abs(total - 1) < 1e-9, `state ${s}: ${total}`);
    }
  });

  it("forward: with one fixed state the likelihood is the product of emissions", () => {
    const u = data.profiles.findIndex((p) => p.preferred.every((c) => c.length === 1));
    assert.ok(u >= 0, "a user with one preferred cluster per POI modality");
    const { modalities, preferred } = data.profiles[u]!;
    const items = data.sequences[u]!;
    const s = preferred.map((c) => c[0]!);
    const expected = Array.from(items).reduce(
      (acc, i) => acc + Math.log(emissionProb(data, counts, i, modalities, s)),
      0,
    );
    const { alpha, logLik } = forward(data, counts, modalities, preferred, items);
    assert.ok(Math.abs(logLik - expected) < 1e-9);
    assert.deepEqual(Array.from(alpha), [1]);
  });

  it("forward: the user's own profile explains his items better than another's", () => {
    let better = 0;
    for (let u = 0; u < data.numUsers; u++) {
      const own = data.profiles[u]!;
      const other = data.profiles[(u + 1) % data.numUsers]!;
      const items = data.sequences[u]!;
      const a = forward(data, counts, own.modalities, own.preferred, items).logLik;
      const b = forward(data, counts, other.modalities, other.preferred, items).logLik;
      if (a > b) better++;
    }
    assert.ok(better >= 45, `own profile more likely for ${better} of 50 users`);
    // One switching step keeps a distribution.
    const p = data.profiles.find((q) => q.preferred.some((c) => c.length === 2))!;
    const f = forward(data, counts, p.modalities, p.preferred, data.sequences[0]!);
    const next = stepProfile(data, f.alpha, f.all, p.preferred);
    assert.ok(Math.abs(next.reduce((x, y) => x + y, 0) - 1) < 1e-9);
  });
});
