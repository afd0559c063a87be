import { type Command, Option } from "commander";
import { AnnIndex } from "../../ann/store.js";
import { checkToken } from "../../serve/auth.js";
import { isLoopback, parseAllowedHosts } from "../../serve/host-check.js";
import { DEFAULT_LIMITS } from "../../serve/limits.js";
import { buildServer } from "../../serve/server.js";
import { readTls } from "../../serve/tls.js";
import { loadRun } from "../../train/run.js";
import { makeOutput } from "../output.js";
import { nonNegativeInt, port, positiveInt } from "../parse.js";

interface ServeFlags {
  run: string;
  host: string;
  port: number;
  data?: string;
  json?: boolean;
  token?: string;
  cert?: string;
  key?: string;
  allowedHost: string[];
  maxConnections: number;
  maxEventLoopDelay: number;
  requestTimeout: number;
  exact?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

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
    .option("--port <port>", "port, 0 to 65535 (0 = any free port)", port("--port"), 8080)
    .option(
      "--data <dir>",
      "read user histories from this folder (items matched to the run's by id); the run keeps its own data",
    )
    .option("--json", "print one JSON object (the address) as the last stdout line once listening")
    .addOption(
      new Option(
        "--token <token>",
        "bearer token every route but /health and the page needs (≥ 16 characters); prefer the environment variable, which `ps` does not show",
      ).env("DEMURE_TOKEN"),
    )
    .option("--cert <file>", "serve HTTPS with this PEM certificate chain (with --key)")
    .option("--key <file>", "the PEM private key of --cert")
    .option(
      "--allowed-host <host>",
      "a Host header name to answer besides the bound host and localhost (repeatable or comma list; NAME, NAME:PORT or *)",
      collect,
      [],
    )
    .option(
      "--max-connections <n>",
      "open connections at most; more are closed on accept",
      positiveInt("--max-connections"),
      DEFAULT_LIMITS.maxConnections,
    )
    .option(
      "--max-event-loop-delay <ms>",
      "shed requests with 503 + Retry-After while the event loop lags more than this (0 = never)",
      nonNegativeInt("--max-event-loop-delay"),
      DEFAULT_LIMITS.maxEventLoopDelayMs,
    )
    .option(
      "--request-timeout <ms>",
      "time a client has to send a whole request",
      positiveInt("--request-timeout"),
      DEFAULT_LIMITS.requestTimeoutMs,
    )
    .option(
      "--exact",
      "exact top-k over every item even when the run has an index (RUN/index/, from `demure index`)",
    )
    .action(async (flags: ServeFlags, cmd: Command) => {
      const out = makeOutput(flags.json === true);
      // Every flag is checked before the run is loaded.
      const source = cmd.getOptionValueSource("token") === "env" ? "DEMURE_TOKEN" : "--token";
      const token = flags.token === undefined ? undefined : checkToken(flags.token, source);
      const tls = readTls(flags.cert, flags.key);
      const allowedHosts = parseAllowedHosts(flags.allowedHost);
      const run = await loadRun(flags.run, { dataDir: flags.data });
      for (const n of run.notes) out.note(n);
      // The index answers when there is one (a stale one is refused), unless --exact.
      const ann = flags.exact === true ? null : await AnnIndex.open(run);
      const app = buildServer(run, {
        ann,
        logger: true,
        host: flags.host,
        token,
        tls,
        allowedHosts,
        limits: {
          maxConnections: flags.maxConnections,
          maxEventLoopDelayMs: flags.maxEventLoopDelay,
          requestTimeoutMs: flags.requestTimeout,
        },
      });
      // A backlog as deep as the cap: a burst of connections waits in the kernel's
      // queue instead of having its SYNs dropped (retried after 1 s, 3 s, 7 s).
      const address = await app.listen({
        host: flags.host,
        port: flags.port,
        backlog: flags.maxConnections,
      });
      if (!isLoopback(flags.host)) warnExposed(out.note, flags.host, token !== undefined, !!tls);
      out.result(
        {
          address,
          run: run.dir,
          auth: token !== undefined,
          tls: tls !== undefined,
          search: ann === null ? "exact" : "ann",
        },
        (r) => `serving ${r.run} at ${r.address}, ${r.search} top-k (Ctrl-C or SIGTERM to stop)`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          app.close().then(() => resolve());
        };
        process.once("SIGTERM", stop);
        process.once("SIGINT", stop);
      });
    });
}

/** The loud notes for a server other machines can reach. */
function warnExposed(note: (m: string) => void, host: string, auth: boolean, tls: boolean): void {
  if (!auth) {
    note(
      [
        "",
        `WARNING: demure serve is listening on ${host} WITHOUT AUTHENTICATION.`,
        "WARNING: anyone who can reach this address can read every user's recommendations and POI weights.",
        "WARNING: set DEMURE_TOKEN (or --token), or bind to 127.0.0.1 behind a reverse proxy; see docs/security.md.",
        "",
      ].join("\n"),
    );
  } else if (!tls) {
    note(
      `note: the token travels in clear text to ${host}; use --cert/--key or a TLS reverse proxy (docs/security.md)`,
    );
  }
}
