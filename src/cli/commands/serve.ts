import type { Command } from "commander";
import { buildServer } from "../../serve/server.js";
import { loadRun } from "../../train/run.js";
import { makeOutput } from "../output.js";
import { nonNegativeInt } from "../parse.js";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description(
      "Serve a trained run: HTTP API (recommendations, POI weights, items, curves) and a web page",
    )
    .requiredOption(
      "--run <dir>",
      "run directory written by `demure train` (loaded read-only, checksum verified)",
    )
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port (0 = any free port)", nonNegativeInt("--port"), 8080)
    .option(
      "--data <dir>",
      "read user histories from this folder (items matched to the run's by id); the run keeps its own data",
    )
    .option("--json", "print one JSON object (the address) as the last stdout line once listening")
    .action(
      async (flags: { run: string; host: string; port: number; data?: string; json?: boolean }) => {
        const out = makeOutput(flags.json === true);
        const run = await loadRun(flags.run, { dataDir: flags.data });
        for (const n of run.notes) out.note(n);
        const app = buildServer(run, { logger: true });
        const address = await app.listen({ host: flags.host, port: flags.port });
        out.result(
          { address, run: run.dir },
          (r) => `serving ${r.run} at ${r.address} (Ctrl-C or SIGTERM to stop)`,
        );
        await new Promise<void>((resolve) => {
          const stop = () => {
            app.close().then(() => resolve());
          };
          process.once("SIGTERM", stop);
          process.once("SIGINT", stop);
        });
      },
    );
}
