import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cgroupCpus, defaultThreads, parseCfs, parseCpuMax } from "../../src/engine/cpu-limit.js";

function files(map: Record<string, string>): (path: string) => string | null {
  return (path) => map[path] ?? null;
}

describe("container CPU limits", () => {
  test("cgroup v2 cpu.max", () => {
    assert.equal(parseCpuMax("max 100000\n"), null);
    assert.equal(parseCpuMax("200000 100000\n"), 2);
    assert.equal(parseCpuMax("150000 100000"), 1.5);
    assert.equal(parseCpuMax("50000"), 0.5);
    assert.equal(parseCpuMax("garbage"), null);
  });

  test("cgroup v1 cfs quota and period", () => {
    assert.equal(parseCfs("-1\n", "100000\n"), null);
    assert.equal(parseCfs("300000\n", "100000\n"), 3);
    assert.equal(parseCfs("0", "0"), null);
  });

  test("v2 is read first, then either v1 mount", () => {
    assert.equal(cgroupCpus(files({ "/sys/fs/cgroup/cpu.max": "400000 100000" })), 4);
    const v1 = {
      "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "100000",
      "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000",
    };
    assert.equal(cgroupCpus(files(v1)), 1);
    assert.equal(cgroupCpus(files({})), null);
  });

  test("threads: the quota rounded up caps the CPUs; DEMURE_NUM_THREADS overrides", () => {
    const quota = files({ "/sys/fs/cgroup/cpu.max": "150000 100000" });
    assert.equal(defaultThreads({ read: quota, parallelism: 16, override: undefined }), 2);
    assert.equal(defaultThreads({ read: quota, parallelism: 1, override: undefined }), 1);
    assert.equal(defaultThreads({ read: files({}), parallelism: 8, override: undefined }), 8);
    assert.equal(defaultThreads({ read: quota, parallelism: 16, override: "5" }), 5);
    assert.equal(defaultThreads({ read: quota, parallelism: 16, override: "zero" }), 2);
    const tiny = files({ "/sys/fs/cgroup/cpu.max": "10000 100000" });
    assert.equal(defaultThreads({ read: tiny, parallelism: 4, override: undefined }), 1);
  });
});
