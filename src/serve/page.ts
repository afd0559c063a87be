import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";

const here = dirname(fileURLToPath(import.meta.url));
/** The web page's files: src/web in the package (dist/src/serve → ../../../src/web). */
const webDir = resolve(here, "../../../src/web");
const require = createRequire(import.meta.url);
const chartJs = join(dirname(require.resolve("chart.js")), "chart.umd.min.js");

/** URL → [file, content type]: the page and everything it loads, all from this process. */
const files: Record<string, [string, string]> = {
  "/": [join(webDir, "index.html"), "text/html; charset=utf-8"],
  "/assets/app.js": [join(webDir, "app.js"), "text/javascript; charset=utf-8"],
  "/assets/style.css": [join(webDir, "style.css"), "text/css; charset=utf-8"],
  "/assets/chart.js": [chartJs, "text/javascript; charset=utf-8"],
};

/**
 * The page's URLs. They hold no data of the run (the page asks the API for
 * that, with the token when there is one), so they are public: a browser can
 * load the page and then ask its user for the token.
 */
export const PAGE_URLS: ReadonlySet<string> = new Set(Object.keys(files));

/** The web page of `src/web` and its assets, read once at start. */
export function pageRoutes(app: FastifyInstance): void {
  for (const [url, [file, type]] of Object.entries(files)) {
    const body = readFileSync(file, "utf8");
    app.get(url, async (_req, reply) => reply.type(type).send(body));
  }
}
