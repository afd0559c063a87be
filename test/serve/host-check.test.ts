import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FastifyInstance } from "fastify";
import {
  defaultHostRules,
  hostAllowed,
  isLoopback,
  parseAllowedHosts,
} from "../../src/serve/host-check.js";
import { buildServer } from "../../src/serve/server.js";
import { isUserError } from "../../src/util/errors.js";
import { assertProblem } from "./assert-problem.js";
import { trainedRun } from "./fixture.js";

let app: FastifyInstance;
let port: number;
let proxied: FastifyInstance;

before(async () => {
  const run = await trainedRun("id");
  app = buildServer(run, { token: "a-token-of-sixteen-or-more" });
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  port = Number(new URL(address).port);
  proxied = buildServer(run, { allowedHosts: parseAllowedHosts(["api.example.com,[::1]:9000"]) });
});
after(async () => {
  await app.close();
  await proxied.close();
});

const get = (host: string, url = "/health") => app.inject({ url, headers: { host } });

describe("Host allow-list", () => {
  test("DNS rebinding: a page at evil.example whose name now points at 127.0.0.1 is refused with 421", async () => {
    for (const host of [
      `evil.example:${port}`,
      `localhost.evil.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      "evil.example",
      "",
      "localhost@evil.example",
    ]) {
      const res = await get(host);
      const p = assertProblem(res, 421);
      assert.match(p.detail, /does not answer to the host/, host);
      // Refused before authentication: not even the public routes answer.
      assert.equal(res.headers["www-authenticate"], undefined);
    }
    assertProblem(await get(`evil.example:${port}`, "/"), 421);
  });
  test("the bound host and localhost, 127.0.0.1, [::1] on the listening port are answered", async () => {
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      `localhost.:${port}`,
      `[::1]:${port}`,
    ]) {
      assert.equal((await get(host)).statusCode, 200, host);
    }
  });
  test("the loopback names on another port are refused (another service's origin)", async () => {
    assertProblem(await get(`localhost:${port === 1 ? 2 : port - 1}`), 421);
    assertProblem(await get("localhost"), 421);
  });
  test("a real request over a socket: the fetch Host passes, a forged one does not", async () => {
    const ok = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(ok.status, 200);
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port, path: "/health", headers: { host: `rebind.example:${port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end();
    });
    assert.equal(status, 421);
  });
  test("--allowed-host adds names (any port, or the one given) beside the defaults", async () => {
    const host = async (h: string) =>
      (await proxied.inject({ url: "/health", headers: { host: h } })).statusCode;
    assert.equal(await host("api.example.com"), 200);
    assert.equal(await host("api.example.com:443"), 200);
    assert.equal(await host("[::1]:9000"), 200);
    assert.equal(await host("localhost:80"), 200, "the defaults stay");
    assert.equal(await host("evil.example"), 421);
    assert.equal(await host("api.example.com.evil.example"), 421);
  });
  test("hostAllowed: ports, the scheme's port, '*'", () => {
    const rules = defaultHostRules("10.0.0.5");
    assert.equal(hostAllowed("10.0.0.5:8080", rules, 8080), true);
    assert.equal(hostAllowed("10.0.0.5:8081", rules, 8080), false);
    assert.equal(hostAllowed("localhost", rules, 80), true, "no port means the scheme's");
    assert.equal(hostAllowed("localhost", rules, 443, 443), true);
    assert.equal(hostAllowed("localhost", rules, 8080), false);
    assert.equal(hostAllowed(undefined, rules, 8080), false);
    assert.equal(hostAllowed("anything", parseAllowedHosts(["*"]), 8080), true);
    const wildcard = defaultHostRules("0.0.0.0").map((r) => r.hostname);
    assert.ok(wildcard.includes("127.0.0.1") && wildcard.includes("::1"));
  });
  test("parseAllowedHosts rejects what is not a host name, naming the flag", () => {
    for (const bad of ["http://x", "a b", "x:99999", "[zz]", "user@host"]) {
      assert.throws(
        () => parseAllowedHosts([bad]),
        (e) => isUserError(e) && e.message.startsWith("--allowed-host expects"),
        bad,
      );
    }
  });
  test("isLoopback", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"])
      assert.ok(isLoopback(h), h);
    for (const h of ["0.0.0.0", "::", "192.168.1.2", "example.com"]) assert.ok(!isLoopback(h), h);
  });
});
