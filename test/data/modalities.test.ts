import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadDataset } from "../../src/data/dataset.js";
import { bucketOf, quantileEdges } from "../../src/data/encode.js";
import { describeModalities, formatModalityTable } from "../../src/data/modalities.js";
import type { Modality } from "../../src/data/modality-types.js";
import { datasetDir } from "./helpers.js";

/** Items a..e, user u interacts with all of them in order. */
function toy(extra: Record<string, string>): string {
  const inter = `user_id:token\titem_id:token\n${["a", "b", "c", "d", "e"].map((i) => `u\t${i}`).join("\n")}\n`;
  return datasetDir("toy", { "toy.inter": inter, ...extra });
}

function find<K extends Modality["kind"]>(ms: Modality[], name: string, kind: K) {
  const m = ms.find((x) => x.name === name);
  assert.ok(m, `modality ${name} exists`);
  assert.equal(m.kind, kind);
  return m as Extract<Modality, { kind: K }>;
}

const ITEM =
  "item_id:token\tbrand:token\ttags:token_seq\tprice:float\tvec:float_seq\n" +
  "a\tx\tt1 t2 t3\t10\t1 0\n" +
  "b\t\tt2\t20\t\n" +
  "c\ty\t\t\t0 1\n" +
  "d\tx\tt3 t3\t40\t2 2\n" +
  "e\tz\tt4\t50\t3 3\n";

describe("modalities from .item columns", () => {
  test("token, token_seq (CSR, capped), float buckets, float_seq dense", async () => {
    const ds = await loadDataset(toy({ "toy.item": ITEM }), {
      modalities: { maxTokensPerItem: 2, floatBuckets: 2 },
    });
    assert.deepEqual(
      ds.modalities.map((m) => m.name),
      ["brand", "tags", "price", "vec"],
    );
    const brand = find(ds.modalities, "brand", "token");
    assert.deepEqual([...brand.ids], [0, 1, 0, 2, 1, 3]);
    assert.equal(brand.vocab, 3);
    assert.deepEqual(brand.tokens, ["[PAD]", "x", "y", "z"]);
    assert.equal(brand.missingCount, 1);

    const tags = find(ds.modalities, "tags", "token_seq");
    assert.deepEqual([...tags.offsets], [0, 0, 2, 3, 3, 5, 6]);
    assert.deepEqual(
      [...tags.ids].map((id) => tags.tokens[id]),
      ["t1", "t2", "t2", "t3", "t3", "t4"],
    );
    assert.equal(tags.truncatedCount, 1);
    assert.equal(tags.missingCount, 1);

    const price = find(ds.modalities, "price", "token");
    assert.deepEqual([...(price.edges ?? [])], [40]);
    assert.deepEqual([...price.ids], [0, 1, 1, 0, 2, 2]);
    assert.equal(price.missingCount, 1);
    assert.deepEqual(price.tokens, ["[PAD]", "[-Infinity, 40)", "[40, Infinity)"]);

    const vec = find(ds.modalities, "vec", "dense");
    assert.equal(vec.dim, 2);
    assert.deepEqual([...vec.present], [0, 1, 0, 1, 1, 1]);
    assert.deepEqual([...vec.values], [0, 0, 1, 0, 0, 0, 0, 1, 2, 2, 3, 3]);
    assert.equal(vec.missingCount, 1);
  });

  test("float columns can be normalised to a 1-d dense modality", async () => {
    const ds = await loadDataset(toy({ "toy.item": ITEM }), {
      modalities: { floatModes: { price: "normalised" }, include: ["price"] },
    });
    assert.equal(ds.modalities.length, 1);
    const price = find(ds.modalities, "price", "dense");
    assert.equal(price.dim, 1);
    assert.equal(price.normalisation?.mean, 30);
    assert.deepEqual(
      [...price.present],
      [1, 1, 1, 0, 1, 1].map((p, i) => (i === 0 ? 0 : p)),
    );
    const present = [...price.values].filter((_, i) => price.present[i] === 1);
    assert.ok(Math.abs(present.reduce((s, v) => s + v, 0)) < 1e-6, "z-scores sum to zero");
  });

  test("include / exclude, unknown names are errors", async () => {
    const dir = toy({ "toy.item": ITEM });
    const ds = await loadDataset(dir, { modalities: { exclude: ["tags", "vec"] } });
    assert.deepEqual(
      ds.modalities.map((m) => m.name),
      ["brand", "price"],
    );
    await assert.rejects(
      () => loadDataset(dir, { modalities: { include: ["colour"] } }),
      /unknown modality "colour" in include; expected one of brand, tags, price, vec/,
    );
  });

  test("quantile edges and bucket lookup", () => {
    const edges = quantileEdges([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, Number.NaN], 5);
    assert.deepEqual([...edges], [3, 5, 7, 9]);
    assert.equal(bucketOf(1, edges), 1);
    assert.equal(bucketOf(3, edges), 2);
    assert.equal(bucketOf(10, edges), 5);
    assert.deepEqual([...quantileEdges([7, 7, 7], 4)], [], "constant values give one bucket");
  });
});

