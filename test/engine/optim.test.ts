import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  Adam,
  adamW,
  add,
  clipGradNorm,
  crossEntropy,
  loadArrays,
  matmul,
  parameter,
  relu,
  saveArrays,
} from "../../src/engine/index.js";
import { UserError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";
import { assertClose, randParam } from "./gradcheck.js";

describe("optimisers", () => {
  test("Adam's first two steps match the formula", () => {
    const p = parameter(Float32Array.of(1, -2), [2]);
    const opt = new Adam([p], { lr: 0.1 });
    const grads = [Float32Array.of(0.5, -1), Float32Array.of(0.2, 0.3)];
    let m = [0, 0];
    let v = [0, 0];
    const want = [1, -2];
    grads.forEach((g, t) => {
      p.grad = Float32Array.from(g);
      opt.update();
      m = m.map((mi, i) => 0.9 * mi + 0.1 * g[i]!);
      v = v.map((vi, i) => 0.999 * vi + 0.001 * g[i]! ** 2);
      for (let i = 0; i < 2; i++) {
        const mh = m[i]! / (1 - 0.9 ** (t + 1));
        const vh = v[i]! / (1 - 0.999 ** (t + 1));
        want[i]! -= (0.1 * mh) / (Math.sqrt(vh) + 1e-8);
      }
      assertClose(p.data, want, 1e-5, `step ${t + 1}`);
    });
  });
  test("AdamW decays weights even with a zero gradient; Adam does not", () => {
    const a = parameter(Float32Array.of(2), [1]);
    const b = parameter(Float32Array.of(2), [1]);
    const w = adamW([a], { lr: 0.1, weightDecay: 0.5 });
    const plain = new Adam([b], { lr: 0.1 });
    a.grad = Float32Array.of(0);
    b.grad = Float32Array.of(0);
    w.update();
    plain.update();
    assertClose(a.data, [2 - 0.1 * 0.5 * 2], 1e-6);
    assertClose(b.data, [2], 1e-6);
  });
  test("clipping by global norm", () => {
    const a = parameter(new Float32Array(2), [2]);
    const b = parameter(new Float32Array(1), [1]);
    a.grad = Float32Array.of(3, 0);
    b.grad = Float32Array.of(4);
    assert.equal(clipGradNorm([a, b], 1), 5);
    assertClose([...a.grad, ...b.grad], [0.6, 0, 0.8], 1e-6);
    assert.ok(Math.abs(clipGradNorm([a, b], 10) - 1) < 1e-6);
    assertClose([...a.grad, ...b.grad], [0.6, 0, 0.8], 1e-6);
  });
  test("a two-layer network learns XOR", () => {
    const rng = new Rng(0);
    const w1 = randParam([2, 16], rng);
    const b1 = randParam([16], rng, 0, 0);
    const w2 = randParam([16, 2], rng);
    const b2 = randParam([2], rng, 0, 0);
    const x = parameter(Float32Array.of(0, 0, 0, 1, 1, 0, 1, 1), [4, 2]);
    x.requiresGrad = false;
    const y = Int32Array.of(0, 1, 1, 0);
    const opt = new Adam([w1, b1, w2, b2], { lr: 0.05 });
    let loss = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 300; i++) {
      const l = crossEntropy(add(matmul(relu(add(matmul(x, w1), b1)), w2), b2), y);
      opt.zeroGrad();
      l.backward();
      opt.update();
      loss = l.item();
    }
    assert.ok(loss < 0.05, `XOR loss after 300 steps: ${loss}`);
  });
});

describe("parameter files", () => {
  const dir = mkdtempSync(join(tmpdir(), "demure-params-"));
  const arrays = new Map([
    ["emb", { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }],
    ["bias", { shape: [1], data: Float32Array.of(-7.5) }],
  ]);
  test("round trip keeps names, shapes, values and meta", () => {
    const f = join(dir, "ok.bin");
    saveArrays(f, arrays, { epoch: 3 });
    const { arrays: back, meta } = loadArrays(f);
    assert.deepEqual(meta, { epoch: 3 });
    assert.deepEqual([...back.keys()], ["emb", "bias"]);
    assert.deepEqual(back.get("emb")!.shape, [2, 3]);
    assertClose(back.get("emb")!.data, arrays.get("emb")!.data, 0);
    assertClose(back.get("bias")!.data, [-7.5], 0);
  });
  test("a flipped byte, a truncated file and a wrong magic are refused by name", () => {
    const f = join(dir, "bad.bin");
    saveArrays(f, arrays);
    const good = readFileSync(f);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 40]! ^= 0xff;
    writeFileSync(f, flipped);
    assert.throws(
      () => loadArrays(f),
      (e: unknown) => e instanceof UserError && /bad\.bin.*checksum/.test(e.message),
    );
    writeFileSync(f, good.subarray(0, good.length - 10));
    assert.throws(() => loadArrays(f), UserError);
    writeFileSync(f, Buffer.from("hello world, this is not a parameter file at all"));
    assert.throws(() => loadArrays(f), /magic/);
    assert.throws(() => loadArrays(join(dir, "missing.bin")), /missing\.bin.*cannot read/);
  });
  test("a file of NaNs with a valid checksum is refused, and NaNs are never written", () => {
    const f = join(dir, "nan.bin");
    saveArrays(f, arrays);
    // Overwrite the last float (bias) with NaN, then re-seal the checksum as a forger would.
    const body = Buffer.from(readFileSync(f).subarray(0, -32));
    body.writeFloatLE(Number.NaN, body.length - 4);
    writeFileSync(f, Buffer.concat([body, createHash("sha256").update(body).digest()]));
    assert.throws(
      () => loadArrays(f),
      (e: unknown) =>
        e instanceof UserError && /nan\.bin.*bias holds NaN at index 0/.test(e.message),
    );
    const poisoned = new Map([
      ["w", { shape: [2], data: Float32Array.of(1, Number.POSITIVE_INFINITY) }],
    ]);
    assert.throws(() => saveArrays(join(dir, "inf.bin"), poisoned), /w\[1\] is Infinity/);
    assert.equal(existsSync(join(dir, "inf.bin")), false);
  });
});
