import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { demure, repoRoot } from "../cli/helpers.js";
import { trainedRun } from "./fixture.js";
import { serve } from "./spawn.js";

describe("demure serve flags", () => {
  test("bad flags exit 2 naming the flag, before the run is loaded", () => {
    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [["--port", "70000"], /--port expects a port from 0 to 65535, got "70000"/],
      [["--port", "-1"], /--port/],
      [["--cert", "x.pem"], /--cert and --key go together/],
      [["--key", "x.pem"], /--cert and --key go together/],
      [["--cert", "nope.pem", "--key", "nope.pem"], /nope\.pem: --cert: cannot read the file/],
      [["--token", "short"], /--token expects a token of at least 16 characters/],
      [[], /DEMURE_TOKEN expects a token of at least 16/, { DEMURE_TOKEN: "short" }],
      // Set but empty (an unset shell variable): refused, never taken as "no token".
      [[], /DEMURE_TOKEN expects a token of at least 16.*got 0 characters/, { DEMURE_TOKEN: "" }],
      [["--allowed-host", "http://x"], /--allowed-host expects host names/],
      [["--max-connections", "0"], /--max-connections expects a positive integer/],
      [["--max-event-loop-delay", "x"], /--max-event-loop-delay expects a non-negative integer/],
    ];
    for (const [args, message, env] of cases) {
      const r = demure(["serve", "--run", join(repoRoot, "no-such-run"), ...args], env);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    }
  });
  test("DEMURE_TOKEN turns authentication on; the token never reaches stdout", async () => {
    const run = await trainedRun("id");
    const token = "env-token-0123456789abcdef";
    const s = serve(["--run", run.dir], { DEMURE_TOKEN: token });
    try {
      const info = await s.ready;
      assert.equal(info.auth, true);
      assert.equal(info.tls, false);
      const address = String(info.address);
      assert.equal((await fetch(`${address}/users`)).status, 401);
      const ok = await fetch(`${address}/users`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      assert.equal((await fetch(`${address}/health`)).status, 200);
      assert.doesNotMatch(JSON.stringify(info), new RegExp(token));
      assert.doesNotMatch(s.stderr(), /WARNING/, "loopback: no warning");
    } finally {
      await s.stop();
    }
  });
  test("bound beyond loopback without a token: a loud warning on stderr; with one, none", async () => {
    const run = await trainedRun("id");
    const open = serve(["--run", run.dir, "--host", "0.0.0.0"]);
    try {
      const info = await open.ready;
      assert.equal(info.auth, false);
      await new Promise((r) => setTimeout(r, 100));
      assert.match(
        open.stderr(),
        /WARNING: demure serve is listening on 0\.0\.0\.0 WITHOUT AUTHENTICATION/,
      );
      // Bound to every interface, the loopback names on the port still answer.
      const port = new URL(String(info.address)).port;
      assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200);
    } finally {
      await open.stop();
    }
    const guarded = serve([
      "--run",
      run.dir,
      "--host",
      "0.0.0.0",
      "--token",
      "cli-token-0123456789abcdef",
    ]);
    try {
      await guarded.ready;
      await new Promise((r) => setTimeout(r, 100));
      assert.doesNotMatch(guarded.stderr(), /WARNING/);
      assert.match(guarded.stderr(), /the token travels in clear text/);
    } finally {
      await guarded.stop();
    }
  });
});
