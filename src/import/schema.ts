import { UserError } from "../util/errors.js";
import { type Cell, ITEM_TYPES, type ItemColumnSpec, type ItemType } from "./types.js";
import { cellText, numericText, numericValue, rowError } from "./values.js";

/**
 * Infers an item column's type from all its values: any list → float_seq
 * when every element is a number, else token_seq; every value numeric →
 * float; a string holding `seqSep` → token_seq; anything else token.
 */
export function inferType(values: Iterable<Cell>, seqSep?: string): ItemType {
  let list = false;
  let listNumeric = true;
  let numeric = true;
  let any = false;
  let split = false;
  for (const v of values) {
    if (v === null) continue;
    any = true;
    if (Array.isArray(v)) {
      list = true;
      for (const x of v) if (x !== null && numericValue(x) === null) listNumeric = false;
      continue;
    }
    if (numericValue(v) === null || typeof v === "boolean" || v instanceof Date) numeric = false;
    if (seqSep !== undefined && typeof v === "string" && v.includes(seqSep)) split = true;
  }
  if (list) return listNumeric && numeric ? "float_seq" : "token_seq";
  if (any && numeric) return "float";
  return split ? "token_seq" : "token";
}

/** Splits text into pieces on `seqSep` (whitespace when none is given), empty pieces dropped. */
function pieces(s: string, seqSep?: string): string[] {
  const parts = seqSep === undefined ? s.split(/\s+/) : s.split(seqSep);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** What a value is written as in the atomic file, and how many had to be cleaned. */
export interface Rendered {
  text: string;
  cleaned: boolean;
}

const BREAKS = /[\t\n\r]/g;

/**
 * A cell as the field text of an atomic file of the given type. Tabs and line
 * breaks in tokens become spaces, spaces inside one token of a token_seq become
 * `_` (RecBole splits on spaces); `cleaned` says it happened.
 */
export function renderCell(
  c: Cell,
  type: ItemType,
  seqSep: string | undefined,
  where: { label: string; row: number; column: string },
): Rendered {
  if (c === null) return { text: "", cleaned: false };
  const bad = (what: string) => rowError(where.label, where.row, what, where.column);
  switch (type) {
    case "float": {
      if (Array.isArray(c)) throw bad("expected one number for a float column, found a list");
      const t = numericText(c);
      if (t === null)
        throw bad(`expected a number for a float column, found ${JSON.stringify(cellText(c))}`);
      return { text: t, cleaned: false };
    }
    case "float_seq": {
      const items = Array.isArray(c) ? c : pieces(cellText(c) ?? "", seqSep);
      const out = items.map((x, k) => {
        const t = x === null ? null : numericText(x);
        if (t === null)
          throw bad(
            `expected a number as element ${k + 1} of a float_seq, found ${JSON.stringify(cellText(x))}`,
          );
        return t;
      });
      return { text: out.join(" "), cleaned: false };
    }
    case "token_seq": {
      const items = Array.isArray(c)
        ? c.map((x) => cellText(x) ?? "")
        : pieces(cellText(c) ?? "", seqSep);
      let cleaned = false;
      const out = items
        .map((x) => x.trim())
        .filter((x) => x !== "")
        .map((x) => {
          const y = x.replace(/\s+/g, "_");
          if (y !== x) cleaned = true;
          return y;
        });
      return { text: out.join(" "), cleaned };
    }
    case "token": {
      if (Array.isArray(c))
        throw bad("expected one value for a token column, found a list (pin it as token_seq)");
      const s = cellText(c) ?? "";
      const t = s.replace(BREAKS, " ");
      return { text: t, cleaned: t !== s };
    }
  }
}

/** `--item-col NAME[:type]` parsed. */
export function parseItemColumn(spec: string): ItemColumnSpec {
  const i = spec.lastIndexOf(":");
  const name = i < 0 ? spec : spec.slice(0, i);
  if (name === "")
    throw new UserError(`--item-col: expected NAME[:type], found ${JSON.stringify(spec)}`);
  if (i < 0) return { name };
  const type = spec.slice(i + 1);
  if (!(ITEM_TYPES as readonly string[]).includes(type))
    throw new UserError(
      `--item-col: unknown type ${JSON.stringify(type)} in ${JSON.stringify(spec)}; expected ${ITEM_TYPES.join(", ")}`,
    );
  return { name, type: type as ItemType };
}
