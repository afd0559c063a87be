import cliProgress from "cli-progress";

/** A progress bar with ETA on stderr (quiet when DEMURE_QUIET=1). */
export interface Progress {
  tick(n?: number, info?: string): void;
  stop(): void;
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
  return {
    tick(n = 1, info = "") {
      bar.increment(n, { info });
    },
    stop() {
      bar.stop();
    },
  };
}
