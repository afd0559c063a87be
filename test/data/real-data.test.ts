import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { trainingExamples } from "../../src/data/batches.js";
import { loadDataset } from "../../src/data/dataset.js";
import { describeModalities, formatModalityTable } from "../../src/data/modalities.js";
import { leaveOneOut } from "../../src/data/split.js";
import { DATA_DIR, skipUnlessData } from "./helpers.js";

async function timedLoad(name: string, diag: (msg: string) => void) {
  const t0 = performance.now();
  const ds = await loadDataset(join(DATA_DIR, name));
  const ms = performance.now() - t0;
  diag(`${name} loaded in ${ms.toFixed(0)} ms`);
  diag(`\n${formatModalityTable(describeModalities(ds))}`);
  return ds;
}

function checkSorted(ds: Awaited<ReturnType<typeof loadDataset>>): void {
  let total = 0;
  ds.sequences.forEach((seq, u) => {
    total += seq.length;
    const ts = ds.timestamps?.[u];
    if (ts)
      for (let k = 1; k < ts.length; k++) assert.ok((ts[k] as number) >= (ts[k - 1] as number));
    for (const i of seq) assert.ok(i >= 1 && i <= ds.numItems);
  });
  assert.equal(total, ds.numInteractions);
}

describe("real data (RecBole atomic files in shared/data)", () => {
  test(
    "ml-100k: 943 users, 1682 items, 100000 interactions, item columns and KG relations",
    {
      skip: skipUnlessData("ml-100k"),
    },
    async (t) => {
      const ds = await timedLoad("ml-100k", (m) => t.diagnostic(m));
      assert.equal(ds.numUsers, 943);
      assert.equal(ds.numItems, 1682);
      assert.equal(ds.numInteractions, 100000);
      assert.equal(ds.itemIds.length, 1683);
      assert.equal(ds.itemIds[0], "[PAD]");
      checkSorted(ds);
      const byName = new Map(ds.modalities.map((m) => [m.name, m]));
      assert.equal(byName.get("movie_title")?.kind, "token_seq");
      assert.equal(byName.get("release_year")?.kind, "token");
      assert.equal(byName.get("class")?.kind, "token_seq");
      for (const rel of ["genre", "actor", "directed_by"]) {
        const m = byName.get(rel);
        assert.equal(m?.kind, "token_seq", `KG relation ${rel}`);
        assert.match(m?.source ?? "", /^ml-100k\.kg:film\.film\./);
      }
      assert.equal(ds.modalities.filter((m) => m.source.includes(".kg:")).length, 6);
      const cls = byName.get("class");
      if (cls?.kind === "token_seq") {
        const toy = ds.itemIndex.get("1") as number;
        const genres = [...cls.ids.subarray(cls.offsets[toy], cls.offsets[toy + 1])];
        assert.deepEqual(
          genres.map((g) => cls.tokens[g]),
          ["Animation", "Children's", "Comedy"],
        );
      }
      assert.equal(ds.users?.rows, 943);
      const split = leaveOneOut(ds.sequences);
      assert.equal(split.valid.size, 943);
      assert.equal(split.test.size, 943);
      assert.equal(trainingExamples(split).count, 100000 - 3 * 943);
    },
  );

  test(
    "scientific: 512-d dense modalities from .textemb and .imageemb",
    {
      skip: skipUnlessData("scientific"),
    },
    async (t) => {
      const ds = await timedLoad("scientific", (m) => t.diagnostic(m));
      assert.equal(ds.numUsers, 2928);
      assert.equal(ds.numItems, 1585);
      assert.equal(ds.numInteractions, 19712);
      checkSorted(ds);
      for (const name of ["textemb", "imageemb"]) {
        const m = ds.modalities.find((x) => x.name === name);
        assert.equal(m?.kind, "dense");
        if (m?.kind !== "dense") continue;
        assert.equal(m.dim, 512);
        assert.equal(m.missingCount, 0);
        assert.equal(m.values.length, (ds.numItems + 1) * 512);
        assert.equal(m.present[0], 0);
        // The first data row of the file, compared value by value.
        const file = join(DATA_DIR, "scientific", `scientific.${name}`);
        const line = readFileSync(file, "utf8").split("\n")[1] as string;
        const [id, vec] = line.split("\t") as [string, string];
        const i = ds.itemIndex.get(id) as number;
        const expected = vec.split(" ").map(Number);
        const got = m.values.subarray(i * 512, (i + 1) * 512);
        for (let d = 0; d < 512; d++) assert.equal(got[d], Math.fround(expected[d] as number));
      }
      assert.equal(ds.modalities.find((m) => m.name === "text")?.kind, "token_seq");
    },
  );

  test(
    "beauty: 22363 users, 12101 items, 198502 interactions",
    {
      skip: skipUnlessData("beauty"),
    },
    async (t) => {
      const ds = await timedLoad("beauty", (m) => t.diagnostic(m));
      assert.equal(ds.numUsers, 22363);
      assert.equal(ds.numItems, 12101);
      assert.equal(ds.numInteractions, 198502);
      checkSorted(ds);
      const attrs = ds.modalities.find((m) => m.name === "attributes");
      assert.equal(attrs?.kind, "token_seq");
      assert.equal(attrs?.missingCount, 0);
    },
  );
});
