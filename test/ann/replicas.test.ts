import assert from "node:assert/strict";
import { chmodSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { buildRunIndex } from "../../src/ann/store.js";
import { loadRun } from "../../src/train/run.js";
import { serve } from "../serve/spawn.js";
import { trainedRuns } from "./fixture.js";

/** `demure serve` over `run`, without load shedding: on a busy test machine a 503 is not what this test is about. */
function serveRun(run: string, extra: string[] = []) {
  return serve(["--run", run, "--max-event-loop-delay", "0", ...extra]);
}

/** Every file and folder under `dir` with its size and modification time. */
function tree(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    out.set(p, `${st.isDirectory() ? "d" : "f"} ${st.size} ${st.mtimeMs}`);
    if (st.isDirectory()) tree(p, out);
  }
  return out;
}

function chmodTree(dir: string, file: number, folder: number): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) chmodTree(p, file, folder);
    else chmodSync(p, file);
  }
  chmodSync(dir, folder);
}

describe("two replicas over one read-only run directory", () => {
  let run: string;
  let users: string[];
  before(async () => {
    ({ run } = await trainedRuns(1500));
    const loaded = await loadRun(run);
    await buildRunIndex(loaded, { flat: false, partitions: 16, nprobes: 12, refineFactor: 20 });
    users = loaded.dataset.userIds.slice(0, 6);
    chmodTree(run, 0o444, 0o555);
  });
  after(() => chmodTree(run, 0o644, 0o755));

  /** The same requests to both replicas: the bodies, per request. */
  async function ask(addresses: string[]): Promise<string[][]> {
    const requests: [string, RequestInit?][] = [
      ["/health"],
      ["/users?limit=20"],
      ...users.map((u): [string] => [`/users/${encodeURIComponent(u)}/recommendations?k=10`]),
      ...users.map((u): [string] => [`/users/${encodeURIComponent(u)}/recommendations?k=37`]),
      [
        "/recommendations",
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ items: ["1", "2", "3"], k: 15 }),
        },
      ],
    ];
    const answers: string[][] = [];
    for (const [path, init] of requests) {
      answers.push(
        await Promise.all(
          addresses.map(async (a) => {
            const r = await fetch(`${a}${path}`, init);
            assert.equal(r.status, 200, `${path}: ${r.status}`);
            return r.text();
          }),
        ),
      );
    }
    return answers;
  }

  for (const mode of ["ann", "exact"] as const) {
    test(`${mode}: identical bodies from both, nothing written to the run directory`, async () => {
      const before = tree(run);
      const replicas = [0, 1].map(() => serveRun(run, mode === "exact" ? ["--exact"] : []));
      try {
        const ready = (await Promise.all(replicas.map((r) => r.ready))) as Array<{
          address: string;
          search: string;
        }>;
        for (const r of ready) assert.equal(r.search, mode);
        const answers = await ask(ready.map((r) => r.address));
        for (const [a, b] of answers) assert.equal(a, b);
        const health = JSON.parse(answers[0][0]!) as { search: string };
        assert.equal(health.search, mode);
        const rec = JSON.parse(answers[2][0]!) as { items: { item: string; score: number }[] };
        assert.equal(rec.items.length, 10);
        assert.deepEqual(Object.keys(rec.items[0]!), ["item", "score"]);
      } finally {
        await Promise.all(replicas.map((r) => r.stop()));
      }
      assert.deepEqual(tree(run), before, "the run directory changed");
    });
  }
});
