import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { demure, tempDir } from "./helpers.js";

const INTER = "user_id:token\titem_id:token\ttimestamp:float\n";

/** A dataset folder named `name` holding the given files (suffix → content). */
function dataset(name: string, files: Record<string, string | Buffer>): string {
  const dir = join(tempDir("bad"), name);
  mkdirSync(dir, { recursive: true });
  for (const [suffix, content] of Object.entries(files))
    writeFileSync(join(dir, `${name}.${suffix}`), content);
  return dir;
}

function goodInter(): string {
  let s = INTER;
  for (let u = 1; u <= 4; u++) for (let t = 1; t <= 5; t++) s += `u${u}\ti${(u + t) % 6}\t${t}\n`;
  return s;
}

/**
 * Each case: files of a dataset, what the message must name. Training on it
 * must exit 2, name the file (and line where there is one), and create no run directory.
 */
const cases: Array<[string, Record<string, string | Buffer>, RegExp]> = [
  ["empty .inter", { inter: "" }, /ds\.inter.*(empty|header)/i],
  ["header field without a type", { inter: "user_id\titem_id:token\n" }, /ds\.inter:1/],
  ["unknown column type", { inter: "user_id:token\titem_id:blob\n" }, /ds\.inter:1:2/],
  ["duplicate column", { inter: "user_id:token\tuser_id:token\titem_id:token\n" }, /ds\.inter:1/],
  [
    "missing item_id column",
    { inter: "user_id:token\ttimestamp:float\nu1\t1\n" },
    /ds\.inter.*item_id/,
  ],
  ["wrong column count", { inter: `${INTER}u1\ti1\t1\nu1\ti2\n` }, /ds\.inter:3/],
  ["non-numeric timestamp", { inter: `${INTER}u1\ti1\t1\nu1\ti2\tabc\n` }, /ds\.inter:3:3/],
  ["NaN timestamp", { inter: `${INTER}u1\ti1\tNaN\n` }, /ds\.inter:2:3/],
  [
    "non-numeric float in .item",
    { inter: goodInter(), item: "item_id:token\tyear:float\ni1\t19x5\n" },
    /ds\.item:2:2/,
  ],
  [
    "duplicate item id in .item",
    { inter: goodInter(), item: "item_id:token\tgenre:token\ni1\ta\ni1\tb\n" },
    /ds\.item:3/,
  ],
  [
    "bad float_seq element",
    { inter: goodInter(), item: "item_id:token\tvec:float_seq\ni1\t0.1 zz 0.3\n" },
    /ds\.item:2:2/,
  ],
  [
    "inconsistent dense dimension in a feature file",
    { inter: goodInter(), emb: "item_id:token\tv:float_seq\ni1\t1 2 3\ni2\t1 2\n" },
    /ds\.emb:3/,
  ],
  ["huge line", { inter: `${INTER}u1\t${"x".repeat(17 * 2 ** 20)}\t1\n` }, /ds\.inter:2/],
  [
    ".link without .kg",
    { inter: goodInter(), link: "item_id:token\tentity_id:token\ni1\te1\n" },
    /ds\.(kg|link)/,
  ],
  [
    "invalid UTF-8",
    {
      inter: Buffer.concat([
        Buffer.from(`${INTER}u1\ti`),
        Buffer.from([0xff, 0xfe]),
        Buffer.from("\t1\n"),
      ]),
    },
    /ds\.inter:2/,
  ],
];

