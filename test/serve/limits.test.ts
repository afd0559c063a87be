import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { buildServer } from "../../src/serve/server.js";
import { assertProblem } from "./assert-problem.js";
import { trainedRun } from "./fixture.js";

/** Open a TCP connection and resolve once it is connected. */
function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.on("error", reject);
  });
}

/** Everything the server writes on a socket until it closes it (or `ms` pass: then null). */
function readUntilClose(s: Socket, ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    let data = "";
    const timer = setTimeout(() => resolve(null), ms);
    s.on("data", (d: Buffer) => {
      data += d.toString();
    });
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

/** One raw HTTP/1.1 exchange: status line, headers, body. */
function parseAnswer(raw: string) {
  const [head, body] = raw.split("\r\n\r\n", 2) as [string, string];
  const [statusLine, ...lines] = head.split("\r\n");
  const headers = Object.fromEntries(
    lines.map((l) => [
      l.slice(0, l.indexOf(":")).toLowerCase(),
      l.slice(l.indexOf(":") + 1).trim(),
    ]),
  );
  return { statusCode: Number(statusLine!.split(" ")[1]), headers, body };
}

describe("limits", () => {
  test("a request head over the limit: 431 as problem details, over a real socket", async () => {
    const app = buildServer(await trainedRun("id"), { limits: { maxHeaderBytes: 4096 } });
    const address = await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const s = await open(Number(new URL(address).port));
      const answer = readUntilClose(s, 5000);
      s.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"a".repeat(8000)}\r\n\r\n`);
      const raw = await answer;
      assert.ok(raw !== null, "the server closes the connection");
      const res = parseAnswer(raw);
      const p = assertProblem(res, 431);
      assert.equal(p.title, "Request Header Fields Too Large");
      assert.equal(res.headers["x-content-type-options"], "nosniff");
      assert.equal(Number(res.headers["content-length"]), Buffer.byteLength(res.body));
      // A head under the limit is answered.
      assert.equal((await fetch(`${address}/health`, { headers: { "x-small": "a" } })).status, 200);
    } finally {
      await app.close();
    }
  });
  test("bytes that are not HTTP: 400 problem details on the socket", async () => {
    const app = buildServer(await trainedRun("id"));
    const address = await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const s = await open(Number(new URL(address).port));
      const answer = readUntilClose(s, 5000);
      s.write("NOT HTTP AT ALL\r\n\r\n");
      assertProblem(parseAnswer((await answer)!), 400);
    } finally {
      await app.close();
    }
  });
  test("a slow sender (slowloris) is cut off with 408 once the headers timeout passes", async () => {
    const app = buildServer(await trainedRun("id"), {
      limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 },
    });
    const address = await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const s = await open(Number(new URL(address).port));
      const answer = readUntilClose(s, 5000);
      const started = Date.now();
      s.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "); // and never more
      const raw = await answer;
      assert.ok(raw !== null, "the server closes the socket");
      assertProblem(parseAnswer(raw), 408);
      assert.ok(Date.now() - started < 3000, "within a few seconds, not Node's 30 s check");
    } finally {
      await app.close();
    }
  });
  test("the connection cap: past maxConnections a new socket is closed unanswered", async () => {
    const app = buildServer(await trainedRun("id"), { limits: { maxConnections: 2 } });
    const address = await app.listen({ host: "127.0.0.1", port: 0 });
    const port = Number(new URL(address).port);
    const held: Socket[] = [];
    try {
      held.push(await open(port), await open(port));
      await sleep(100); // the server has accepted both
      const third = await open(port).catch(() => null);
      const closed = third === null ? "" : await readUntilClose(third, 3000);
      assert.equal(closed, "", "closed at once, with nothing written");
      // The held connections are still served.
      const first = held[0]!;
      const answer = new Promise<string>((resolve) =>
        first.once("data", (d) => resolve(String(d))),
      );
      first.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
      assert.match(await answer, /^HTTP\/1\.1 200/);
      // Once they close there is room again.
      for (const s of held) s.destroy();
      await sleep(100);
      assert.equal((await fetch(`${address}/health`)).status, 200);
    } finally {
      for (const s of held) s.destroy();
      await app.close();
    }
  });
  test("a start-up that blocked the loop does not shed the first requests", async () => {
    const app = buildServer(await trainedRun("id"), {
      limits: { maxEventLoopDelayMs: 30, sampleIntervalMs: 100, retryAfterS: 3 },
    });
    app.addHook("onReady", async () => {
      const until = Date.now() + 150;
      while (Date.now() < until) {} // a slow start-up, as on a loaded machine
    });
    await app.ready();
    try {
      await sleep(0); // the lag sample due during the block has run
      assert.equal((await app.inject("/health")).statusCode, 200);
    } finally {
      await app.close();
    }
  });
  test("load shedding: while the event loop lags, 503 problem with Retry-After", async () => {
    const app = buildServer(await trainedRun("id"), {
      limits: { maxEventLoopDelayMs: 30, sampleIntervalMs: 100, retryAfterS: 3 },
    });
    await app.ready();
    try {
      assert.equal((await app.inject("/health")).statusCode, 200, "no lag, no shedding");
      const until = Date.now() + 400;
      while (Date.now() < until) {} // the loop is blocked, as by a long computation
      await sleep(0); // the lag sample (due during the block) runs before this timer
      const shed = await app.inject("/users/3/recommendations");
      const p = assertProblem(shed, 503);
      assert.equal(p.title, "Service Unavailable");
      assert.match(p.detail, /overloaded/);
      assert.equal(shed.headers["retry-after"], "3");
      assert.equal(shed.headers["x-content-type-options"], "nosniff");
      await sleep(250); // two calm samples later it answers again
      assert.equal((await app.inject("/health")).statusCode, 200);
    } finally {
      await app.close();
    }
  });
});
