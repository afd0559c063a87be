import cliProgress from "cli-progress";

/** A progress bar with ETA on stderr (quiet when DEMURE_QUIET=1). */
export interface Progress {
  tick(n?: number, info?: string): void;
  stop(): void;
}

/** Bars still running: their timers would keep the process alive after an error. */
const running = new Set<{ stop(): void }>();

/** Stop every running bar (the CLI does this however a command ends). */
export function stopAllProgress(): void {
  for (const b of running) b.stop();
  running.clear();
}

export function progressBar(total: number, label: string): Progress {
  if (process.env.DEMURE_QUIET === "1") return { tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} | {percentage}% | ETA {eta_formatted} | {info}`,
      hideCursor: false,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { info: "" });
  running.add(bar);
  return {
    tick(n = 1, info = "") {
      bar.increment(n, { info });
    },
    stop() {
      bar.stop();
      running.delete(bar);
    },
  };
}
