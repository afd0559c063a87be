// The package's install step. When a prebuilt addon for this platform loads
// (prebuilds/<platform>-<arch>/demure.node, shipped in the package), nothing
// is compiled. Otherwise, or with DEMURE_BUILD_FROM_SOURCE=1, the addon is
// built from native/ with node-gyp (needs python3, make and a C++ compiler).
// Installs that skip scripts (--ignore-scripts, pnpm's default) use the
// prebuilt addon directly.
const { spawnSync } = require("node:child_process");
const { existsSync } = require("node:fs");
const { join } = require("node:path");

const root = join(__dirname, "..");
const prebuilt = join(root, "prebuilds", `${process.platform}-${process.arch}`, "demure.node");

/** Loads the addon in a child process, so a crash there cannot fail the install. */
function loads(file) {
  if (!existsSync(file)) return false;
  const probe = `require(${JSON.stringify(file)}).info()`;
  return spawnSync(process.execPath, ["-e", probe], { stdio: "ignore" }).status === 0;
}

if (process.env.DEMURE_BUILD_FROM_SOURCE !== "1" && loads(prebuilt)) {
  process.exit(0);
}

process.stderr.write(
  existsSync(prebuilt)
    ? `demure: the prebuilt addon does not load here; building it from source\n`
    : `demure: no prebuilt addon for ${process.platform}-${process.arch}; building it from source\n`,
);
// npm runs scripts with its own node-gyp at npm_config_node_gyp.
const gyp = process.env.npm_config_node_gyp;
const [cmd, args] =
  gyp !== undefined && gyp !== ""
    ? [process.execPath, [gyp, "rebuild"]]
    : ["node-gyp", ["rebuild"]];
const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
if (r.status !== 0) {
  process.stderr.write(
    "demure: building the native addon failed (it needs python3, make and a C++17 compiler).\n",
  );
  process.exit(r.status === null ? 1 : r.status);
}
