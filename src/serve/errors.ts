import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isUserError } from "../util/errors.js";
import { BASELINE_HEADERS } from "./headers.js";
import { HttpProblem, PROBLEM_TYPE, problem, sendProblem, statusTitle } from "./problem.js";

/** Fastify's error codes whose own message would not say what to fix. */
const DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "the body must be JSON (Content-Type: application/json)",
  FST_ERR_CTP_BODY_TOO_LARGE: "the body is larger than this server accepts",
  FST_ERR_CTP_EMPTY_JSON_BODY: "Content-Type is application/json but the body is empty",
  FST_ERR_CTP_INVALID_JSON_BODY: "the body is not valid JSON",
  FST_UNDER_PRESSURE: "the server is overloaded; retry after the time in Retry-After",
};

/**
 * Every error as a problem (RFC 9457): our own problems as raised, user
 * errors as 400, Fastify's 4xx (validation, 413, 415, malformed JSON) and the
 * 503 of load shedding with their status, and anything else as a 500 whose
 * detail says nothing about the server (the error goes to the log).
 */
export function handleErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof HttpProblem)
      return sendProblem(reply, req, err.status, err.message, err.title);
    if (isUserError(err)) return sendProblem(reply, req, 400, err.message);
    const status = err.statusCode ?? 500;
    if ((status >= 400 && status < 500) || err.code === "FST_UNDER_PRESSURE") {
      const detail =
        DETAILS[err.code] ??
        (err instanceof SyntaxError ? `the body is not valid JSON: ${err.message}` : err.message);
      return sendProblem(reply, req, status, detail);
    }
    req.log.error(err);
    return sendProblem(reply, req, 500, "the server failed to answer this request");
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, req, 404, `no route ${req.method} ${req.url.split("?")[0]}`),
  );
}

/** Errors the router raises before any route or hook runs (bad URL, too-long parameter). */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  reply.headers(BASELINE_HEADERS);
  return sendProblem(reply, req, err.statusCode ?? 400, err.message);
}

/**
 * Errors Node's HTTP parser meets before there is a request (a head over the
 * size limit, a request too slow to arrive, bytes that are not HTTP): a
 * problem written straight to the socket, which is then closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const [status, detail] =
    err.code === "HPE_HEADER_OVERFLOW"
      ? [431, "the request line and headers are larger than this server accepts"]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "the request did not arrive in time"]
        : [400, "the request is not valid HTTP/1.1"];
  const body = JSON.stringify(problem(status, statusTitle(status), detail));
  const headers = {
    ...BASELINE_HEADERS,
    "content-type": PROBLEM_TYPE,
    "content-length": String(Buffer.byteLength(body)),
    connection: "close",
  };
  if (socket.writable) {
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    socket.write(`HTTP/1.1 ${status} ${statusTitle(status)}\r\n${head}\r\n${body}`);
  }
  socket.destroy();
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] as const;

/**
 * A 405 (with Allow) for a known path asked with another method, instead of
 * a 404 that would say the path does not exist. Call after every route is
 * declared: it answers the methods the routes so far left free.
 */
export function methodNotAllowed(app: FastifyInstance, routes: ReadonlyMap<string, Set<string>>) {
  for (const [url, used] of routes) {
    if (used.has("GET")) used.add("HEAD");
    const allow = [...used].join(", ");
    const free = METHODS.filter((m) => !used.has(m));
    app.route({
      method: free,
      url,
      exposeHeadRoute: false,
      handler: async (req, reply) => {
        reply.header("allow", allow);
        return sendProblem(reply, req, 405, `${req.method} is not allowed here; use ${allow}`);
      },
    });
  }
}

/** Collects each route's methods by URL, for `methodNotAllowed`. */
export function routeMethods(app: FastifyInstance): Map<string, Set<string>> {
  const routes = new Map<string, Set<string>>();
  app.addHook("onRoute", (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    const set = routes.get(r.url) ?? new Set<string>();
    for (const m of methods) set.add(m);
    routes.set(r.url, set);
  });
  return routes;
}
