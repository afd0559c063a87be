import assert from "node:assert/strict";

export interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/** A 4xx/5xx answer must be problem details (RFC 9457) that say what was wrong. */
export function assertProblem(res: Answer, status: number): { title: string; detail: string } {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
  const p = JSON.parse(res.body) as { status: number; title: string; detail: string; type: string };
  assert.equal(p.status, status);
  assert.match(p.type, new RegExp(`#status\\.${status}$`));
  assert.ok(p.title.length > 0 && p.detail.length > 0);
  return p;
}
