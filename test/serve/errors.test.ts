import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { buildServer } from "../../src/serve/server.js";
import { assertProblem } from "./assert-problem.js";
import { postRecommendations, trainedRun } from "./fixture.js";

let app: FastifyInstance;

before(async () => {
  app = buildServer(await trainedRun("id"));
});
after(() => app.close());

const post = (payload: string, type?: string) => postRecommendations(app, payload, type);

describe("problem details for every error", () => {
  test("404, 405 (with Allow), 413, 415, malformed and empty JSON", async () => {
    assert.match(assertProblem(await app.inject("/nope"), 404).detail, /no route GET \/nope/);
    const get = await app.inject("/recommendations");
    assert.match(assertProblem(get, 405).detail, /GET is not allowed here; use POST/);
    assert.equal(get.headers.allow, "POST");
    const put = await app.inject({ method: "PUT", url: "/users/3/poi" });
    assertProblem(put, 405);
    assert.equal(put.headers.allow, "GET, HEAD");
    assert.equal((await app.inject({ method: "HEAD", url: "/health" })).statusCode, 200);
    assertProblem(await post(JSON.stringify({ items: Array(20000).fill("1") })), 413);
    assertProblem(await post("<items/>", "application/xml"), 415);
    assert.match(assertProblem(await post("{not json"), 400).detail, /not valid JSON/);
    assert.match(assertProblem(await post(""), 400).detail, /body is empty/);
  });
  test("a __proto__ key is valid JSON: answered, and nothing's prototype changes", async () => {
    const body = '{"items":["1","2"],"k":3,"__proto__":{"polluted":"yes","k":999}}';
    const res = await post(body);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().k, 3);
    assert.equal(res.json().items.length, 3);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.hasOwn(Object.prototype, "polluted"), false);
    const nested = await post('{"items":["1"],"constructor":{"prototype":{"polluted":"yes"}}}');
    assert.equal(nested.statusCode, 200, nested.body);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
  test("non-finite and out-of-range numbers: 400 naming the field", async () => {
    const cases: Array<[string, RegExp]> = [
      ["/users?offset=1e309", /querystring\/offset must be a finite number/],
      ["/users?offset=-1e309", /querystring\/offset/],
      ["/users?offset=1e20", /querystring\/offset must be <=/],
      ["/users?offset=NaN", /querystring\/offset must be integer/],
      ["/users?offset=-1", /querystring\/offset must be >= 0/],
      ["/users?limit=Infinity", /querystring\/limit/],
      ["/users/3/recommendations?k=1e309", /querystring\/k/],
    ];
    for (const [url, detail] of cases) {
      assert.match(assertProblem(await app.inject(url), 400).detail, detail, url);
    }
    assert.match(
      assertProblem(await post('{"items":["1"],"k":1e309}'), 400).detail,
      /body\/k must be integer/,
    );
    assert.match(assertProblem(await post('{"items":["1"],"k":-1e309}'), 400).detail, /body\/k/);
    assert.equal((await app.inject("/users?offset=79")).json().users.length, 1);
  });
  test("a malformed URL (bad percent-encoding) is a problem too", async () => {
    assertProblem(await app.inject("/users/%E0%A4%A/poi"), 400);
  });
});
