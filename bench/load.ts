/**
 * Load test of the HTTP API: `demure serve` on 127.0.0.1 (a separate
 * process), autocannon asking for top-10 recommendations of random known
 * users for 30 s, the server's resident memory sampled every second.
 *
 *   node dist/bench/load.js RUN_DIR [seconds=30] [connections=16]
 *
 * Prints one JSON line: requests/s, latency p50/p99 (ms), errors and non-2xx
 * answers, and the server's RSS at the start and end of the run.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const runDir = process.argv[2];
if (runDir === undefined) {
  console.error("usage: node dist/bench/load.js RUN_DIR [seconds] [connections]");
  process.exit(2);
}
const seconds = Number(process.argv[3] ?? 30);
const connections = Number(process.argv[4] ?? 16);

const server = spawn(
  process.execPath,
  [join(root, "bin/demure.js"), "serve", "--run", runDir, "--port", "0", "--json"],
  {
    stdio: ["ignore", "pipe", "ignore"],
  },
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
console.log(
  JSON.stringify({
    run: runDir,
    seconds,
    connections,
    requests_per_second: Math.round(result.requests.average),
    latency_p50_ms: result.latency.p50,
    latency_p99_ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non_2xx: result.non2xx,
    rss_start_mib: Math.round(rss[1] ?? rss[0]!),
    rss_end_mib: Math.round(rss[rss.length - 1]!),
    rss_max_mib: Math.round(Math.max(...rss)),
  }),
);
