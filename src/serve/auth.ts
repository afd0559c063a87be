import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { UserError } from "../util/errors.js";
import { sendProblem } from "./problem.js";

/** Shortest accepted token: 16 characters (`openssl rand -hex 32` gives 64). */
export const MIN_TOKEN_LENGTH = 16;

/** A token as given on the command line or in DEMURE_TOKEN, checked. */
export function checkToken(token: string, source: string): string {
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new UserError(
      `${source} expects a token of at least ${MIN_TOKEN_LENGTH} characters without spaces (e.g. \`openssl rand -hex 32\`), got ${token.length} characters`,
    );
  }
  return token;
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/**
 * Whether `given` is the token, in time that does not depend on where they
 * differ: both sides are hashed to 32 bytes first, so lengths never leak
 * through an early return either.
 */
export function tokenMatches(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}

/**
 * Bearer-token authentication (RFC 6750) on every request but those
 * `isPublic` lets through: a missing or wrong token is a 401 problem with
 * `WWW-Authenticate: Bearer`. Requests that match no route need the token too,
 * so a stranger cannot map the API by its 404s.
 */
export function bearerAuth(
  app: FastifyInstance,
  token: string,
  isPublic: (req: FastifyRequest) => boolean,
): void {
  const expected = digest(token);
  app.addHook("onRequest", async (req, reply) => {
    if (isPublic(req)) return;
    const header = req.headers.authorization;
    const match = header === undefined ? null : /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header);
    if (match !== null && tokenMatches(match[1]!, expected)) return;
    const challenge =
      header === undefined
        ? 'Bearer realm="demure"'
        : 'Bearer realm="demure", error="invalid_token"';
    reply.header("www-authenticate", challenge);
    return sendProblem(
      reply,
      req,
      401,
      header === undefined
        ? "this server needs an access token: send `Authorization: Bearer TOKEN`"
        : "the access token is wrong or not a bearer token",
    );
  });
}
