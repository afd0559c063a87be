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

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
  }
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

export const notFound = (detail: string) => new HttpProblem(404, "Not Found", detail);
export const conflict = (detail: string) => new HttpProblem(409, "Conflict", detail);
export const badRequest = (detail: string) => new HttpProblem(400, "Bad Request", detail);
