import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { loadAddon } from "../../src/engine/addon-path.js";
import { engineInfo, native } from "../../src/engine/index.js";
import { nativeAddonPath, nativeFunctionNames } from "../../src/engine/native.js";
import { Rng } from "../../src/util/rng.js";

const VARIANTS = ["avx512", "avx2", "baseline"];

/** The CPU flags Linux reports, or null elsewhere. */
function cpuFlags(): Set<string> | null {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("flags"));
    return line === undefined ? null : new Set(line.split(":")[1]!.trim().split(/\s+/));
  } catch {
    return null;
  }
}

function withSimd<T>(name: string, fn: () => T): T {
  const before = engineInfo().simd;
  assert.equal(native.setSimd(name), true, `setSimd(${name})`);
  try {
    return fn();
  } finally {
    native.setSimd(before);
  }
}

describe("instruction-set dispatch", () => {
  test("the addon exports exactly the functions native.ts declares", () => {
    const info = engineInfo(); // loads the addon
    assert.ok(info.threads >= 1);
    const exported = Object.keys(loadAddon([nativeAddonPath()]).exports as object);
    assert.deepEqual(exported.sort(), [...nativeFunctionNames].sort());
    for (const name of nativeFunctionNames)
      assert.equal(typeof (native as unknown as Record<string, unknown>)[name], "function", name);
  });

  test("the chosen variant is the best one this CPU runs", () => {
    const { simd, simdSupported } = engineInfo();
    assert.ok(simdSupported.includes("baseline"), "baseline always runs");
    assert.ok(simdSupported.every((v) => VARIANTS.includes(v)));
    assert.ok(simdSupported.includes(simd));
    const flags = cpuFlags();
    if (process.arch === "x64" && flags !== null) {
      const avx2 = flags.has("avx2") && flags.has("fma");
      const avx512 = avx2 && flags.has("avx512f") && flags.has("avx512vl");
      assert.equal(simdSupported.includes("avx2"), avx2);
      assert.equal(simdSupported.includes("avx512"), avx512);
      const forced = process.env.DEMURE_SIMD;
      const no512 = process.env.DEMURE_NO_AVX512 === "1";
      const want =
        forced !== undefined && forced !== ""
          ? forced
          : avx512 && !no512
            ? "avx512"
            : avx2
              ? "avx2"
              : "baseline";
      assert.equal(simd, want);
    } else {
      assert.deepEqual(simdSupported, ["baseline"]);
    }
  });

  test("an unknown variant is refused and changes nothing", () => {
    const before = engineInfo().simd;
    assert.equal(native.setSimd("sse9"), false);
    assert.equal(engineInfo().simd, before);
  });

  test("every supported variant computes the same products and softmax", () => {
    const rng = new Rng(5);
    const [m, n, k] = [37, 45, 70];
    const a = Float32Array.from({ length: m * k }, () => rng.uniform() * 2 - 1);
    const b = Float32Array.from({ length: k * n }, () => rng.uniform() * 2 - 1);
    const run = () => {
      const c = new Float32Array(m * n);
      const blas = native.setBlas(false);
      native.gemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n);
      native.setBlas(blas);
      const s = new Float32Array(m * n);
      native.softmax(c, s, m, n, false);
      return [c, s];
    };
    const ref = withSimd("baseline", run);
    for (const v of engineInfo().simdSupported) {
      const got = withSimd(v, run);
      for (let t = 0; t < ref.length; t++) {
        for (let i = 0; i < ref[t]!.length; i++) {
          const want = ref[t][i]!;
          assert.ok(
            Math.abs(got[t][i]! - want) <= 1e-4 * (1 + Math.abs(want)),
            `${v} [${t}][${i}]`,
          );
        }
      }
    }
  });
});
