import helmet from "@fastify/helmet";
import type { FastifyInstance } from "fastify";

/**
 * The Content-Security-Policy of the page (src/web): everything it loads is
 * its own (index.html, style.css, app.js, chart.js from /assets) and it
 * talks only to this server, so nothing outside 'self' is allowed: no inline
 * script or style, no eval, no framing by any other page.
 */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
} as const;

/**
 * Headers a browser needs to be safe with our answers, for the cases
 * where a request never reaches Fastify's hooks (a malformed request line,
 * a header too large): no sniffing a problem as HTML, no framing.
 */
export const BASELINE_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
};

/**
 * Security headers on every answer (@fastify/helmet): the CSP above,
 * `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, no referrer,
 * same-origin opener and resource policies; HSTS only over TLS (a browser
 * ignores it on plain HTTP, and upgrade-insecure-requests would break a
 * plain-HTTP page).
 */
export function securityHeaders(app: FastifyInstance, tls: boolean): void {
  app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { ...CSP_DIRECTIVES, ...(tls ? { upgradeInsecureRequests: [] } : {}) },
    },
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    crossOriginOpenerPolicy: { policy: "same-origin" },
    crossOriginResourcePolicy: { policy: "same-origin" },
    strictTransportSecurity: tls ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  });
}
