import { basename } from "node:path";
import type { FastifyInstance } from "fastify";
import { annRecommendForHistory, annRecommendForUser } from "../ann/search.js";
import type { AnnIndex } from "../ann/store.js";
import { explainUser, modalityValue } from "../demure/explain.js";
import { type PoiSummary, summarizePoi } from "../demure/poi-summary.js";
import { DemureRecommender } from "../demure/recommender.js";
import { type LoadedRun, recommendForHistory, recommendForUser } from "../train/run.js";
import { readEpochs } from "../train/run-dir.js";
import { badRequest, conflict, notFound } from "./problem.js";

/** Largest `offset` of `/users`: anything past it is a mistake, not a page. */
const MAX_OFFSET = 2 ** 31 - 1;

const idParam = {
  type: "object",
  properties: { id: { type: "string", minLength: 1, maxLength: 200 } },
  required: ["id"],
} as const;

/**
 * The API routes over one loaded run (read-only; nothing a request carries is
 * used as a path). Numbers in queries and bodies are bounded, and the
 * server's validator rejects NaN and ±Infinity (`strictNumbers`).
 */
export function apiRoutes(
  app: FastifyInstance,
  run: LoadedRun,
  maxK: number,
  ann: AnnIndex | null = null,
): void {
  const kQuery = {
    type: "object",
    properties: { k: { type: "integer", minimum: 1, maximum: maxK, default: 10 } },
    additionalProperties: false,
  } as const;
  const { dataset: ds } = run;
  // The run is read-only while served: compute the item-side vectors once.
  run.model.beginEval?.();
  const epochs = readEpochs(run.dir);

  app.get("/health", async () => ({
    status: "ok",
    model: run.config.model,
    variant: run.config.variant,
    dataset: ds.name,
    users: ds.numUsers,
    items: ds.numItems,
    // How top-k is found: the run's index (RUN/index/) or an exact scan of every item.
    search: ann === null ? "exact" : "ann",
    ...(ann === null ? {} : { index: { kind: ann.meta.kind, items: ann.meta.items } }),
  }));

  app.get(
    "/users",
    {
      schema: {
        querystring: {
          type: "object",
          properties: {
            offset: { type: "integer", minimum: 0, maximum: MAX_OFFSET, default: 0 },
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
      const items =
        ann === null ? recommendForUser(run, id, k) : await annRecommendForUser(run, ann, id, k);
      return { user: id, k, items };
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
      const items =
        ann === null
          ? recommendForHistory(run, history, body.k)
          : await annRecommendForHistory(run, ann, history, body.k);
      return { k: body.k, items };
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
}
