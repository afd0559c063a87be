{
  "variables": {
    "has_blas%": "<!(node scripts/detect-blas.cjs)",
    "simd_flags%": "<!(node scripts/detect-cflags.cjs)"
  },
  "targets": [
    {
      "target_name": "demure_native",
      "sources": [
        "native/addon.cc",
        "native/parallel.cc",
        "native/gemm.cc",
        "native/gemm_fallback.cc",
        "native/kernels_nn.cc",
        "native/kernels_elementwise.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-O2"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno", "-fno-trapping-math", "<@(simd_flags)"],
      "libraries": ["-lpthread"],
      "conditions": [
        ["has_blas==1", {
          "defines": ["DEMURE_HAVE_BLAS=1"],
          "include_dirs": ["/usr/include/x86_64-linux-gnu", "/usr/include/aarch64-linux-gnu", "/usr/include/openblas"],
          "libraries": ["-lopenblas"]
        }]
      ]
    }
  ]
}
