import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { chromium } from "playwright-core";
import { buildServer } from "../../src/serve/server.js";
import { repoRoot } from "../cli/helpers.js";
import { trainedRun } from "./fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

test("the page in headless Chromium: pick a user, see the POI chart and the top-10 list", async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed (apt-get install -y chromium; .ci/run does it)`);
    return;
  }
  const app = buildServer(await trainedRun("demure"));
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ARGS,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const failed: string[] = [];
    page.on("requestfailed", (r) => failed.push(r.url()));
    // A Content-Security-Policy violation is reported on the console.
    const consoleErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    await page.goto(address);
    await page.locator("#users option").first().waitFor({ state: "attached" });
    await page.fill("#user", "4");
    await page.click("#show");
    await page.waitForSelector("#poi[data-ready='1']");
    await page.locator("#topk li").nth(9).waitFor();
    const curves = await page.evaluate(
      "Chart.getChart(document.getElementById('curves')).data.datasets.map((d) => d.label)",
    );
    assert.deepEqual(
      curves,
      ["training loss", "valid NDCG@10", "L_rec", "L_poi", "L_cl"],
      "a Demure run's curves include its loss terms",
    );
    const note = await page.textContent("#poi-note");
    assert.match(note ?? "", /User 4/);
    const bars = await page.evaluate(
      "Chart.getChart(document.getElementById('poi')).data.datasets.map((d) => d.label)",
    );
    assert.deepEqual(bars, ["user 4", "mean of all 80 users"], "the user beside everyone");
    assert.equal(await page.textContent("#error"), "");
    const outDir = join(repoRoot, "test-output");
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: join(outDir, "serve-page.png"), fullPage: true });
    assert.deepEqual(failed, [], "every request the page made was answered locally");
    assert.deepEqual(consoleErrors, [], "nothing the page does breaks the CSP");
  } finally {
    await browser.close();
    await app.close();
  }
});

test("with --token the page asks for the token, then works; a wrong one asks again", async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed (apt-get install -y chromium; .ci/run does it)`);
    return;
  }
  const token = "page-token-0123456789abcdef";
  const app = buildServer(await trainedRun("demure"), { token });
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(address);
    await page.waitForSelector("#auth:not([hidden])");
    assert.equal(await page.locator("#users option").count(), 0);
    await page.fill("#token", "wrong-token-0123456789abcdef");
    await page.click("#auth button");
    await page.waitForSelector("#auth:not([hidden])");
    assert.match((await page.textContent("#error")) ?? "", /wrong/);
    await page.fill("#token", token);
    await page.click("#auth button");
    await page.locator("#users option").first().waitFor({ state: "attached" });
    assert.equal(await page.isHidden("#auth"), true);
    await page.fill("#user", "4");
    await page.click("#show");
    await page.locator("#topk li").nth(9).waitFor();
    await page.waitForSelector("#poi[data-ready='1']");
    assert.equal(await page.textContent("#error"), "");
  } finally {
    await browser.close();
    await app.close();
  }
});
