/**
 * Load test of the HTTP API: `demure serve` on 127.0.0.1 (a separate
 * process), autocannon asking for top-10 recommendations of random known
 * users, the server's resident memory sampled every second.
 *
 *   node dist/bench/load.js RUN_DIR [seconds=30] [connections=16] [-- SERVE_FLAGS...]
 *
 * e.g. `node dist/bench/load.js RUN 10 1000` for the shedding behaviour at
 * 1000 connections, and `... -- --max-event-loop-delay 0 --max-connections 100000`
 * for the same load with no shedding and no cap. Prints one JSON line: the
 * answers by status (200, 503, ...), connection errors (a socket the cap
 * closed, a reset) and client time-outs (no answer in 10 s), latency
 * percentiles over every answer, requests/s, and the server's RSS.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const dash = process.argv.indexOf("--");
const args = dash === -1 ? process.argv.slice(2) : process.argv.slice(2, dash);
const serveFlags = dash === -1 ? [] : process.argv.slice(dash + 1);
const runDir = args[0];
if (runDir === undefined) {
  console.error("usage: node dist/bench/load.js RUN_DIR [seconds] [connections] [-- SERVE_FLAGS]");
  process.exit(2);
}
const seconds = Number(args[1] ?? 30);
const connections = Number(args[2] ?? 16);
/** autocannon's default: an answer later than this counts as a client time-out. */
const timeoutS = 10;

const server = spawn(
  process.execPath,
  [join(root, "bin/demure.js"), "serve", "--run", runDir, "--port", "0", "--json", ...serveFlags],
  { stdio: ["ignore", "pipe", "ignore"] },
);
const address = await new Promise<string>((ok, fail) => {
  let buf = "";
  server.stdout.on("data", (d: Buffer) => {
    buf += d.toString();
    const line = buf.split("\n").find((l) => l.startsWith("{"));
    if (line) ok((JSON.parse(line) as { address: string }).address);
  });
  server.on("exit", (code) => fail(new Error(`server exited with ${code}`)));
});
const rssMiB = () => {
  const status = readFileSync(`/proc/${server.pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
};
const { users } = (await (await fetch(`${address}/users?limit=1000`)).json()) as {
  users: string[];
};
const rss: number[] = [rssMiB()];
const sampler = setInterval(() => rss.push(rssMiB()), 1000);
let next = 0;
const result = await autocannon({
  url: address,
  connections,
  duration: seconds,
  timeout: timeoutS,
  requests: [
    {
      setupRequest: (req) => {
        next = (next + 7919) % users.length;
        return { ...req, path: `/users/${encodeURIComponent(users[next]!)}/recommendations?k=10` };
      },
    },
  ],
});
clearInterval(sampler);
rss.push(rssMiB());
server.kill("SIGTERM");
const byStatus = Object.fromEntries(
  Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]),
);
console.log(
  JSON.stringify({
    run: runDir,
    serve_flags: serveFlags,
    seconds,
    connections,
    answers_by_status: byStatus,
    answered_per_second: Math.round(result.requests.average),
    ok_per_second: Math.round((byStatus["200"] ?? 0) / result.duration),
    latency_ms: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    requests: result.requests.total,
    connection_errors: result.errors,
    timeouts: result.timeouts,
    resets: result.resets,
    rss_start_mib: Math.round(rss[1] ?? rss[0]!),
    rss_end_mib: Math.round(rss[rss.length - 1]!),
    rss_max_mib: Math.round(Math.max(...rss)),
  }),
);
