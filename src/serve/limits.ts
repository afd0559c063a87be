import underPressure from "@fastify/under-pressure";
import type { FastifyInstance } from "fastify";

/**
 * What one server takes on before it says no. A recommendation is computed
 * on the event loop, so requests queue in the loop, not in handlers: when
 * the loop lags, new requests are shed with a cheap 503 (and Retry-After)
 * instead of waiting in line until the client gives up.
 */
export interface Limits {
  /** Open sockets at most; the next one is closed on accept (`server.maxConnections`). */
  maxConnections: number;
  /** Event-loop lag (ms, mean over a sample) above which requests get 503; 0 = never shed. */
  maxEventLoopDelayMs: number;
  /** How often the lag is sampled (ms). */
  sampleIntervalMs: number;
  /** The Retry-After of a 503 (s). */
  retryAfterS: number;
  /** Time to receive a whole request (ms); a slow sender is cut off with 408. */
  requestTimeoutMs: number;
  /** Time to receive the headers (ms), at most requestTimeoutMs. */
  headersTimeoutMs: number;
  /** How long an idle keep-alive socket is kept (ms). */
  keepAliveTimeoutMs: number;
  /** Largest request head (request line and headers) in bytes; more is a 431. */
  maxHeaderBytes: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxConnections: 1024,
  maxEventLoopDelayMs: 200,
  sampleIntervalMs: 250,
  retryAfterS: 2,
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
};

export function resolveLimits(given: Partial<Limits> = {}): Limits {
  const limits = { ...DEFAULT_LIMITS, ...given };
  limits.headersTimeoutMs = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return limits;
}

/** Fastify's own options for the limits (timeouts, header size). */
export function fastifyLimitOptions(limits: Limits) {
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Sockets idle this long with a request in progress are closed too.
    connectionTimeout: limits.requestTimeoutMs * 2,
  };
}

/** Node's own server options: the head size, and how often the timeouts are checked. */
export function nodeServerOptions(limits: Limits) {
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    // Node checks the header and request timeouts every 30 s by default, which
    // would let a slow sender hold a socket far past them.
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  };
}

/** Load shedding (@fastify/under-pressure) and the connection cap. */
export function applyLimits(app: FastifyInstance, limits: Limits): void {
  app.server.maxConnections = limits.maxConnections;
  app.server.headersTimeout = limits.headersTimeoutMs;
  if (limits.maxEventLoopDelayMs > 0) {
    // Start-up (compiling the routes' schemas, binding) blocks the loop once; the
    // lag sample that spans it would shed the very first requests. For two sample
    // intervals after the server is ready, a high lag is the start-up's, not load.
    let graceUntil = Number.POSITIVE_INFINITY;
    app.addHook("onReady", async () => {
      graceUntil = performance.now() + 2 * limits.sampleIntervalMs;
    });
    app.register(underPressure, {
      maxEventLoopDelay: limits.maxEventLoopDelayMs,
      sampleInterval: limits.sampleIntervalMs,
      pressureHandler: (_req, reply) => {
        if (performance.now() < graceUntil) return undefined;
        reply.status(503).header("Retry-After", String(limits.retryAfterS));
        return Promise.reject(overloaded());
      },
    });
  }
}

/** The error a shed request ends in (answered as a 503 problem by errors.ts). */
function overloaded(): Error {
  return Object.assign(new Error("Service Unavailable"), {
    code: "FST_UNDER_PRESSURE",
    statusCode: 503,
  });
}
