import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import * as demure from "../../src/index.js";
import { buildServer } from "../../src/serve/server.js";
import { assertProblem } from "./assert-problem.js";
import { postRecommendations, trainedRun } from "./fixture.js";

let app: FastifyInstance;
let idApp: FastifyInstance;

before(async () => {
  app = buildServer(await trainedRun("demure"));
  idApp = buildServer(await trainedRun("id"));
});
after(async () => {
  await app.close();
  await idApp.close();
});

describe("HTTP API", () => {
  test("GET /health", async () => {
    const res = await app.inject("/health");
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, "ok");
    assert.equal(res.json().variant, "demure");
  });
  test("GET /users/:id/recommendations: k items, none already seen", async () => {
    const res = await app.inject("/users/3/recommendations?k=5");
    assert.equal(res.statusCode, 200);
    const items = res.json().items as Array<{ item: string; score: number }>;
    assert.equal(items.length, 5);
    for (let i = 1; i < items.length; i++) assert.ok(items[i - 1]!.score >= items[i]!.score);
  });
  test("recommendations: k=0, k=10^9, k=abc, unknown user", async () => {
    assertProblem(await app.inject("/users/3/recommendations?k=0"), 400);
    assertProblem(await app.inject("/users/3/recommendations?k=1000000000"), 400);
    assertProblem(await app.inject("/users/3/recommendations?k=abc"), 400);
    assertProblem(await app.inject("/users/3/recommendations?k=3&extra=1"), 400);
    assertProblem(await app.inject("/users/nobody/recommendations"), 404);
    assertProblem(await app.inject(`/users/${"x".repeat(300)}/recommendations`), 414);
    assertProblem(await app.inject("/users/%00%2F..%2F/recommendations"), 404);
  });
  test("POST /recommendations for an ad-hoc session", async () => {
    const ok = await app.inject({
      method: "POST",
      url: "/recommendations",
      payload: { items: ["1", "2", "3"], k: 4 },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().items.length, 4);
    for (const it of ok.json().items) assert.ok(!["1", "2", "3"].includes(it.item));
  });
  test("POST /recommendations: bad bodies", async () => {
    const post = (payload: string, type?: string) => postRecommendations(app, payload, type);
    assertProblem(await post("{not json"), 400);
    assertProblem(await post(JSON.stringify({ items: [] })), 400);
    assertProblem(await post(JSON.stringify({ items: ["1"], k: 0 })), 400);
    assertProblem(await post(JSON.stringify({ items: ["no-such-item"] })), 400);
    assertProblem(await post(JSON.stringify({ items: "1" })), 400);
    assertProblem(await post(JSON.stringify({ items: ["1"], extra: true })), 400);
    assertProblem(await post("items=1", "text/plain"), 415);
    assertProblem(await post("items=1", "application/x-www-form-urlencoded"), 415);
    assertProblem(await post(JSON.stringify({ items: Array(20000).fill("1") })), 413);
  });
  test("GET /users/:id/poi: weights over modalities; 409 on a run without POI", async () => {
    const res = await app.inject("/users/3/poi");
    assert.equal(res.statusCode, 200);
    const mods = res.json().modalities as Array<{ modality: string; weight: number }>;
    assert.ok(mods.length >= 2);
    assert.ok(Math.abs(mods.reduce((s, m) => s + m.weight, 0) - 1) < 1e-4);
    assertProblem(await app.inject("/users/nobody/poi"), 404);
    assertProblem(await idApp.inject("/users/3/poi"), 409);
  });
  test("GET /runs/poi: every user's weights summarised per modality; 409 without POI", async () => {
    const res = await app.inject("/runs/poi");
    assert.equal(res.statusCode, 200, res.body);
    const s = res.json() as {
      users: number;
      uniform: number;
      modalities: Array<{ modality: string; mean: number; std: number; top: number }>;
    };
    assert.equal(s.users, 80);
    assert.equal(s.uniform, 1 / s.modalities.length);
    assert.ok(Math.abs(s.modalities.reduce((a, m) => a + m.mean, 0) - 1) < 1e-4, "means sum to 1");
    assert.ok(Math.abs(s.modalities.reduce((a, m) => a + m.top, 0) - 1) < 1e-9, "one top each");
    // The mean is the mean of what /users/:id/poi answers, user by user.
    const users = (await app.inject("/users?limit=1000")).json().users as string[];
    let sum = 0;
    const first = s.modalities[0]!.modality;
    for (const u of users) {
      const w = (await app.inject(`/users/${u}/poi`)).json().modalities as Array<{
        modality: string;
        weight: number;
      }>;
      sum += w.find((m) => m.modality === first)!.weight;
    }
    assert.ok(Math.abs(sum / users.length - s.modalities[0]!.mean) < 1e-5);
    assertProblem(await idApp.inject("/runs/poi"), 409);
  });
  test("GET /items/:id and /runs/metrics", async () => {
    const item = await app.inject("/items/7");
    assert.equal(item.statusCode, 200);
    assert.ok("m0" in item.json().modalities);
    assertProblem(await app.inject("/items/9999"), 404);
    const metrics = await app.inject("/runs/metrics");
    assert.equal(metrics.statusCode, 200);
    assert.equal(metrics.json().epochs.length, 2);
  });
  test("unknown routes and methods, and the page", async () => {
    assertProblem(await app.inject("/nope"), 404);
    const del = await app.inject({ method: "DELETE", url: "/health" });
    assertProblem(del, 405);
    assert.equal(del.headers.allow, "GET, HEAD");
    const page = await app.inject("/");
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<canvas id="poi"/);
    const chart = await app.inject("/assets/chart.js");
    assert.equal(chart.statusCode, 200);
    assert.ok(chart.body.length > 10_000);
  });
  test("the package entry exports the server, so an app can run the API itself", async () => {
    assert.equal(demure.buildServer, buildServer);
    const own = demure.buildServer(await trainedRun("id"), {
      token: "an-apps-own-token-0123",
      allowedHosts: demure.parseAllowedHosts(["recs.internal"]),
    });
    const res = await own.inject({
      url: "/users?limit=2",
      headers: { host: "recs.internal", authorization: "Bearer an-apps-own-token-0123" },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().users.length, 2);
    await own.close();
  });
});
