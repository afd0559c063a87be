import { UserError } from "../../util/errors.js";
import { quote } from "./header.js";
import type { AtomicColumn, FieldSpec } from "./types.js";

/** Accumulates the values of one column, row by row, validating each field. */
export interface ColumnBuilder {
  /** Adds the raw text of this column's field on the given 1-based line. */
  add(raw: string, line: number): void;
  /** The finished column. */
  finish(): AtomicColumn;
}

/** Options that change how a column is read. */
export interface ColumnOptions {
  /** For `float_seq`: allow rows of different lengths (default: all non-empty rows agree). */
  ragged?: boolean;
}

/**
 * Parses a decimal number strictly: digits with optional sign, point and
 * exponent (`-1.5e-3`, `.5`, `7.`). Returns `NaN` for anything else (`"abc"`,
 * `"NaN"`, `"inf"`, `"0x1"`, `""`, `" 1"`) and for values that overflow to
 * infinity. The value itself comes from `Number`, so it is correctly rounded.
 */
export function parseStrictFloat(s: string): number {
  return isDecimal(s) ? finiteOrNaN(Number(s)) : Number.NaN;
}

/** The largest float32: models store every value as float32, so anything beyond overflows to ±Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

function beyondFloat32(v: number): boolean {
  return Math.abs(v) > FLOAT32_MAX;
}

function finiteOrNaN(v: number): number {
  return Number.isFinite(v) ? v : Number.NaN;
}

/** `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`, without a regex. */
function isDecimal(s: string): boolean {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 43 || c === 45) i++;
  let digits = 0;
  while (i < n && isDigit(s.charCodeAt(i))) {
    i++;
    digits++;
  }
  if (i < n && s.charCodeAt(i) === 46) {
    i++;
    while (i < n && isDigit(s.charCodeAt(i))) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return false;
  if (i < n) {
    c = s.charCodeAt(i);
    if (c !== 101 && c !== 69) return false;
    i++;
    c = s.charCodeAt(i);
    if (c === 43 || c === 45) i++;
    let exp = 0;
    while (i < n && isDigit(s.charCodeAt(i))) {
      i++;
      exp++;
    }
    if (exp === 0) return false;
  }
  return i === n;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Splits a space-separated sequence field, dropping empty pieces (as RecBole does). */
export function splitSeq(raw: string): string[] {
  if (raw === "") return [];
  const parts = raw.split(" ");
  for (const p of parts) {
    if (p === "") return parts.filter((q) => q !== "");
  }
  return parts;
}

/** Creates the builder for one header field of `file`. */
export function columnBuilder(
  field: FieldSpec,
  file: string,
  options: ColumnOptions = {},
): ColumnBuilder {
  const { name, column } = field;
  switch (field.type) {
    case "token": {
      // Repeated values (a user's or item's id on each of its rows) share one
      // string: each row costs a pointer, not a string of its own.
      const values: string[] = [];
      let pool: Map<string, string> | null = new Map();
      return {
        add: (raw) => {
          let s = pool?.get(raw);
          if (s === undefined) {
            s = ownCopy(raw);
            pool?.set(s, s);
          }
          values.push(s);
        },
        finish: () => {
          pool = null;
          return { name, type: "token", column, values };
        },
      };
    }
    case "token_seq": {
      const values: string[][] = [];
      return {
        add: (raw) => {
          values.push(splitSeq(raw));
        },
        finish: () => ({ name, type: "token_seq", column, values }),
      };
    }
    case "float": {
      const values = new GrowingFloat64();
      return {
        add: (raw, line) => {
          const s = raw.trim();
          if (s === "") {
            values.push(Number.NaN);
            return;
          }
          const v = parseStrictFloat(s);
          if (Number.isNaN(v)) {
            throw new UserError(
              `expected a finite number (or an empty field) in float column ${quote(name)}, found ${quote(s)}`,
              { file, line, column },
            );
          }
          if (beyondFloat32(v)) {
            throw new UserError(
              `value ${quote(s)} in float column ${quote(name)} is beyond float32's range (±3.4e38)`,
              { file, line, column },
            );
          }
          values.push(v);
        },
        finish: () => ({ name, type: "float", column, values: values.finish() }),
      };
    }
    case "float_seq":
      return floatSeqBuilder(field, file, options.ragged === true);
  }
}

function floatSeqBuilder(field: FieldSpec, file: string, ragged: boolean): ColumnBuilder {
  const { name, column } = field;
  let values = new Float32Array(4096);
  let size = 0;
  const offsets: number[] = [0];
  let dim: number | null = null;
  let dimLine = 0;
  let varies = false;
  return {
    add: (raw, line) => {
      const first = size;
      const n = raw.length;
      let pos = 0;
      let k = 0;
      while (pos < n) {
        if (raw.charCodeAt(pos) === 32) {
          pos++;
          continue;
        }
        let end = raw.indexOf(" ", pos);
        if (end === -1) end = n;
        const piece = raw.slice(pos, end);
        k++;
        const v = parseStrictFloat(piece);
        if (Number.isNaN(v)) {
          throw new UserError(
            `expected a finite number as element ${k} of float_seq column ${quote(name)}, found ${quote(piece)}`,
            { file, line, column },
          );
        }
        if (beyondFloat32(v)) {
          throw new UserError(
            `element ${k} of float_seq column ${quote(name)} is ${quote(piece)}, beyond float32's range (±3.4e38)`,
            { file, line, column },
          );
        }
        if (size === values.length) {
          const grown = new Float32Array(values.length * 2);
          grown.set(values);
          values = grown;
        }
        values[size++] = v;
        pos = end + 1;
      }
      const count = size - first;
      if (count > 0) {
        if (dim === null) {
          dim = count;
          dimLine = line;
        } else if (count !== dim) {
          if (!ragged) {
            throw new UserError(
              `expected ${dim} values in float_seq column ${quote(name)} (as on line ${dimLine}), found ${count}`,
              { file, line, column },
            );
          }
          varies = true;
        }
      }
      offsets.push(size);
    },
    finish: () => ({
      name,
      type: "float_seq",
      column,
      dim: varies ? null : dim,
      values: values.slice(0, size),
      offsets: Int32Array.from(offsets),
    }),
  };
}

/**
 * `s` in a string of its own. A field cut from a line may be a slice that
 * keeps the whole read chunk (up to 1 MiB of text) alive; a kept id must not.
 * Short strings (V8 copies those under 13 characters) come back as they are.
 */
function ownCopy(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, "utf8").toString("utf8");
}

/** A Float64Array that doubles as it fills (8 bytes a value, not a JS array's boxed numbers). */
class GrowingFloat64 {
  private buf = new Float64Array(1024);
  private size = 0;

  push(v: number): void {
    if (this.size === this.buf.length) {
      const grown = new Float64Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.size++] = v;
  }

  /** The values pushed, in a buffer of exactly their length. */
  finish(): Float64Array {
    return this.buf.slice(0, this.size);
  }
}
