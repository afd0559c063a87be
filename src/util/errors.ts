/**
 * Errors a user can fix (bad flag, malformed file, unknown id) carry exit code 2
 * and a message that names where the problem is and what was expected.
 * Anything else is a runtime failure (exit code 1).
 */
export interface Place {
  /** File path as the user gave it. */
  file?: string;
  /** 1-based line number. */
  line?: number;
  /** 1-based column number (tab-separated field index for atomic files). */
  column?: number;
}

export class UserError extends Error {
  readonly exitCode = 2;
  readonly place: Place;

  constructor(message: string, place: Place = {}) {
    super(formatPlace(place) + message);
    this.name = "UserError";
    this.place = place;
  }
}

export function formatPlace(place: Place): string {
  if (place.file === undefined) return "";
  let s = place.file;
  if (place.line !== undefined) s += `:${place.line}`;
  if (place.column !== undefined) s += `:${place.column}`;
  return `${s}: `;
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
