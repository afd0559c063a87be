import { UserError } from "../../util/errors.js";
import { ATOMIC_TYPES, type AtomicType, type FieldSpec } from "./types.js";

const TYPE_SET: ReadonlySet<string> = new Set(ATOMIC_TYPES);

/**
 * Parses the header line of an atomic file: tab-separated `name:type` fields with
 * a non-empty name, one of the four RecBole types, and no name twice.
 * Throws {@link UserError} at `file:line:column` otherwise.
 */
export function parseHeader(text: string, file: string, line = 1): FieldSpec[] {
  if (text.trim() === "") {
    throw new UserError(
      "expected a header of tab-separated name:type fields (e.g. item_id:token), found an empty line",
      { file, line },
    );
  }
  const parts = text.split("\t");
  const fields: FieldSpec[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < parts.length; i++) {
    const column = i + 1;
    const raw = (parts[i] as string).trim();
    const colon = raw.indexOf(":");
    if (colon === -1) {
      throw new UserError(
        `expected a header field name:type (e.g. item_id:token), found ${quote(raw)}`,
        { file, line, column },
      );
    }
    const name = raw.slice(0, colon);
    const type = raw.slice(colon + 1);
    if (name === "") {
      throw new UserError(`expected a field name before ':' in ${quote(raw)}`, {
        file,
        line,
        column,
      });
    }
    if (!TYPE_SET.has(type)) {
      throw new UserError(
        `unknown field type ${quote(type)} for ${quote(name)}; expected one of ${ATOMIC_TYPES.join(", ")}`,
        { file, line, column },
      );
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw new UserError(`duplicate column name ${quote(name)} (first in column ${first})`, {
        file,
        line,
        column,
      });
    }
    seen.set(name, column);
    fields.push({ name, type: type as AtomicType, column });
  }
  return fields;
}

/** Renders a field as it appears in a header, e.g. `item_id:token`. */
export function fieldLabel(field: { name: string; type: AtomicType }): string {
  return `${field.name}:${field.type}`;
}

/** Quotes a user-supplied value for an error message, shortening long ones. */
export function quote(s: string): string {
  const short = s.length > 60 ? `${s.slice(0, 57)}...` : s;
  return `"${short}"`;
}
