import { UserError } from "../util/errors.js";
import type { Cell } from "./types.js";

/**
 * Canonical text of a number, the same whatever format it came from:
 * integers without ".0", anything else the shortest text that reads back
 * as the same double (what `String` gives), `-0` as `0`.
 */
export function canonicalNumber(v: number | bigint): string {
  if (typeof v === "bigint") return v.toString();
  if (Object.is(v, -0)) return "0";
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return BigInt(v).toString();
  return String(v);
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A number from a cell: numbers as they are, decimal text parsed, anything else null. */
export function numericValue(c: Cell): number | null {
  if (typeof c === "number") return Number.isFinite(c) ? c : null;
  if (typeof c === "bigint") return Number(c);
  if (typeof c === "string") {
    const s = c.trim();
    if (!DECIMAL.test(s)) return null;
    const v = Number(s);
    return Number.isFinite(v) ? v : null;
  }
  if (c instanceof Date) return c.getTime() / 1000;
  return null;
}

/** Canonical text of a numeric cell (keeps a bigint's digits), or null when it is not numeric. */
export function numericText(c: Cell): string | null {
  if (typeof c === "bigint") return c.toString();
  const v = numericValue(c);
  return v === null ? null : canonicalNumber(v);
}

/** A cell as text for a token: numbers canonical, dates as ISO text, null for missing. */
export function cellText(c: Cell): string | null {
  if (c === null) return null;
  if (typeof c === "string") return c;
  if (typeof c === "number" || typeof c === "bigint") return canonicalNumber(c);
  if (typeof c === "boolean") return c ? "true" : "false";
  if (c instanceof Date) return c.toISOString();
  return c.map((x) => cellText(x) ?? "").join(" ");
}

/** Where a row-level problem is, for messages: `row N, column "C"`. */
export function rowPlace(row: number, column?: string): string {
  return column === undefined ? `row ${row}` : `row ${row}, column ${JSON.stringify(column)}`;
}

/** A UserError naming the input and the row. */
export function rowError(label: string, row: number, message: string, column?: string): UserError {
  return new UserError(`${rowPlace(row, column)}: ${message}`, { file: label });
}

/** A user or item id: text, never empty, no tab or newline (they would break the atomic file). */
export function idText(c: Cell, label: string, row: number, column: string, what: string): string {
  if (Array.isArray(c))
    throw rowError(label, row, `the ${what} id is a list, expected one value`, column);
  const s = cellText(c);
  if (s === null || s.trim() === "")
    throw rowError(
      label,
      row,
      `the ${what} id is ${s === null ? "missing (null)" : "empty"}`,
      column,
    );
  if (/[\t\n\r]/.test(s))
    throw rowError(
      label,
      row,
      `the ${what} id ${JSON.stringify(s)} holds a tab or line break`,
      column,
    );
  return s;
}

/** A required number (timestamp, rating) at a row; a UserError naming row and column otherwise. */
export function requiredNumber(
  c: Cell,
  label: string,
  row: number,
  column: string,
  what: string,
): number {
  if (c === null) throw rowError(label, row, `the ${what} is missing (null)`, column);
  const v = numericValue(c);
  if (v === null)
    throw rowError(
      label,
      row,
      `expected a number as the ${what}, found ${JSON.stringify(cellText(c))}`,
      column,
    );
  return v;
}
