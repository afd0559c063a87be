import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { checkToken, tokenMatches } from "../../src/serve/auth.js";
import { buildServer } from "../../src/serve/server.js";
import { isUserError } from "../../src/util/errors.js";
import { assertProblem } from "./assert-problem.js";
import { trainedRun } from "./fixture.js";

const TOKEN = "s3cret-token-for-tests-0123456789";
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
let app: FastifyInstance;
let open: FastifyInstance;

before(async () => {
  const run = await trainedRun("demure");
  app = buildServer(run, { token: TOKEN });
  open = buildServer(run);
});
after(async () => {
  await app.close();
  await open.close();
});

describe("bearer token", () => {
  test("every API route needs the token: 401 problem with WWW-Authenticate: Bearer", async () => {
    const routes = [
      "/users",
      "/users/3/recommendations",
      "/users/3/poi",
      "/runs/poi",
      "/items/7",
      "/runs/metrics",
      "/no-such-route",
    ];
    for (const url of routes) {
      const res = await app.inject(url);
      const p = assertProblem(res, 401);
      assert.equal(res.headers["www-authenticate"], 'Bearer realm="demure"', url);
      assert.match(p.detail, /Authorization: Bearer/);
    }
    const post = await app.inject({
      method: "POST",
      url: "/recommendations",
      payload: { items: ["1"] },
    });
    assertProblem(post, 401);
  });
  test("a wrong token, another scheme or a token with a suffix is refused as invalid_token", async () => {
    const wrong = [
      bearer("s3cret-token-for-tests-012345678X"),
      bearer(`${TOKEN}x`),
      bearer(TOKEN.slice(0, -1)),
      { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString("base64")}` },
      { authorization: TOKEN },
      { authorization: `Bearer ${TOKEN} extra` },
    ];
    for (const headers of wrong) {
      const res = await app.inject({ url: "/users", headers });
      assertProblem(res, 401);
      assert.equal(
        res.headers["www-authenticate"],
        'Bearer realm="demure", error="invalid_token"',
        headers.authorization,
      );
    }
  });
  test("the right token opens every route; the scheme name is case-insensitive", async () => {
    for (const headers of [bearer(TOKEN), { authorization: `bearer ${TOKEN}` }]) {
      const users = await app.inject({ url: "/users", headers });
      assert.equal(users.statusCode, 200, users.body);
      assert.equal(users.json().total, 80);
    }
    const recs = await app.inject({ url: "/users/3/recommendations?k=3", headers: bearer(TOKEN) });
    assert.equal(recs.json().items.length, 3);
    const post = await app.inject({
      method: "POST",
      url: "/recommendations",
      payload: { items: ["1"], k: 2 },
      headers: bearer(TOKEN),
    });
    assert.equal(post.statusCode, 200, post.body);
    assertProblem(await app.inject({ url: "/nope", headers: bearer(TOKEN) }), 404);
  });
  test("/health and the page's files are public, so a browser can load the page and ask for the token", async () => {
    for (const url of ["/health", "/", "/assets/app.js", "/assets/chart.js", "/assets/style.css"]) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 200, url);
    }
    const page = await app.inject("/");
    assert.match(page.body, /<form id="auth" hidden>/);
    // The page holds none of the run's data: that comes from the API.
    assert.doesNotMatch(page.body, /planted/);
  });
  test("without a token configured, nothing asks for one", async () => {
    assert.equal((await open.inject("/users")).statusCode, 200);
  });
  test("tokenMatches: equal or not, whatever the lengths", () => {
    const expected = createHash("sha256").update(TOKEN).digest();
    assert.equal(tokenMatches(TOKEN, expected), true);
    assert.equal(tokenMatches("", expected), false);
    assert.equal(tokenMatches(TOKEN.slice(0, 5), expected), false);
    assert.equal(tokenMatches(`${TOKEN}${TOKEN}`, expected), false);
  });
  test("checkToken: at least 16 characters, no spaces; the message names the source", () => {
    assert.equal(checkToken(TOKEN, "--token"), TOKEN);
    for (const bad of ["", "short", "sixteen chars ok"]) {
      assert.throws(
        () => checkToken(bad, "DEMURE_TOKEN"),
        (e) => isUserError(e) && /DEMURE_TOKEN expects a token of at least 16/.test(e.message),
      );
    }
  });
});
