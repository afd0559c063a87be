/**
 * Runs the reference training step many times and samples resident memory, to
 * show that nothing leaks (no native or JS buffer is kept across steps).
 *
 *   node dist/bench/step-memory.js [steps=1000] [warmup=100]
 *
 * Prints one JSON line: RSS samples (MiB) every 50 steps after warm-up, the
 * growth from the first post-warm-up sample to the last and to the maximum.
 */
import { makeReferenceStep } from "../src/bench/reference-step.js";
import { engineInfo } from "../src/engine/index.js";

const steps = Number(process.argv[2] ?? 1000);
const warmup = Number(process.argv[3] ?? 100);
const step = makeReferenceStep();
const mib = () => process.memoryUsage().rss / 2 ** 20;
const samples: Array<{ step: number; rss_mib: number }> = [];
const t0 = performance.now();
for (let i = 1; i <= warmup + steps; i++) {
  step();
  if (i >= warmup && (i - warmup) % 50 === 0) {
    samples.push({ step: i - warmup, rss_mib: Math.round(mib() * 10) / 10 });
    process.stderr.write(`step ${i - warmup}/${steps} rss ${mib().toFixed(1)} MiB\n`);
  }
}
const first = samples[0]!.rss_mib;
const last = samples[samples.length - 1]!.rss_mib;
const max = Math.max(...samples.map((s) => s.rss_mib));
console.log(
  JSON.stringify({
    steps,
    warmup,
    engine: engineInfo(),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    rss_first_mib: first,
    rss_last_mib: last,
    rss_max_mib: max,
    growth_last_pct: Math.round(((last - first) / first) * 1000) / 10,
    growth_max_pct: Math.round(((max - first) / first) * 1000) / 10,
    samples,
  }),
);
