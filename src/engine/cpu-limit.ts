/**
 * How many threads the native kernels should use by default: the CPUs this
 * process may run on (os.availableParallelism, which follows the affinity
 * mask), capped by a container's CPU quota (cgroup v2 `cpu.max`, cgroup v1
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us`), rounded up, at least 1.
 * `DEMURE_NUM_THREADS` overrides it.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** CPUs allowed by a cgroup v2 `cpu.max` line ("max 100000" or "200000 100000"), or null. */
export function parseCpuMax(text: string): number | null {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === "max") return null;
  return quotaCpus(Number(quota), Number(period ?? "100000"));
}

/** CPUs allowed by cgroup v1 cfs quota and period (quota −1 means none), or null. */
export function parseCfs(quotaText: string, periodText: string): number | null {
  return quotaCpus(Number(quotaText.trim()), Number(periodText.trim()));
}

function quotaCpus(quota: number, period: number): number | null {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return null;
  return quota / period;
}

export interface CpuSources {
  /** Reads a file's text, or returns null when it cannot. */
  read(path: string): string | null;
  /** CPUs the scheduler lets this process use. */
  parallelism: number;
  /** DEMURE_NUM_THREADS, if set. */
  override: string | undefined;
}

/** The cgroup CPU quota in CPUs, v2 first, or null when there is none. */
export function cgroupCpus(read: CpuSources["read"]): number | null {
  const v2 = read("/sys/fs/cgroup/cpu.max");
  if (v2 !== null) return parseCpuMax(v2);
  for (const dir of ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"]) {
    const quota = read(`${dir}/cpu.cfs_quota_us`);
    const period = read(`${dir}/cpu.cfs_period_us`);
    if (quota !== null && period !== null) return parseCfs(quota, period);
  }
  return null;
}

/** The default thread count from these sources (see the file comment). */
export function defaultThreads(src: CpuSources): number {
  if (src.override !== undefined && src.override !== "") {
    const n = Number.parseInt(src.override, 10);
    if (Number.isInteger(n) && n >= 1) return n;
  }
  const quota = cgroupCpus(src.read);
  const cpus = Math.max(1, src.parallelism);
  return quota === null ? cpus : Math.max(1, Math.min(cpus, Math.ceil(quota)));
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** The default thread count of this process. */
export function processThreads(): number {
  return defaultThreads({
    read: readOrNull,
    parallelism: availableParallelism(),
    override: process.env.DEMURE_NUM_THREADS,
  });
}
