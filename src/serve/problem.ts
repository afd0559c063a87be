import { STATUS_CODES } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * Errors as RFC 9457 problem details: `application/problem+json` with
 * type, title, status, detail. Every client mistake is a 4xx with a reason;
 * nothing about the server's files or stack reaches the client.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
}

export const PROBLEM_TYPE = "application/problem+json";

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
  }
}

/** The reason phrase of a status ("Not Found"), the title of its problems. */
export function statusTitle(status: number): string {
  return STATUS_CODES[status] ?? (status >= 500 ? "Server Error" : "Bad Request");
}

export function problem(status: number, title: string, detail: string, instance?: string): Problem {
  return {
    type: `https://httpwg.org/specs/rfc9110.html#status.${status}`,
    title,
    status,
    detail,
    ...(instance !== undefined ? { instance } : {}),
  };
}

/** The request's path without its query: the `instance` of a problem. */
export function pathOf(req: FastifyRequest): string {
  return req.url.split("?")[0]!;
}

/** Answer a request with a problem (title from the status unless given). */
export function sendProblem(
  reply: FastifyReply,
  req: FastifyRequest,
  status: number,
  detail: string,
  title = statusTitle(status),
): FastifyReply {
  return reply
    .status(status)
    .type(PROBLEM_TYPE)
    .send(problem(status, title, detail, pathOf(req)));
}

export const notFound = (detail: string) => new HttpProblem(404, "Not Found", detail);
export const conflict = (detail: string) => new HttpProblem(409, "Conflict", detail);
export const badRequest = (detail: string) => new HttpProblem(400, "Bad Request", detail);
