import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generatePlanted, type PlantedData } from "../../src/data/planted.js";
import { coherence, type ModalityView, meanPoiAuc, tokenView } from "../../src/eval/index.js";

/** The planted item file's tokens as token views (ids 1..K, 0 = padding). */
function views(d: PlantedData): ModalityView[] {
  const M = d.numModalities;
  return Array.from({ length: M }, (_, m) =>
    tokenView(
      Array.from({ length: d.numItems + 1 }, (_, i) => (i === 0 ? 0 : d.itemTokens[i * M + m] + 1)),
    ),
  );
}

function heuristicAuc(confounding: number): number {
  const d = generatePlanted({ users: 300, seed: 5, confounding });
  const c = coherence(views(d), d.sequences, { seed: 1 });
  const r = meanPoiAuc(c, { data: d.isPoi, rows: d.numUsers, cols: d.numModalities });
  assert.equal(r.users, 300);
  return r.auc;
}

describe("coherence heuristic on planted data (DEMURE.md, the floor)", () => {
  it("is near-perfect without confounding and misled by it", () => {
    const clean = heuristicAuc(0);
    const confounded = heuristicAuc(0.8);
    assert.ok(clean > 0.95, `no confounding: ${clean}`);
    assert.ok(confounded < clean - 0.05, `confounding 0.8: ${confounded} vs ${clean}`);
  });
});
