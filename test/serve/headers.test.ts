import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { buildServer } from "../../src/serve/server.js";
import { trainedRun } from "./fixture.js";

let app: FastifyInstance;

before(async () => {
  app = buildServer(await trainedRun("id"), { token: "a-token-of-sixteen-or-more" });
});
after(() => app.close());

/** The CSP as directive → sources. */
function csp(header: unknown): Map<string, string[]> {
  return new Map(
    String(header)
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0] !== "")
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describe("security headers", () => {
  test("the page: a CSP that allows only its own files, no framing, no sniffing", async () => {
    const res = await app.inject("/");
    const policy = csp(res.headers["content-security-policy"]);
    assert.deepEqual(policy.get("default-src"), ["'none'"]);
    assert.deepEqual(policy.get("script-src"), ["'self'"]);
    assert.deepEqual(policy.get("style-src"), ["'self'"]);
    assert.deepEqual(policy.get("connect-src"), ["'self'"]);
    assert.deepEqual(policy.get("frame-ancestors"), ["'none'"]);
    assert.deepEqual(policy.get("object-src"), ["'none'"]);
    assert.deepEqual(policy.get("base-uri"), ["'none'"]);
    for (const sources of policy.values()) {
      assert.ok(!sources.includes("'unsafe-inline'") && !sources.includes("'unsafe-eval'"));
    }
    assert.ok(!policy.has("upgrade-insecure-requests"), "plain HTTP: no upgrade to https");
    assert.equal(res.headers["x-content-type-options"], "nosniff");
    assert.equal(res.headers["x-frame-options"], "DENY");
    assert.equal(res.headers["referrer-policy"], "no-referrer");
    assert.equal(res.headers["cross-origin-opener-policy"], "same-origin");
    assert.equal(res.headers["cross-origin-resource-policy"], "same-origin");
    assert.equal(res.headers["strict-transport-security"], undefined, "no HSTS over plain HTTP");
    assert.equal(res.headers["x-powered-by"], undefined);
  });
  test("the page's markup needs nothing the CSP forbids: no inline script, style or handler", async () => {
    const page = (await app.inject("/")).body;
    assert.doesNotMatch(page, /<style|style="|<script>|<script(?![^>]*\ssrc=)|\son[a-z]+=/i);
    for (const src of page.matchAll(/(?:src|href)="([^"]+)"/g)) {
      assert.match(src[1]!, /^(\/assets\/|data:,$)/, "every asset comes from this server");
    }
  });
  test("every answer carries them: JSON, problems of the token check, 404s, 421s", async () => {
    const answers = [
      await app.inject("/health"),
      await app.inject("/users"),
      await app.inject("/nope"),
      await app.inject({ url: "/health", headers: { host: "evil.example" } }),
      await app.inject("/users/%E0%A4%A/poi"),
    ];
    for (const res of answers) {
      assert.equal(res.headers["x-content-type-options"], "nosniff", `${res.statusCode}`);
      assert.match(String(res.headers["content-security-policy"]), /frame-ancestors 'none'/);
    }
    assert.deepEqual(
      answers.map((r) => r.statusCode),
      [200, 401, 401, 421, 400],
    );
  });
});
