import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import type { AnnIndex } from "../ann/store.js";
import type { LoadedRun } from "../train/run.js";
import { bearerAuth } from "./auth.js";
import {
  clientErrorHandler,
  frameworkErrors,
  handleErrors,
  methodNotAllowed,
  routeMethods,
} from "./errors.js";
import { rejectNonFinite } from "./finite.js";
import { securityHeaders } from "./headers.js";
import { defaultHostRules, type HostRule, hostCheck } from "./host-check.js";
import {
  applyLimits,
  fastifyLimitOptions,
  type Limits,
  nodeServerOptions,
  resolveLimits,
} from "./limits.js";
import { PAGE_URLS, pageRoutes } from "./page.js";
import { apiRoutes } from "./routes.js";

export interface ServeOptions {
  /** Structured request logs (pino, on stderr); off in tests. */
  logger?: boolean;
  /** Largest accepted request body in bytes (default 64 KiB). */
  bodyLimit?: number;
  /** Largest k (default 1000). */
  maxK?: number;
  /**
   * Bearer token every route but `/health` and the page's files needs
   * (none: no authentication). At least 16 characters; see `checkToken`.
   */
  token?: string;
  /** The address the server will listen on (default 127.0.0.1): its Host names by default. */
  host?: string;
  /** Host header rules besides the defaults (see `parseAllowedHosts`). */
  allowedHosts?: readonly HostRule[];
  /** Serve HTTPS with this PEM certificate chain and key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Connection, lag, time and size limits (defaults: `DEFAULT_LIMITS`). */
  limits?: Partial<Limits>;
  /**
   * Answer recommendations through this approximate nearest-neighbour index
   * of the run's items (`AnnIndex.open`); none: exact top-k.
   */
  ann?: AnnIndex | null;
}

/** Routes anyone may ask for: the health check and the page (which holds no data). */
const isPublic = (req: FastifyRequest) =>
  req.routeOptions.url === "/health" || PAGE_URLS.has(req.routeOptions.url ?? "");

/**
 * The HTTP API and web page for one trained run (loaded read-only before the
 * server starts; nothing a request carries is used as a path), hardened for a
 * network: Host allow-list, optional bearer token and TLS, security headers,
 * a connection cap, load shedding and problem details for every error.
 *
 *   const app = buildServer(await loadRun("runs/x"), { token: process.env.DEMURE_TOKEN });
 *   await app.listen({ host: "127.0.0.1", port: 8080 });
 */
export function buildServer(run: LoadedRun, opts: ServeOptions = {}): FastifyInstance {
  const limits = resolveLimits(opts.limits);
  const tls = opts.tls !== undefined;
  const app = Fastify({
    // Logs are JSON lines on stderr; stdout stays for the command's own output.
    logger: opts.logger === true ? { level: "info", stream: process.stderr } : false,
    bodyLimit: opts.bodyLimit ?? 64 * 1024,
    // strictNumbers: NaN and ±Infinity (JSON 1e309, ?offset=1e309) are not numbers.
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, strictNumbers: true } },
    // A `__proto__` or `constructor.prototype` key in a JSON body is valid JSON: it is
    // dropped while parsing (never reaching an object's prototype), not refused.
    onProtoPoisoning: "remove",
    onConstructorPoisoning: "remove",
    ...fastifyLimitOptions(limits),
    ...(tls
      ? { https: { ...opts.tls, ...nodeServerOptions(limits) } }
      : { http: nodeServerOptions(limits) }),
    frameworkErrors,
    clientErrorHandler,
  });
  // JSON only: a body of any other type is a 415, not parsed as text.
  app.removeContentTypeParser("text/plain");
  handleErrors(app);
  // Hooks run in this order: headers, load shedding, Host, token.
  securityHeaders(app, tls);
  applyLimits(app, limits);
  app.after(() => {
    hostCheck(
      app,
      [...defaultHostRules(opts.host ?? "127.0.0.1"), ...(opts.allowedHosts ?? [])],
      tls,
    );
    if (opts.token !== undefined) bearerAuth(app, opts.token, isPublic);
  });
  rejectNonFinite(app);
  const routes = routeMethods(app);
  apiRoutes(app, run, opts.maxK ?? 1000, opts.ann ?? null);
  pageRoutes(app);
  app.after(() => methodNotAllowed(app, routes));
  return app;
}
