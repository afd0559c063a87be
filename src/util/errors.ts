/**
 * Errors a user can fix (bad flag, malformed file, unknown id) carry exit code 2
 * and a message that names where the problem is and what was expected.
 * An interrupt (Ctrl-C, SIGTERM) carries 130, as shells report a SIGINT death.
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

/** Work stopped on request; what was finished is saved and can be resumed. */
export class Interrupted extends Error {
  readonly exitCode = 130;
  /** The signal that asked for the stop. */
  readonly signal: string;

  constructor(message: string, signal = "SIGINT") {
    super(message);
    this.name = "Interrupted";
    this.signal = signal;
  }
}

/**
 * A failure at run time that the user did not cause by a typo but can act on
 * (training diverged, the disk is full): exit code 1 with a message that says
 * what happened, where, and what to do next.
 */
export class RunFailure extends Error {
  readonly exitCode = 1;
  /** A short machine-readable reason, e.g. "diverged", "disk_full". */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "RunFailure";
    this.code = code;
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

/**
 * Text safe for a terminal: C0 and C1 control characters (an ANSI escape in a
 * data field would otherwise repaint the screen) are shown as \xNN; newline
 * and tab stay, since messages use them for layout.
 */
export function escapeControl(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => {
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}
