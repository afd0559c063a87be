import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request } from "node:https";
import { join } from "node:path";
import { describe, test } from "node:test";
import { buildServer } from "../../src/serve/server.js";
import { readTls } from "../../src/serve/tls.js";
import { isUserError } from "../../src/util/errors.js";
import { repoRoot } from "../cli/helpers.js";
import { trainedRun } from "./fixture.js";

const dir = join(repoRoot, "test/serve/tls");
const certFile = join(dir, "cert.pem");
const keyFile = join(dir, "key.pem");

function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path,
          headers,
          ca: readFileSync(certFile),
          servername: "localhost",
        },
        (res) => {
          let body = "";
          res.on("data", (d: Buffer) => {
            body += d;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on("error", reject);
      req.end();
    },
  );
}

describe("TLS", () => {
  test("HTTPS with --cert/--key: answered, HSTS sent, plain HTTP on the port refused", async () => {
    const tls = readTls(certFile, keyFile)!;
    const token = "tls-token-0123456789abcdef";
    const app = buildServer(await trainedRun("id"), { tls, token });
    const address = await app.listen({ host: "127.0.0.1", port: 0 });
    assert.match(address, /^https:\/\//);
    const port = Number(new URL(address).port);
    try {
      const health = await get(port, "/health");
      assert.equal(health.status, 200, health.body);
      assert.match(String(health.headers["strict-transport-security"]), /max-age=31536000/);
      assert.match(String(health.headers["content-security-policy"]), /upgrade-insecure-requests/);
      assert.equal((await get(port, "/users")).status, 401);
      const users = await get(port, "/users", { authorization: `Bearer ${token}` });
      assert.equal(users.status, 200);
      assert.equal(JSON.parse(users.body).total, 80);
      // The same port does not speak plain HTTP (the token would travel in clear).
      const plain = await new Promise<string>((resolve) => {
        const req = httpRequest({ host: "127.0.0.1", port, path: "/health" }, (res) =>
          resolve(`status ${res.statusCode}`),
        );
        req.on("error", (e) => resolve(`error ${(e as NodeJS.ErrnoException).code}`));
        req.end();
      });
      assert.match(plain, /^error|^status 400/);
    } finally {
      await app.close();
    }
  });
  test("readTls: both or neither, readable, a matching pair", () => {
    assert.equal(readTls(undefined, undefined), undefined);
    const fails = (cert: string | undefined, key: string | undefined, message: RegExp) =>
      assert.throws(
        () => readTls(cert, key),
        (e) => isUserError(e) && message.test(e.message),
      );
    fails(certFile, undefined, /--cert and --key go together: --cert was given without --key/);
    fails(undefined, keyFile, /--cert and --key go together: --key was given without --cert/);
    fails(
      join(dir, "missing.pem"),
      keyFile,
      /missing\.pem: --cert: cannot read the file \(ENOENT\)/,
    );
    fails(certFile, dir, /--key: cannot read the file \(EISDIR\)/);
    fails(keyFile, certFile, /are not a PEM certificate and its private key/);
  });
});
