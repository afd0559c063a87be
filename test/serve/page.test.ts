import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { chromium } from "playwright-core";
import { buildServer } from "../../src/serve/server.js";
import { repoRoot } from "../cli/helpers.js";
import { trainedRun } from "./fixture.js";

const CHROMIUM = "/usr/bin/chromium";

test("the page in headless Chromium: pick a user, see the POI chart and the top-10 list", async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed (apt-get install -y chromium; .ci/run does it)`);
    return;
  }
  const app = buildServer(await trainedRun("demure"));
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const failed: string[] = [];
    page.on("requestfailed", (r) => failed.push(r.url()));
    await page.goto(address);
    await page.waitForFunction("document.getElementById('users').children.length > 0");
    await page.fill("#user", "4");
    await page.click("#show");
    await page.waitForSelector("#poi[data-ready='1']");
    await page.waitForFunction("document.querySelectorAll('#topk li').length === 10");
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
  } finally {
    await browser.close();
    await app.close();
  }
});
