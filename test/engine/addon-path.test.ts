import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { addonCandidates, loadAddon } from "../../src/engine/addon-path.js";
import { nativeAddonPath } from "../../src/engine/native.js";

describe("finding the addon", () => {
  test("a source build first, then the prebuilt file for this platform", () => {
    const roots = ["/opt/my pkg"];
    assert.deepEqual(addonCandidates(roots, "linux", "arm64", undefined), [
      "/opt/my pkg/build/Release/demure_native.node",
      "/opt/my pkg/prebuilds/linux-arm64/demure.node",
    ]);
    assert.deepEqual(addonCandidates(roots, "linux", "x64", "/x/a.node"), ["/x/a.node"]);
  });

  test("the default candidates are file paths, never URL-escaped", () => {
    for (const p of addonCandidates()) assert.ok(!p.includes("%20") && !p.startsWith("file:"), p);
  });

  test("an addon in a folder whose path has spaces loads", () => {
    const dir = mkdtempSync(join(tmpdir(), "demure addon "));
    try {
      const target = join(dir, "with space", "prebuilds", `${process.platform}-${process.arch}`);
      mkdirSync(target, { recursive: true });
      copyFileSync(nativeAddonPath(), join(target, "demure.node"));
      const { exports, path } = loadAddon(addonCandidates([join(dir, "with space")]));
      assert.equal(path, join(target, "demure.node"));
      assert.equal(typeof (exports as { info: unknown }).info, "function");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("when nothing loads, the error names every file tried", () => {
    assert.throws(
      () => loadAddon(["/nowhere/a.node", "/nowhere/b.node"]),
      (e: Error) => e.message.includes("/nowhere/a.node") && e.message.includes("/nowhere/b.node"),
    );
  });
});
