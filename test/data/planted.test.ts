import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  consecutiveSharing,
  generatePlanted,
  type PlantedData,
  renderPlanted,
  writePlanted,
} from "../../src/data/planted.js";
import { UserError } from "../../src/util/errors.js";

const tmp = mkdtempSync(join(tmpdir(), "demure-planted-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Split an atomic file into its header fields and rows of fields, checking the shape. */
function parseAtomic(text: string, header: string[]): string[][] {
  assert.ok(text.endsWith("\n"), "ends with a newline");
  const lines = text.slice(0, -1).split("\n");
  assert.deepEqual(lines[0].split("\t"), header);
  const rows = lines.slice(1).map((l) => l.split("\t"));
  rows.forEach((r, k) => {
    assert.equal(r.length, header.length, `line ${k + 2}: ${r.length} fields`);
    for (const f of r)
      assert.ok(f !== "" && f.trim() === f, `line ${k + 2}: bad field ${JSON.stringify(f)}`);
  });
  return rows;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sharing of users' modality m, split by a predicate on (data, user, m). */
function sharingWhere(d: PlantedData, pred: (u: number, m: number) => boolean): number {
  const s = consecutiveSharing(d);
  const M = d.numModalities;
  const vals: number[] = [];
  for (let u = 0; u < d.numUsers; u++)
    for (let m = 0; m < M; m++) if (pred(u, m)) vals.push(s[u * M + m]);
  assert.ok(vals.length > 20, `enough cases (${vals.length})`);
  return mean(vals);
}

describe("planted generator: files", () => {
  const opts = { users: 60, items: 120, modalities: 3, seed: 3 };

  it("is deterministic byte for byte, and the seed matters", () => {
    const a = writePlanted(join(tmp, "a"), "pl", generatePlanted(opts));
    const b = writePlanted(join(tmp, "b", "nested"), "pl", generatePlanted(opts));
    const c = writePlanted(join(tmp, "c"), "pl", generatePlanted({ ...opts, seed: 4 }));
    for (const k of ["inter", "item", "poi"] as const) {
      assert.ok(readFileSync(a[k]).equals(readFileSync(b[k])), `${k} identical`);
    }
    assert.notEqual(readFileSync(a.inter, "utf8"), readFileSync(c.inter, "utf8"));
    assert.notEqual(readFileSync(a.item, "utf8"), readFileSync(c.item, "utf8"));
    // only the three files, no temporary leftovers
    assert.deepEqual(readdirSync(join(tmp, "a")).sort(), ["pl.inter", "pl.item", "pl.poi"]);
  });

  it("writes valid atomic files that agree with the data", () => {
    const d = generatePlanted(opts);
    const paths = writePlanted(join(tmp, "v"), "planted", d);
    const inter = parseAtomic(readFileSync(paths.inter, "utf8"), [
      "user_id:token",
      "item_id:token",
      "timestamp:float",
    ]);
    assert.equal(
      inter.length,
      d.sequences.reduce((n, s) => n + s.length, 0),
    );
    const byUser = new Map<string, number[][]>();
    for (const [u, i, t] of inter) {
      const item = Number(i);
      assert.ok(Number.isInteger(item) && item >= 1 && item <= 120, `item ${i}`);
      byUser.set(u, [...(byUser.get(u) ?? []), [item, Number(t)]]);
    }
    assert.equal(byUser.size, 60);
    d.sequences.forEach((seq, u) => {
      const rows = byUser.get(String(u + 1)) ?? [];
      assert.ok(rows.length >= 20 && rows.length <= 40, `user ${u} length ${rows.length}`);
      assert.deepEqual(
        rows.map((r) => r[0]),
        [...seq],
      );
      assert.deepEqual(
        rows.map((r) => r[1]),
        rows.map((_, t) => t + 1),
      ); // positions
    });

    const item = parseAtomic(readFileSync(paths.item, "utf8"), [
      "item_id:token",
      "m0:token",
      "m1:token",
      "m2:token",
    ]);
    assert.deepEqual(
      item.map((r) => r[0]),
      Array.from({ length: 120 }, (_, i) => String(i + 1)),
    );
    for (const r of item) for (const tok of r.slice(1)) assert.match(tok, /^c[0-7]$/);

    const poi = parseAtomic(readFileSync(paths.poi, "utf8"), [
      "user_id:token",
      "modality:token",
      "is_poi:float",
    ]);
    assert.equal(poi.length, 60 * 3);
    const count = new Map<string, number>();
    poi.forEach(([u, m, p], k) => {
      assert.equal(u, String(Math.floor(k / 3) + 1));
      assert.equal(m, `m${k % 3}`);
      assert.ok(p === "0" || p === "1");
      count.set(u, (count.get(u) ?? 0) + Number(p));
    });
    const perUser = [...count.values()];
    assert.ok(perUser.every((c) => c === 1 || c === 2));
    assert.ok(perUser.includes(1) && perUser.includes(2), "both 1 and 2 POI occur by default");
  });

  it("honours poiPerUser, seqLength and tiny catalogues", () => {
    const one = generatePlanted({ users: 30, poiPerUser: 1, seqLength: [5, 5], seed: 1 });
    for (let u = 0; u < 30; u++) {
      assert.equal(
        one.isPoi.subarray(u * 4, u * 4 + 4).reduce((a, b) => a + b, 0),
        1,
      );
      assert.equal(one.sequences[u].length, 5);
    }
    // 5 items, 8 clusters, 2 POI: constraints often match nothing and must relax
    const tiny = generatePlanted({ users: 20, items: 5, poiPerUser: 2, seed: 2 });
    for (const s of tiny.sequences) for (const i of s) assert.ok(i >= 1 && i <= 5);
    assert.ok(renderPlanted(tiny).item.split("\n").length === 7);
  });

  it("rejects bad options and names", () => {
    assert.throws(() => generatePlanted({ seqLength: [4, 10] }), UserError);
    assert.throws(() => generatePlanted({ seqLength: [10, 9] }), UserError);
    assert.throws(() => generatePlanted({ modalities: 1, poiPerUser: 2 }), UserError);
    assert.throws(() => generatePlanted({ noise: 1.5 }), UserError);
    assert.throws(() => generatePlanted({ users: 0 }), UserError);
    assert.throws(
      () => generatePlanted({ clustersPerModality: 1, preferredClusters: 2 }),
      UserError,
    );
    const d = generatePlanted({ users: 2, items: 10 });
    assert.throws(() => writePlanted(tmp, "a/b", d), UserError);
    assert.throws(() => writePlanted(tmp, "", d), UserError);
  });
});

describe("planted generator: the POI signal is recoverable", () => {
  const d = generatePlanted({ users: 600, seed: 7 });
  const M = d.numModalities;
  const poi = (u: number, m: number) => d.isPoi[u * M + m] === 1;

  it("consecutive items share POI tokens, not non-POI tokens", () => {
    const inPoi = sharingWhere(d, poi);
    const outPoi = sharingWhere(d, (u, m) => !poi(u, m));
    assert.ok(inPoi > 0.5, `POI sharing ${inPoi}`);
    assert.ok(outPoi < 0.25, `non-POI sharing ${outPoi}`);
  });

  it("exposes each user's hidden profile, consistent with the POI labels and the items drawn", () => {
    d.profiles.forEach((profile, u) => {
      const labelled = [...Array(M).keys()].filter((m) => d.isPoi[u * M + m] === 1);
      assert.deepEqual(profile.modalities, labelled);
      assert.equal(profile.preferred.length, labelled.length);
      for (const p of profile.preferred) assert.ok(p.length === 1 || p.length === 2);
    });
    // Outside the 10 % noise draws, every item sits in a preferred cluster of each POI modality.
    let inPreferred = 0;
    let total = 0;
    d.sequences.forEach((seq, u) => {
      const { modalities, preferred } = d.profiles[u]!;
      for (const item of seq) {
        total++;
        if (modalities.every((m, k) => preferred[k]!.includes(d.itemClusters[item * M + m]!)))
          inPreferred++;
      }
    });
    assert.ok(inPreferred / total > 0.88, `share in preferred clusters ${inPreferred / total}`);
  });

  it("every user has at least 5 interactions", () => {
    assert.ok(d.sequences.every((s) => s.length >= 5));
  });

  it("confounding makes the modality after a POI one share tokens too", () => {
    const afterPoi = (data: PlantedData) => (u: number, m: number) =>
      m > 0 && data.isPoi[u * M + m] === 0 && data.isPoi[u * M + m - 1] === 1;
    const clean = generatePlanted({ users: 600, seed: 7, confounding: 0 });
    const conf = generatePlanted({ users: 600, seed: 7, confounding: 0.8 });
    const cleanShare = sharingWhere(clean, afterPoi(clean));
    const confShare = sharingWhere(conf, afterPoi(conf));
    assert.ok(cleanShare < 0.25, `no confounding: ${cleanShare}`);
    assert.ok(confShare > 0.35, `confounding 0.8: ${confShare}`);
  });
});