describe("malformed input: exit 2, a message naming file and line, nothing written", () => {
  for (const [name, files, pattern] of cases) {
    test(name, () => {
      const data = dataset("ds", files);
      const out = join(tempDir("run"), "run");
      const r = demure([
        "train",
        "--data",
        data,
        "--model",
        "sasrec",
        "--variant",
        "id",
        "--epochs",
        "1",
        "--out",
        out,
      ]);
      assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
      assert.match(r.stderr, pattern);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
      assert.equal(r.stdout, "");
      assert.equal(existsSync(out), false, "run directory must not be created");
    });
  }
  test("missing data folder", () => {
    const out = join(tempDir("run"), "run");
    const r = demure([
      "train",
      "--data",
      "/nonexistent/ds",
      "--model",
      "sasrec",
      "--variant",
      "id",
      "--out",
      out,
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\/nonexistent\/ds/);
    assert.equal(existsSync(out), false);
  });
  test("a data path that is a file, not a folder", () => {
    const file = join(tempDir("file"), "x.inter");
    writeFileSync(file, INTER);
    const r = demure(["train", "--data", file, "--model", "sasrec", "--variant", "id"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /x\.inter/);
  });
});

describe("bad flags and configs: exit 2 naming the flag or key", () => {
  const data = dataset("ok", { inter: goodInter() });
  for (const [args, pattern] of [
    [["--model", "transformer-xl"], /model/],
    [["--variant", "fancy"], /variant/],
    [["--epochs", "0"], /--epochs/],
    [["--epochs", "two"], /--epochs/],
    [["--lr", "-1"], /--lr/],
    [["--surprise", "-1"], /--surprise/],
    [["--surprise", "lots"], /--surprise/],
    // Keys only the sampled loss reads would be silently ignored beside another loss.
    [["--negatives", "100"], /negatives: only loss "sampled" reads negatives/],
    [["--loss", "inbatch", "--sampler", "uniform"], /sampler: only loss "sampled"/],
    [["--loss", "sampled", "--sampler", "zipf"], /--sampler/],
    [["--loss", "sampled", "--negatives", "0"], /--negatives/],
  ] as Array<[string[], RegExp]>) {
    test(args.join(" "), () => {
      const r = demure(["train", "--data", data, ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
    });
  }
  test("unknown config key", () => {
    const cfg = join(tempDir("cfg"), "c.yaml");
    writeFileSync(cfg, "model: sasrec\nlearning_rate: 0.1\n");
    const r = demure(["train", "--data", data, "--config", cfg]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /c\.yaml.*learning_rate/);
  });
  test("config that is not YAML", () => {
    const cfg = join(tempDir("cfg"), "c.yaml");
    writeFileSync(cfg, "model: [sasrec\n");
    const r = demure(["train", "--data", data, "--config", cfg]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /c\.yaml/);
  });
  test("unknown command", () => {
    assert.equal(demure(["fly"]).code, 2);
  });
  test("values beyond their documented range are refused by key, before any work", () => {
    for (const [yaml, key] of [
      ["dim: 200000", /dim: Too big.*4096/],
      ["maxLength: 1000000000", /maxLength: Too big/],
      ["batchSize: 1000000000", /batchSize: Too big/],
      ["dim: 64\nsasrec: { heads: 3 }", /sasrec\.heads: 3 heads do not divide dim 64/],
    ] as Array<[string, RegExp]>) {
      const dir = tempDir("range");
      const cfg = join(dir, "c.yaml");
      writeFileSync(cfg, `model: sasrec\n${yaml}\n`);
      const r = demure(["train", "--data", data, "--config", cfg, "--out", join(dir, "run")]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, key);
      assert.equal(existsSync(join(dir, "run")), false);
    }
    const flag = demure(["train", "--data", data, "--batch-size", "1000000000"]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /batchSize/);
  });
  test("a control character from a data file never reaches the terminal raw", () => {
    const bad = dataset("esc", { inter: `${INTER}u1\ti1\t\u001b[2J\n` });
    const r = demure(["train", "--data", bad, "--json"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.includes("\u001b"), false, r.stderr);
    assert.match(r.stderr, /\\x1b\[2J/);
    const err = JSON.parse(r.stdout.trim().split("\n").pop()!).error;
    assert.equal(err.code, "bad_input");
    assert.equal(err.line, 2);
  });
});
