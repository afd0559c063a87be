// Prints the SIMD flags for the machine the addon is built on (it is built from
// source at install time). DEMURE_PORTABLE=1 prints none, for a build that runs
// on any CPU of the architecture.
const fs = require("node:fs");
let flags = "";
if (process.env.DEMURE_PORTABLE !== "1" && process.arch === "x64") {
  try {
    const info = fs.readFileSync("/proc/cpuinfo", "utf8");
    const line = info.split("\n").find((l) => l.startsWith("flags")) || "";
    const has = (f) => new RegExp(`\\b${f}\\b`).test(line);
    if (has("avx2") && has("fma")) flags = "-mavx2 -mfma";
    if (flags !== "" && has("avx512f") && has("avx512vl") && process.env.DEMURE_NO_AVX512 !== "1") {
      flags += " -mavx512f -mavx512vl";
    }
  } catch {
    flags = "";
  }
}
process.stdout.write(flags);
