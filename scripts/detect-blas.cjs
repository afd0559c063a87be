// Prints 1 when OpenBLAS's CBLAS header and library are present (Debian's
// libopenblas-dev), 0 otherwise. binding.gyp reads this to decide whether the
// addon links OpenBLAS or builds with the portable kernel only.
// DEMURE_BUILD_NO_BLAS=1 forces 0.
const fs = require("node:fs");
if (process.env.DEMURE_BUILD_NO_BLAS === "1") {
  process.stdout.write("0");
} else {
  const headers = [
    "/usr/include/x86_64-linux-gnu/cblas.h",
    "/usr/include/aarch64-linux-gnu/cblas.h",
    "/usr/include/openblas/cblas.h",
    "/usr/include/cblas.h",
  ];
  const libs = [
    "/usr/lib/x86_64-linux-gnu/libopenblas.so",
    "/usr/lib/aarch64-linux-gnu/libopenblas.so",
    "/usr/lib/libopenblas.so",
    "/usr/lib64/libopenblas.so",
  ];
  const ok = headers.some((h) => fs.existsSync(h)) && libs.some((l) => fs.existsSync(l));
  process.stdout.write(ok ? "1" : "0");
}
