import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import type { FastifyInstance } from "fastify";
import { UserError } from "../util/errors.js";
import { sendProblem } from "./problem.js";

/**
 * The Host header allow-list. A browser tricked by DNS rebinding sends the
 * attacker's name in Host (`evil.example:8080`) to our address; refusing
 * names we do not answer to closes that door.
 *
 * A rule is a hostname (lower case, IPv6 without brackets) and a port:
 * a number, "any", or "listen" (the port the server listens on).
 */
export interface HostRule {
  hostname: string;
  port: number | "any" | "listen";
}

/** Every Host is accepted: `--allowed-host '*'` (behind a proxy that checks Host itself). */
export const ANY_HOST: HostRule = { hostname: "*", port: "any" };

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"];

/** Whether an address or name stays on this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

const isWildcard = (host: string) => host === "0.0.0.0" || host === "::" || host === "[::]";

/**
 * The names a server bound to `host` answers to without being told: the
 * bound host itself and the loopback names, on the port it listens on; bound
 * to every interface (0.0.0.0, ::), each interface's address too (an address
 * is never the product of DNS rebinding).
 */
export function defaultHostRules(host: string): HostRule[] {
  const names = new Set(LOOPBACK_NAMES);
  if (isWildcard(host)) {
    for (const addrs of Object.values(networkInterfaces()))
      for (const a of addrs ?? []) names.add(a.address.toLowerCase());
  } else names.add(host.toLowerCase().replace(/^\[|\]$/g, ""));
  return [...names].map((hostname) => ({ hostname, port: "listen" }));
}

/** A Host header (or a `--allowed-host` value) as hostname and optional port; null if malformed. */
export function splitHost(value: string): { hostname: string; port?: number } | null {
  const v = value.trim().toLowerCase();
  const m =
    /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(v) ?? /^([^:[\]\s/@]+)(?::(\d{1,5}))?$/.exec(v);
  if (m === null) return null;
  const hostname = m[1]!.replace(/\.$/, "");
  if (hostname === "" || (v.startsWith("[") && isIP(hostname) !== 6)) return null;
  if (m[2] === undefined) return { hostname };
  const port = Number(m[2]);
  return port <= 65535 ? { hostname, port } : null;
}

/**
 * `--allowed-host` values (repeatable, each a comma list) as rules: `NAME`
 * (any port), `NAME:PORT`, `[v6]`, `[v6]:PORT`, or `*` (any Host at all).
 */
export function parseAllowedHosts(values: readonly string[], flag = "--allowed-host"): HostRule[] {
  const rules: HostRule[] = [];
  for (const value of values.flatMap((v) => v.split(","))) {
    if (value.trim() === "*") {
      rules.push(ANY_HOST);
      continue;
    }
    const parts = splitHost(value);
    if (parts === null)
      throw new UserError(
        `${flag} expects host names like api.example.com, api.example.com:8443, [::1]:8080 or *, got "${value}"`,
      );
    rules.push({ hostname: parts.hostname, port: parts.port ?? "any" });
  }
  return rules;
}

/**
 * Whether a Host header matches a rule, given the port the server listens on
 * (if known) and the scheme's port (80, 443) that a Host without one means.
 */
export function hostAllowed(
  header: string | undefined,
  rules: readonly HostRule[],
  listenPort: number | undefined,
  schemePort = 80,
): boolean {
  if (rules.some((r) => r.hostname === "*")) return true;
  if (header === undefined) return false;
  const parts = splitHost(header);
  if (parts === null) return false;
  const port = parts.port ?? schemePort;
  return rules.some((r) => {
    if (r.hostname !== parts.hostname) return false;
    if (r.port === "any") return true;
    // Not listening (app.inject): there is no port to hold the request to.
    if (r.port === "listen") return listenPort === undefined || port === listenPort;
    return port === r.port;
  });
}

/** Refuse, with a 421 problem, every request whose Host is not on the list. */
export function hostCheck(app: FastifyInstance, rules: readonly HostRule[], tls: boolean): void {
  const listenPort = (): number | undefined => {
    const a = app.server.address();
    return a !== null && typeof a === "object" ? a.port : undefined;
  };
  app.addHook("onRequest", async (req, reply) => {
    const host = req.headers.host ?? req.headers[":authority"];
    const header = Array.isArray(host) ? undefined : host;
    if (hostAllowed(header, rules, listenPort(), tls ? 443 : 80)) return;
    return sendProblem(
      reply,
      req,
      421,
      `this server does not answer to the host "${(header ?? "").slice(0, 100)}"; start it with --allowed-host NAME to add a name`,
    );
  });
}
