import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { explainUser, modalityValue } from "../demure/explain.js";
import { type PoiSummary, summarizePoi } from "../demure/poi-summary.js";
import { DemureRecommender } from "../demure/recommender.js";
import { type LoadedRun, recommendForHistory, recommendForUser } from "../train/run.js";
import { readEpochs } from "../train/run-dir.js";
import { isUserError } from "../util/errors.js";
import { badRequest, conflict, HttpProblem, notFound, problem } from "./problem.js";

export interface ServeOptions {
  /** Structured request logs (pino, on stderr); off in tests. */
  logger?: boolean;
  /** Largest accepted request body in bytes (default 64 KiB). */
  bodyLimit?: number;
  /** Largest k (default 1000). */
  maxK?: number;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The web page's files: src/web in the package (dist/src/serve → ../../../src/web). */
const webDir = resolve(here, "../../../src/web");
const require = createRequire(import.meta.url);
const chartJs = join(dirname(require.resolve("chart.js")), "chart.umd.min.js");

const idParam = {
  type: "object",
  properties: { id: { type: "string", minLength: 1, maxLength: 200 } },
  required: ["id"],
} as const;

/**
 * The HTTP API and web page for one trained run (loaded read-only before the
 * server starts; nothing a request carries is used as a path).
 */
export function buildServer(run: LoadedRun, opts: ServeOptions = {}): FastifyInstance {
  const maxK = opts.maxK ?? 1000;
  const kQuery = {
    type: "object",
    properties: { k: { type: "integer", minimum: 1, maximum: maxK, default: 10 } },
    additionalProperties: false,
  } as const;
  const app = Fastify({
    // Logs are JSON lines on stderr; stdout stays for the command's own output.
    logger: opts.logger === true ? { level: "info", stream: process.stderr } : false,
    bodyLimit: opts.bodyLimit ?? 64 * 1024,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false } },
    // Errors the router raises before any route runs (bad URL, too-long parameter).
    frameworkErrors: (err, req, reply) => {
      const status = (err as { statusCode?: number }).statusCode ?? 400;
      send(reply, status, status === 414 ? "URI Too Long" : "Bad Request", err.message, req);
    },
  });
  // JSON only: a body of any other type is a 415, not parsed as text.
  app.removeContentTypeParser("text/plain");
  const { dataset: ds } = run;
  // The run is read-only while served: compute the item-side vectors once.
  run.model.beginEval?.();
  const page = readFileSync(join(webDir, "index.html"), "utf8");
  const appJs = readFileSync(join(webDir, "app.js"), "utf8");
  const chart = readFileSync(chartJs, "utf8");
  const epochs = readEpochs(run.dir);

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    if (err instanceof HttpProblem) return send(reply, err.status, err.title, err.message, req);
    if (isUserError(err)) return send(reply, 400, "Bad Request", err.message, req);
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const titles: Record<number, string> = {
        413: "Content Too Large",
        414: "URI Too Long",
        415: "Unsupported Media Type",
      };
      const title = titles[status] ?? "Bad Request";
      return send(reply, status, title, err.message, req);
    }
    req.log.error(err);
    return send(
      reply,
      500,
      "Internal Server Error",
      "the server failed to answer this request",
      req,
    );
  });
  app.setNotFoundHandler((req, reply) =>
    send(reply, 404, "Not Found", `no route ${req.method} ${req.url.split("?")[0]}`, req),
  );

  app.get("/health", async () => ({
    status: "ok",
    model: run.config.model,
    variant: run.config.variant,
    dataset: ds.name,
    users: ds.numUsers,
    items: ds.numItems,
  }));

  app.get(
    "/users",
    {
      schema: {
        querystring: {
          type: "object",
          properties: {
            offset: { type: "integer", minimum: 0, default: 0 },
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
          },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const { offset, limit } = req.query as { offset: number; limit: number };
      return { total: ds.numUsers, offset, users: ds.userIds.slice(offset, offset + limit) };
    },
  );

  app.get(
    "/users/:id/recommendations",
    { schema: { params: idParam, querystring: kQuery } },
    async (req) => {
      const { id } = req.params as { id: string };
      const { k } = req.query as { k: number };
      if (!ds.userIndex.has(id)) throw notFound(`unknown user "${id}"`);
      return { user: id, k, items: recommendForUser(run, id, k) };
    },
  );

  app.post(
    "/recommendations",
    {
      schema: {
        body: {
          type: "object",
          properties: {
            items: {
              type: "array",
              items: { type: "string", minLength: 1, maxLength: 200 },
              minItems: 1,
              maxItems: 1000,
            },
            k: { type: "integer", minimum: 1, maximum: maxK, default: 10 },
          },
          required: ["items"],
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      const body = req.body as { items: string[]; k: number };
      const unknown = body.items.filter((i) => !ds.itemIndex.has(i));
      if (unknown.length > 0)
        throw badRequest(
          `unknown item ids: ${unknown.slice(0, 10).join(", ")}${unknown.length > 10 ? ", …" : ""}`,
        );
      const history = Int32Array.from(body.items, (i) => ds.itemIndex.get(i)!);
      return { k: body.k, items: recommendForHistory(run, history, body.k) };
    },
  );

  /** The run's Demure model, or a 409 for runs without a POI estimator. */
  const poiModel = (): DemureRecommender => {
    if (!(run.model instanceof DemureRecommender) || run.model.estimator === null) {
      throw conflict(
        `this run is ${run.config.variant}${run.model instanceof DemureRecommender ? " without a POI estimator" : ""}: POI weights exist only for --variant demure runs`,
      );
    }
    return run.model;
  };

  app.get("/users/:id/poi", { schema: { params: idParam } }, async (req) => {
    const { id } = req.params as { id: string };
    if (!ds.userIndex.has(id)) throw notFound(`unknown user "${id}"`);
    return explainUser(poiModel(), ds, id, run.config.maxLength);
  });

  // Every user's weights, summarised per modality (`explain --all`); computed on first request.
  let poiSummary: PoiSummary | null = null;
  app.get("/runs/poi", async () => {
    poiSummary ??= summarizePoi(poiModel(), ds, run.config.maxLength);
    return poiSummary;
  });

  app.get("/items/:id", { schema: { params: idParam } }, async (req) => {
    const { id } = req.params as { id: string };
    const i = ds.itemIndex.get(id);
    if (i === undefined) throw notFound(`unknown item "${id}"`);
    return {
      item: id,
      modalities: Object.fromEntries(ds.modalities.map((m) => [m.name, modalityValue(m, i)])),
    };
  });

  // The config without the server's folders: the dataset by name only.
  app.get("/runs/metrics", async () => ({
    run: { ...run.config, data: basename(run.config.data) },
    epochs,
  }));

  app.get("/", async (_req, reply) => reply.type("text/html; charset=utf-8").send(page));
  app.get("/assets/app.js", async (_req, reply) =>
    reply.type("text/javascript; charset=utf-8").send(appJs),
  );
  app.get("/assets/chart.js", async (_req, reply) =>
    reply.type("text/javascript; charset=utf-8").send(chart),
  );
  return app;
}

function send(
  reply: FastifyReply,
  status: number,
  title: string,
  detail: string,
  req: FastifyRequest,
) {
  return reply
    .status(status)
    .type("application/problem+json")
    .send(problem(status, title, detail, req.url.split("?")[0]));
}