describe("dense side files and knowledge-graph modalities", () => {
  test("NAME.<suffix> with item_id + one float_seq becomes a dense modality; others are ignored", async () => {
    const ds = await loadDataset(
      toy({
        "toy.emb": "item_id:token\tv:float_seq\na\t1 2 3\nc\t4 5 6\nzz\t7 8 9\n",
        "toy.poi": "user_id:token\tmodality:token\tis_poi:float\nu\tbrand\t1\n",
      }),
    );
    const emb = find(ds.modalities, "emb", "dense");
    assert.equal(emb.dim, 3);
    assert.deepEqual([...emb.present], [0, 1, 0, 1, 0, 0]);
    assert.deepEqual([...emb.values.subarray(3, 6)], [1, 2, 3]);
    assert.deepEqual([...emb.values.subarray(9, 12)], [4, 5, 6]);
    assert.equal(emb.missingCount, 3);
    assert.ok(ds.notes.some((n) => n.startsWith("ignored toy.poi")));
  });

  test("KG relations become token_seq modalities named by their last component", async () => {
    const kg = [
      "head_id:token\trelation_id:token\ttail_id:token",
      "ea\tfilm.film.genre\tdrama",
      "ea\tfilm.film.genre\tcomedy",
      "ea\tfilm.film.genre\tdrama",
      "eb\tfilm.film.genre\tdrama",
      "ec\tfilm.film.genre\twar",
      "ea\tfilm.film.actor\tbob",
      "eb\tfilm.film.actor\tann",
      "ea\tfilm.film.sequel\teb",
      "bob\tfilm.actor.film\tea",
    ].join("\n");
    const link = "item_id:token\tentity_id:token\na\tea\nb\teb\nc\tec\nd\ted\nq\teq\n";
    const dir = toy({
      "toy.kg": `${kg}\n`,
      "toy.link": link,
      "toy.item": "item_id:token\tgenre:token\na\tx\n",
    });
    const ds = await loadDataset(dir);
    // Linked items a,b,c,d: genre covers 3/4, actor 2/4, sequel 1/4 (>= 20%).
    assert.deepEqual(
      ds.modalities.map((m) => [m.name, m.source]),
      [
        ["genre", "toy.item:genre"],
        ["film.film.genre", "toy.kg:film.film.genre"],
        ["actor", "toy.kg:film.film.actor"],
        ["sequel", "toy.kg:film.film.sequel"],
      ],
    );
    const genre = find(ds.modalities, "film.film.genre", "token_seq");
    const tails = (i: number) =>
      [...genre.ids.subarray(genre.offsets[i], genre.offsets[i + 1])].map((t) => genre.tokens[t]);
    assert.deepEqual(tails(1), ["drama", "comedy"], "duplicate triples are merged");
    assert.deepEqual(tails(3), ["war"]);
    assert.deepEqual(tails(4), [], "linked item without the relation is missing");
    assert.deepEqual(tails(5), [], "unlinked item is missing");
    assert.equal(genre.missingCount, 2);

    const picked = await loadDataset(dir, {
      modalities: { kgRelations: ["actor", "film.actor.film"], exclude: ["genre"] },
    });
    assert.deepEqual(
      picked.modalities.map((m) => m.name),
      ["actor"],
      "film.actor.film has no item heads, so it is dropped as empty",
    );
    assert.ok(picked.notes.some((n) => n.includes('"film"') && n.includes("no item has a value")));
    const few = await loadDataset(dir, { modalities: { kgMinCoverage: 0.6, kgMaxRelations: 1 } });
    assert.deepEqual(
      few.modalities.map((m) => m.name),
      ["genre", "film.film.genre"],
    );
    await assert.rejects(
      () => loadDataset(dir, { modalities: { kgRelations: ["director"] } }),
      /unknown KG relation "director" in kgRelations/,
    );
  });

  test("describeModalities gives name, kind, size and coverage", async () => {
    const ds = await loadDataset(
      toy({ "toy.item": ITEM, "toy.emb": "item_id:token\tv:float_seq\na\t1 2 3\n" }),
    );
    const rows = describeModalities(ds);
    assert.deepEqual(
      rows.map((r) => [r.name, r.kind, r.sizeLabel, r.coverage]),
      [
        ["brand", "token", "vocab 3", 0.8],
        ["tags", "token_seq", "vocab 4", 0.8],
        ["price", "token", "vocab 4", 0.8],
        ["vec", "dense", "dim 2", 0.8],
        ["emb", "dense", "dim 3", 0.2],
      ],
    );
    const text = formatModalityTable(rows);
    assert.match(text.split("\n")[0] as string, /^modality\s+kind\s+size\s+coverage\s+source$/);
    assert.match(text, /emb\s+dense\s+dim 3\s+20\.0%\s+toy\.emb:v/);
  });
});
