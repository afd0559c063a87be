import { UserError } from "../util/errors.js";
import { readAtomicFile, requireColumn } from "./atomic/reader.js";

/**
 * A RecBole knowledge graph (`NAME.kg`: head_id, relation_id, tail_id) joined
 * to items through `NAME.link` (item_id → entity_id). Only triples whose head
 * is a linked entity are kept: they are the ones that describe items.
 */
export interface KnowledgeGraph {
  /** Path of the `.kg` file. */
  kgFile: string;
  /** Path of the `.link` file. */
  linkFile: string;
  /** Raw item id to entity id. */
  itemEntity: Map<string, string>;
  /** Relation id → head entity → distinct tails in file order (linked heads only). */
  relations: Map<string, Map<string, string[]>>;
  /** Every relation id in the `.kg` file with its number of triples. */
  relationCounts: Map<string, number>;
}

/** How much of the linked items a relation describes. */
export interface RelationStat {
  /** Full relation id, e.g. `film.film.actor`. */
  relation: string;
  /** Last dot-separated component, e.g. `actor`. */
  shortName: string;
  /** Linked items (among the dataset's items) that are heads of this relation. */
  items: number;
  /** `items` divided by the number of linked dataset items. */
  coverage: number;
}

/**
 * Loads `.link` then `.kg`. A duplicate item id in `.link` and an empty id in
 * either file are {@link UserError}s at file:line:column.
 */
export async function loadKnowledgeGraph(
  kgFile: string,
  linkFile: string,
  maxLineBytes?: number,
): Promise<KnowledgeGraph> {
  const lineOpt = maxLineBytes === undefined ? {} : { maxLineBytes };
  const link = await readAtomicFile(linkFile, {
    required: [
      { name: "item_id", type: "token" },
      { name: "entity_id", type: "token" },
    ],
    ...lineOpt,
  });
  const linkItems = requireColumn(link, "item_id", "token");
  const linkEntities = requireColumn(link, "entity_id", "token");
  const itemEntity = new Map<string, string>();
  const firstLine = new Map<string, number>();
  const entities = new Set<string>();
  for (let r = 0; r < link.rows; r++) {
    const line = link.lines[r] as number;
    const item = linkItems.values[r] as string;
    const entity = linkEntities.values[r] as string;
    if (item === "") {
      throw new UserError("expected an item id", {
        file: linkFile,
        line,
        column: linkItems.column,
      });
    }
    if (entity === "") {
      throw new UserError("expected an entity id", {
        file: linkFile,
        line,
        column: linkEntities.column,
      });
    }
    const first = firstLine.get(item);
    if (first !== undefined) {
      throw new UserError(`duplicate item_id "${item}" (first on line ${first})`, {
        file: linkFile,
        line,
        column: linkItems.column,
      });
    }
    firstLine.set(item, line);
    itemEntity.set(item, entity);
    entities.add(entity);
  }

  const kg = await readAtomicFile(kgFile, {
    required: [
      { name: "head_id", type: "token" },
      { name: "relation_id", type: "token" },
      { name: "tail_id", type: "token" },
    ],
    ...lineOpt,
  });
  const heads = requireColumn(kg, "head_id", "token");
  const rels = requireColumn(kg, "relation_id", "token");
  const tails = requireColumn(kg, "tail_id", "token");
  const relations = new Map<string, Map<string, string[]>>();
  const relationCounts = new Map<string, number>();
  for (let r = 0; r < kg.rows; r++) {
    const h = heads.values[r] as string;
    const rel = rels.values[r] as string;
    const t = tails.values[r] as string;
    if (h === "" || rel === "" || t === "") {
      const [col, what] =
        h === ""
          ? [heads.column, "a head entity id"]
          : rel === ""
            ? [rels.column, "a relation id"]
            : [tails.column, "a tail entity id"];
      throw new UserError(`expected ${what}`, { file: kgFile, line: kg.lines[r], column: col });
    }
    relationCounts.set(rel, (relationCounts.get(rel) ?? 0) + 1);
    if (!entities.has(h)) continue;
    let byHead = relations.get(rel);
    if (byHead === undefined) {
      byHead = new Map();
      relations.set(rel, byHead);
    }
    const list = byHead.get(h);
    if (list === undefined) byHead.set(h, [t]);
    else if (!list.includes(t)) list.push(t);
  }
  return { kgFile, linkFile, itemEntity, relations, relationCounts };
}

/** The last dot-separated component of a relation id (`film.film.actor` → `actor`). */
export function relationShortName(relation: string): string {
  const dot = relation.lastIndexOf(".");
  return dot === -1 ? relation : relation.slice(dot + 1);
}

/**
 * Coverage of every relation over the dataset's linked items (`itemIds[1..]`),
 * sorted by coverage (descending), then relation id.
 */
export function relationStats(kg: KnowledgeGraph, itemIds: readonly string[]): RelationStat[] {
  const linked: string[] = [];
  for (let i = 1; i < itemIds.length; i++) {
    const e = kg.itemEntity.get(itemIds[i] as string);
    if (e !== undefined) linked.push(e);
  }
  const stats: RelationStat[] = [];
  for (const relation of kg.relationCounts.keys()) {
    const byHead = kg.relations.get(relation);
    let items = 0;
    if (byHead !== undefined) for (const e of linked) if (byHead.has(e)) items++;
    stats.push({
      relation,
      shortName: relationShortName(relation),
      items,
      coverage: linked.length > 0 ? items / linked.length : 0,
    });
  }
  stats.sort((a, b) => b.coverage - a.coverage || (a.relation < b.relation ? -1 : 1));
  return stats;
}

/** Options of {@link selectRelations}. */
export interface RelationSelection {
  /** Explicit relations by full id or short name; overrides the automatic rule. */
  relations?: readonly string[];
  /** Least coverage for automatic selection (default 0.2). */
  minCoverage?: number;
  /** Most relations for automatic selection (default 6). */
  maxRelations?: number;
}

/**
 * The relations to turn into modalities: the explicit list (each name must
 * match a relation id or short name, else {@link UserError}), or the relations
 * covering at least `minCoverage` of linked items, best first, at most
 * `maxRelations`.
 */
export function selectRelations(
  stats: readonly RelationStat[],
  sel: RelationSelection,
): RelationStat[] {
  if (sel.relations !== undefined) {
    const chosen: RelationStat[] = [];
    for (const name of sel.relations) {
      const exact = stats.filter((s) => s.relation === name);
      const hits = exact.length > 0 ? exact : stats.filter((s) => s.shortName === name);
      if (hits.length === 0) {
        const known = stats.slice(0, 12).map((s) => s.relation);
        throw new UserError(
          `unknown KG relation "${name}" in kgRelations; expected one of ${known.join(", ")}${stats.length > 12 ? ", ..." : ""}`,
        );
      }
      for (const h of hits) if (!chosen.includes(h)) chosen.push(h);
    }
    return chosen;
  }
  const min = sel.minCoverage ?? 0.2;
  const max = sel.maxRelations ?? 6;
  return stats.filter((s) => s.items > 0 && s.coverage >= min).slice(0, max);
}
