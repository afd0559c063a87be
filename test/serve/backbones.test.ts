import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { explainUser } from "../../src/demure/explain.js";
import { DemureRecommender } from "../../src/demure/recommender.js";
import { BACKBONE_NAMES } from "../../src/models/backbones/registry.js";
import { buildServer } from "../../src/serve/server.js";
import { recommendForUser } from "../../src/train/run.js";
import { trainedRun } from "./fixture.js";

/**
 * recommend, explain, the API and the page's data work for every registered
 * backbone, single- and multi-interest, through the same registry entry the
 * trainer used: nothing in serve knows one backbone from another.
 */
describe("every backbone serves", () => {
  for (const model of BACKBONE_NAMES) {
    test(`${model}: recommendations, a session, POI weights and an explanation`, async () => {
      const run = await trainedRun("demure", model);
      const app = buildServer(run);
      try {
        const u = run.dataset.userIds[3]!;
        const seen = new Set(Array.from(run.dataset.sequences[3]!, (i) => run.dataset.itemIds[i]!));
        const res = await app.inject(`/users/${u}/recommendations?k=5`);
        assert.equal(res.statusCode, 200, res.body);
        const items = res.json().items as Array<{ item: string; score: number }>;
        assert.equal(items.length, 5);
        for (const it of items) {
          assert.ok(Number.isFinite(it.score), `${model}: score ${it.score}`);
          assert.ok(!seen.has(it.item), `${model}: recommended an item the user saw`);
        }
        for (let i = 1; i < items.length; i++) assert.ok(items[i - 1]!.score >= items[i]!.score);
        // The server ranks exactly as the library does.
        assert.deepEqual(
          items.map((i) => i.item),
          recommendForUser(run, u, 5).map((r) => r.item),
        );
        const session = await app.inject({
          method: "POST",
          url: "/recommendations",
          payload: { items: ["1", "2", "3"], k: 4 },
        });
        assert.equal(session.statusCode, 200, session.body);
        assert.equal(session.json().items.length, 4);
        const poi = await app.inject(`/users/${u}/poi`);
        assert.equal(poi.statusCode, 200, poi.body);
        assert.ok(run.model instanceof DemureRecommender);
        const e = explainUser(run.model, run.dataset, u, run.config.maxLength);
        const sum = e.modalities.reduce((s, w) => s + w.weight, 0);
        assert.ok(Math.abs(sum - 1) < 1e-4, `${model}: POI weights sum to ${sum}`);
      } finally {
        await app.close();
      }
    });
  }
});
