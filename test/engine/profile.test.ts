import assert from "node:assert/strict";
import { test } from "node:test";
import { demure } from "../cli/helpers.js";

// The switch is read when the engine is first imported: set it, then import.
process.env.DEMURE_PROFILE = "1";
const engine = await import("../../src/engine/index.js");
const profile = await import("../../src/engine/profile.js");

test("DEMURE_PROFILE: an op's forward and backward and their kernels are counted under its name", () => {
  profile.resetProfile();
  const a = engine.parameter(
    Float32Array.from({ length: 6 }, (_, i) => i / 6),
    [2, 3],
    "a",
  );
  const b = engine.parameter(
    Float32Array.from({ length: 12 }, (_, i) => i / 12),
    [3, 4],
    "b",
  );
  engine.withBufferPool(() => {
    const y = engine.matmul(a, b);
    engine.sum(y).backward();
  });
  const { ops, kernels } = profile.profileReport();
  const mm = ops.find((r) => r.op === "matmul");
  assert.ok(mm, `no matmul row in ${ops.map((r) => r.op).join(", ")}`);
  assert.equal(mm.forwardCalls, 1);
  assert.equal(mm.backwardCalls, 1);
  const sum = ops.find((r) => r.op === "sum");
  assert.ok(sum && sum.forwardCalls === 1 && sum.backwardCalls === 1);
  // One product forward, one per input backward: all of gemm's time is matmul's.
  const gemm = kernels.filter((k) => k.kernel.startsWith("gemm"));
  assert.equal(
    gemm.reduce((n, k) => n + k.calls, 0),
    3,
  );
  const gemmMs = gemm.reduce((n, k) => n + k.ms, 0);
  assert.ok(Math.abs(mm.forwardKernelMs + mm.backwardKernelMs - gemmMs) < 1e-6);
  for (const r of ops) {
    assert.ok(r.forwardKernelMs <= r.forwardMs + 1e-6, `${r.op}: kernels inside its time`);
    assert.ok(r.backwardKernelMs <= r.backwardMs + 1e-6, `${r.op}: kernels inside its time`);
  }
});

test("DEMURE_PROFILE=1 demure bench step prints the op and kernel tables on stderr; unset, none", () => {
  const on = demure(["bench", "step", "--steps", "2"], { DEMURE_PROFILE: "1" });
  assert.equal(on.code, 0, on.stderr);
  assert.match(on.stderr, /DEMURE_PROFILE: time per op and per kernel/);
  for (const row of ["linear", "headScores", "crossEntropy", "layerNorm", "[adam.update]"])
    assert.match(on.stderr, new RegExp(`^${row.replace(/[[\]]/g, "\\$&")}\\s+\\d`, "m"), row);
  assert.match(on.stderr, /^gemm\s+[\d.]+\s+\d+$/m);
  const off = demure(["bench", "step", "--steps", "2"], { DEMURE_PROFILE: "" });
  assert.equal(off.code, 0, off.stderr);
  assert.doesNotMatch(off.stderr, /DEMURE_PROFILE/);
});
