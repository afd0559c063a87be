// Builds the addons shipped in the package: prebuilds/linux-x64/demure.node
// natively and prebuilds/linux-arm64/demure.node with Debian's cross compiler
// (g++-aarch64-linux-gnu) when it is installed. Each is checked: the x86-64
// one must load, need no library beyond libc, libm, libstdc++ and libgcc_s,
// and keep every instruction-set variant's symbols apart (isa.h).
// Run through npm (`npm run build:prebuilds`), which provides node-gyp.
const { execFileSync, spawnSync } = require("node:child_process");
const { copyFileSync, mkdirSync, readdirSync, rmSync } = require("node:fs");
const { join } = require("node:path");

const root = join(__dirname, "..");
const gyp = process.env.npm_config_node_gyp;
const allowedLibs = /^(linux-vdso|libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|ld-linux)/;

function has(cmd) {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

function nodeGyp(args, env) {
  const [cmd, argv] = gyp ? [process.execPath, [gyp, ...args]] : ["node-gyp", args];
  const r = spawnSync(cmd, argv, { cwd: root, stdio: ["ignore", "ignore", "inherit"], env });
  if (r.status !== 0) throw new Error(`node-gyp ${args.join(" ")} failed`);
}

function build(arch, env, strip) {
  nodeGyp(["rebuild", `--arch=${arch}`, "-j", "2"], { ...process.env, ...env });
  const dir = join(root, "prebuilds", `linux-${arch}`);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, "demure.node");
  copyFileSync(join(root, "build", "Release", "demure_native.node"), out);
  execFileSync(strip, ["--strip-unneeded", out]);
  return out;
}

/** Code symbols of a variant's objects that are not in its own namespace. */
function leakedSymbols() {
  const obj = join(root, "build", "Release", "obj.target");
  const leaks = [];
  for (const lib of readdirSync(obj, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name.startsWith("demure_kernels_"))
    .map((d) => d.name)) {
    const isa = lib.replace("demure_kernels_", "isa_");
    const dir = join(obj, lib, "native");
    for (const f of readdirSync(dir)) {
      const text = execFileSync("nm", ["-C", "--defined-only", join(dir, f)], { encoding: "utf8" });
      for (const line of text.split("\n")) {
        const [, type, ...name] = line.trim().split(/\s+/);
        const sym = name.join(" ");
        if (!/^[TWVi]$/.test(type ?? "") || sym.startsWith("DW.ref.")) continue;
        if (!sym.includes(`demure::${isa}::`) && !sym.includes(`demure_kernels_${isa}`))
          leaks.push(`${lib}/${f}: ${sym}`);
      }
    }
  }
  return leaks;
}

rmSync(join(root, "prebuilds"), { recursive: true, force: true });
if (process.platform !== "linux") throw new Error("prebuilds are made on Linux");

if (has("aarch64-linux-gnu-g++")) {
  const out = build(
    "arm64",
    { CC: "aarch64-linux-gnu-gcc", CXX: "aarch64-linux-gnu-g++" },
    "aarch64-linux-gnu-strip",
  );
  const header = execFileSync("file", ["-b", out], { encoding: "utf8" }).trim();
  if (!header.includes("ARM aarch64")) throw new Error(`${out} is not an arm64 file: ${header}`);
  process.stdout.write(`prebuilds/linux-arm64/demure.node: ${header}\n`);
} else {
  process.stdout.write("prebuilds: no aarch64-linux-gnu-g++, so no linux-arm64 addon\n");
}

// x86-64 last, so build/ is left with this machine's addon.
const out = build("x64", {}, "strip");
const leaks = leakedSymbols();
if (leaks.length > 0) throw new Error(`symbols outside their variant:\n${leaks.join("\n")}`);
const libs = execFileSync("ldd", [out], { encoding: "utf8" })
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l !== "");
const extra = libs.filter((l) => !allowedLibs.test(l.replace(/^\/\S*\//, "")));
if (extra.length > 0)
  throw new Error(`${out} needs more than libc/libstdc++:\n${extra.join("\n")}`);
execFileSync(process.execPath, ["-e", `require(${JSON.stringify(out)}).info()`]);
process.stdout.write(`prebuilds/linux-x64/demure.node: loads; ldd:\n  ${libs.join("\n  ")}\n`);
