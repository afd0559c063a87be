import type { FastifyInstance } from "fastify";
import { badRequest } from "./problem.js";

/**
 * The path of the first number in `value` that is NaN or ±Infinity, or null.
 * Depth is bounded by the body limit and the schemas; this walks what they let through.
 */
export function nonFinitePath(value: unknown, path: string): string | null {
  if (typeof value === "number") return Number.isFinite(value) ? null : path;
  if (value === null || typeof value !== "object") return null;
  for (const [k, v] of Object.entries(value)) {
    const found = nonFinitePath(v, `${path}/${k}`);
    if (found !== null) return found;
  }
  return null;
}

/**
 * No NaN or ±Infinity reaches a handler. The validator's `strictNumbers`
 * refuses them as JSON numbers (`"k": 1e309`), but a query string it
 * coerces ("?offset=1e309" → Infinity) skips its range checks, so the
 * coerced values are looked at once more here, naming the field.
 */
export function rejectNonFinite(app: FastifyInstance): void {
  app.addHook("preHandler", async (req) => {
    const path =
      nonFinitePath(req.query, "querystring") ??
      nonFinitePath(req.params, "params") ??
      nonFinitePath(req.body, "body");
    if (path !== null) throw badRequest(`${path} must be a finite number`);
  });
}
