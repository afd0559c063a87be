import { UserError } from "../../util/errors.js";
import { columnBuilder } from "./columns.js";
import { fieldLabel, parseHeader, quote } from "./header.js";
import { scanLines } from "./lines.js";
import type { AtomicColumn, AtomicTable, AtomicType, ColumnOfType, FieldSpec } from "./types.js";

/** A column the caller needs, checked against the header before any row is read. */
export interface RequiredField {
  name: string;
  type: AtomicType;
}

/** Options of {@link readAtomicFile}. */
export interface ReadAtomicOptions {
  /** Columns that must be in the header with exactly this type. */
  required?: readonly RequiredField[];
  /**
   * `float_seq` columns whose rows may differ in length: `true` for all of them,
   * or a list of names. By default every `float_seq` column is a dense vector
   * whose non-empty rows must all have the same length.
   */
  ragged?: boolean | readonly string[];
  /** Longest accepted line in bytes (default 16 MiB). */
  maxLineBytes?: number;
}

/**
 * Reads a RecBole atomic file (UTF-8, tab-separated, `name:type` header) into
 * columns, streaming it line by line. Blank lines are skipped (as pandas does),
 * a BOM and CRLF endings are accepted. Every problem is a {@link UserError} at
 * `file:line:column` saying what was expected.
 */
export async function readAtomicFile(
  file: string,
  options: ReadAtomicOptions = {},
): Promise<AtomicTable> {
  let fields: FieldSpec[] | null = null;
  let builders: ReturnType<typeof columnBuilder>[] = [];
  let lines = new Int32Array(1024);
  let rows = 0;
  const scanOptions =
    options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes };
  await scanLines(
    file,
    (text, line) => {
      if (fields === null) {
        fields = parseHeader(text, file, line);
        checkRequired(fields, options.required ?? [], file);
        const ragged = options.ragged;
        builders = fields.map((f) =>
          columnBuilder(f, file, {
            ragged: ragged === true || (Array.isArray(ragged) && ragged.includes(f.name)),
          }),
        );
        return true;
      }
      if (text === "") return true;
      const parts = text.split("\t");
      if (parts.length !== builders.length) {
        const n = builders.length;
        throw new UserError(
          `expected ${n} tab-separated field${n === 1 ? "" : "s"} as in the header, found ${parts.length}`,
          { file, line, column: Math.min(parts.length, n) + 1 },
        );
      }
      for (let c = 0; c < parts.length; c++) {
        (builders[c] as ReturnType<typeof columnBuilder>).add(parts[c] as string, line);
      }
      if (rows === lines.length) {
        const grown = new Int32Array(lines.length * 2);
        grown.set(lines);
        lines = grown;
      }
      lines[rows++] = line;
      return true;
    },
    scanOptions,
  );
  if (fields === null) {
    throw new UserError(
      "empty file: expected a header of tab-separated name:type fields (e.g. item_id:token)",
      { file, line: 1 },
    );
  }
  return {
    file,
    fields,
    columns: builders.map((b) => b.finish()),
    rows,
    lines: lines.slice(0, rows),
  };
}

/**
 * Reads only the header of an atomic file (the first line). Throws
 * {@link UserError} for an unreadable or empty file or a malformed header.
 */
export async function readAtomicHeader(
  file: string,
  options: Pick<ReadAtomicOptions, "maxLineBytes"> = {},
): Promise<FieldSpec[]> {
  let fields: FieldSpec[] | null = null;
  await scanLines(
    file,
    (text, line) => {
      fields = parseHeader(text, file, line);
      return false;
    },
    options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes },
  );
  if (fields === null) {
    throw new UserError(
      "empty file: expected a header of tab-separated name:type fields (e.g. item_id:token)",
      { file, line: 1 },
    );
  }
  return fields;
}

function checkRequired(fields: FieldSpec[], required: readonly RequiredField[], file: string) {
  for (const r of required) {
    const f = fields.find((x) => x.name === r.name);
    if (f === undefined) {
      throw new UserError(
        `missing required column ${fieldLabel(r)}; the header has ${fields.map(fieldLabel).join(", ")}`,
        { file, line: 1 },
      );
    }
    if (f.type !== r.type) {
      throw new UserError(`expected column ${quote(r.name)} to be ${r.type}, found ${f.type}`, {
        file,
        line: 1,
        column: f.column,
      });
    }
  }
}

/** The column called `name`, or `undefined` if the file has none. */
export function findColumn(table: AtomicTable, name: string): AtomicColumn | undefined {
  return table.columns.find((c) => c.name === name);
}

/**
 * The column called `name`, which must have type `type`. Throws
 * {@link UserError} at the header line when it is absent or of another type.
 */
export function requireColumn<T extends AtomicType>(
  table: AtomicTable,
  name: string,
  type: T,
): ColumnOfType[T] {
  const col = findColumn(table, name);
  if (col === undefined) {
    throw new UserError(
      `missing required column ${name}:${type}; the header has ${table.fields.map(fieldLabel).join(", ")}`,
      { file: table.file, line: 1 },
    );
  }
  if (col.type !== type) {
    throw new UserError(`expected column ${quote(name)} to be ${type}, found ${col.type}`, {
      file: table.file,
      line: 1,
      column: col.column,
    });
  }
  return col as ColumnOfType[T];
}

/**
 * The column called `name` if present (checking its type), else `undefined`.
 */
export function optionalColumn<T extends AtomicType>(
  table: AtomicTable,
  name: string,
  type: T,
): ColumnOfType[T] | undefined {
  return findColumn(table, name) === undefined ? undefined : requireColumn(table, name, type);
}
