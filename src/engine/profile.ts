/**
 * Where a step's time goes, op by op and kernel by kernel: `DEMURE_PROFILE=1`
 * turns it on for the process, and a table is printed on stderr at exit.
 *
 * - An op's forward time is the wall time from the previous op's result (or
 *   from entering a `withBufferPool` step) to its own result: its kernels and
 *   the JS around them. Time between steps is not counted.
 * - An op's backward time is the wall time of its backward closure.
 * - A kernel's time is the wall time of each call into the native addon;
 *   inside an op it is also added to that op's kernel column, so "JS" time
 *   is the op's time minus its kernels'.
 * - Rows in brackets (`[adam.update]`) are parts of a step outside the
 *   graph, timed whole (`timedSection`); their time is in the forward columns.
 * Off (the default), none of this runs: the kernels are the addon's own
 * functions and `fromOp` records nothing.
 */

/** Whether this process profiles (read once, at start). */
export const profiling = process.env.DEMURE_PROFILE === "1";

/** One op's totals. */
export interface OpProfile {
  op: string;
  forwardMs: number;
  forwardCalls: number;
  forwardKernelMs: number;
  backwardMs: number;
  backwardCalls: number;
  backwardKernelMs: number;
}

/** One kernel's totals. */
export interface KernelProfile {
  kernel: string;
  ms: number;
  calls: number;
}

const ops = new Map<string, OpProfile>();
const kernels = new Map<string, KernelProfile>();
/** When the last op's result was made (forward), or the step began. */
let last = 0;
/** Kernel time since `last` in the forward pass (it belongs to the next op result). */
let pendingKernelMs = 0;
/** Where a kernel's time goes while a backward closure or a section runs. */
let sink: ((ms: number) => void) | null = null;

function row(op: string): OpProfile {
  let r = ops.get(op);
  if (r === undefined) {
    r = {
      op,
      forwardMs: 0,
      forwardCalls: 0,
      forwardKernelMs: 0,
      backwardMs: 0,
      backwardCalls: 0,
      backwardKernelMs: 0,
    };
    ops.set(op, r);
  }
  return r;
}

/** Private helpers behind several ops (elementwise.ts): the op is the frame that called them. */
const SHARED_HELPERS = new Set(["binary", "unary"]);

/**
 * The name of the op that called `fromOp`: the first stack frame outside
 * tensor.ts and the shared helpers. Exported functions have their own names
 * (`matmul`); `add = (a, b) => binary("add", a, b)` is `add`.
 */
function callerOp(): string {
  const stack = new Error().stack?.split("\n") ?? [];
  for (const line of stack.slice(1)) {
    if (line.includes("/engine/tensor.") || line.includes("/engine/profile.")) continue;
    const m = /at (?:Object\.|Module\.)?([\w$.<>]+) \(/.exec(line);
    if (m && SHARED_HELPERS.has(m[1]!)) continue;
    if (m) return m[1]!;
    const file = /([\w-]+)\.[jt]s:(\d+)/.exec(line);
    return file ? `${file[1]}:${file[2]}` : "op";
  }
  return "op";
}

/** Marks the start of a step: time before it is no op's. */
export function profileMark(): void {
  if (!profiling) return;
  last = performance.now();
  pendingKernelMs = 0;
}

/** Records an op result made now; returns the op's name for its backward. */
export function recordForward(): string {
  const now = performance.now();
  const name = callerOp();
  const r = row(name);
  if (last > 0) r.forwardMs += now - last;
  r.forwardCalls++;
  r.forwardKernelMs += pendingKernelMs;
  pendingKernelMs = 0;
  // The stack walk above is the profiler's own cost: not the next op's time.
  last = performance.now();
  return name;
}

/** Runs an op's backward closure, timed under its name. */
export function timedBackward(op: string, fn: () => void): void {
  const r = row(op);
  const outer = sink;
  sink = (ms) => {
    r.backwardKernelMs += ms;
  };
  const t0 = performance.now();
  try {
    fn();
  } finally {
    r.backwardMs += performance.now() - t0;
    r.backwardCalls++;
    sink = outer;
    last = performance.now();
  }
}

/**
 * Runs a part of a step that is not an op of the graph (the optimiser's
 * update, zeroing gradients), timed as a row `[name]` whose time is in the
 * forward columns. Without profiling it just runs `fn`.
 */
export function timedSection<T>(name: string, fn: () => T): T {
  if (!profiling) return fn();
  const r = row(`[${name}]`);
  const outer = sink;
  sink = (ms) => {
    r.forwardKernelMs += ms;
  };
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    r.forwardMs += performance.now() - t0;
    r.forwardCalls++;
    sink = outer;
    last = performance.now();
  }
}

/** A native kernel wrapped so that each call is timed (used only when profiling). */
export function timedKernel<F extends (...args: never[]) => unknown>(name: string, fn: F): F {
  const wrapped = (...args: Parameters<F>): ReturnType<F> => {
    const t0 = performance.now();
    try {
      return fn(...args) as ReturnType<F>;
    } finally {
      const ms = performance.now() - t0;
      let k = kernels.get(name);
      if (k === undefined) {
        k = { kernel: name, ms: 0, calls: 0 };
        kernels.set(name, k);
      }
      k.ms += ms;
      k.calls++;
      if (sink !== null) sink(ms);
      else pendingKernelMs += ms;
    }
  };
  return wrapped as unknown as F;
}

/** The totals so far, ops by forward + backward time, kernels by time (largest first). */
export function profileReport(): { ops: OpProfile[]; kernels: KernelProfile[] } {
  return {
    ops: [...ops.values()].sort(
      (a, b) => b.forwardMs + b.backwardMs - (a.forwardMs + a.backwardMs),
    ),
    kernels: [...kernels.values()].sort((a, b) => b.ms - a.ms),
  };
}

/** Forgets every total (e.g. after warm-up steps). */
export function resetProfile(): void {
  ops.clear();
  kernels.clear();
  last = 0;
  pendingKernelMs = 0;
}

/** The report as two aligned text tables. */
export function formatProfile(): string {
  const { ops: o, kernels: k } = profileReport();
  const f = (x: number) => x.toFixed(1);
  const opRows = o.map((r) => [
    r.op,
    f(r.forwardMs),
    f(r.forwardKernelMs),
    `${r.forwardCalls}`,
    f(r.backwardMs),
    f(r.backwardKernelMs),
    `${r.backwardCalls}`,
    f(r.forwardMs + r.backwardMs),
  ]);
  const opHead = ["op", "fwd ms", "fwd kernel ms", "fwd calls", "bwd ms", "bwd kernel ms"];
  const kernelRows = k.map((r) => [r.kernel, f(r.ms), `${r.calls}`]);
  return [
    table([...opHead, "bwd calls", "total ms"], opRows),
    "",
    table(["kernel", "ms", "calls"], kernelRows),
  ].join("\n");
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

if (profiling) {
  process.on("exit", () => {
    process.stderr.write(`\nDEMURE_PROFILE: time per op and per kernel\n${formatProfile()}\n`);
  });
}
