/**
 * Where the compiled kernels are found, in order: `DEMURE_ADDON` (a file
 * path, for testing a particular build), the addon built from source
 * (`build/Release/demure_native.node`, by `node-gyp rebuild` at install time
 * or by hand) and the prebuilt one shipped in the package
 * (`prebuilds/<platform>-<arch>/demure.node`).
 */
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: this file is dist/src/engine/addon-path.js (or src/engine/addon-path.ts). */
function packageRoots(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  return [resolve(here, "../../.."), resolve(here, "../..")];
}

/** The files to try, best first. */
export function addonCandidates(
  roots: readonly string[] = packageRoots(),
  platform: string = process.platform,
  arch: string = process.arch,
  override: string | undefined = process.env.DEMURE_ADDON,
): string[] {
  if (override !== undefined && override !== "") return [resolve(override)];
  return [
    ...roots.map((r) => join(r, "build", "Release", "demure_native.node")),
    ...roots.map((r) => join(r, "prebuilds", `${platform}-${arch}`, "demure.node")),
  ];
}

const require = createRequire(import.meta.url);

/** The first candidate that loads, with its path; the error names every file tried. */
export function loadAddon(candidates: readonly string[] = addonCandidates()): {
  exports: unknown;
  path: string;
} {
  const failures: string[] = [];
  for (const path of candidates) {
    try {
      return { exports: require(path), path };
    } catch (e) {
      const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
      failures.push(`  ${path}: ${message}`);
    }
  }
  throw new Error(
    [
      `no native kernels load on ${process.platform}-${process.arch}. Tried:`,
      ...failures,
      "Build them from source with `npm rebuild demure` (needs python3, make and a C++ compiler),",
      "or, in a checkout, `npm ci`.",
    ].join("\n"),
  );
}
