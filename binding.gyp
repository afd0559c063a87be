{
  "target_defaults": {
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
    "cflags!": ["-fno-exceptions", "-O2"],
    "cflags_cc!": ["-fno-exceptions", "-O2"],
    "cflags_cc": [
      "-O3", "-std=c++17", "-fno-math-errno", "-fno-trapping-math", "-fPIC", "-fvisibility=hidden"
    ]
  },
  "targets": [
    {
      "target_name": "demure_kernels_baseline",
      "type": "static_library",
      "sources": [
        "native/gemm_fallback.cc",
        "native/kernels_nn.cc",
        "native/kernels_elementwise.cc",
            "native/kernels_gather.cc",
            "native/kernels_gru.cc",
        "native/kernel_table.cc"
      ],
      "defines": ["DEMURE_ISA=isa_baseline", "DEMURE_ISA_NAME=\"baseline\""]
    },
    {
      "target_name": "demure_native",
      "sources": [
        "native/addon.cc",
        "native/parallel.cc",
        "native/gemm.cc",
        "native/blas.cc",
        "native/dispatch.cc"
      ],
      "dependencies": ["demure_kernels_baseline"],
      "libraries": ["-ldl", "-lpthread"],
      "ldflags": [],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": ["demure_kernels_avx2", "demure_kernels_avx512"],
          "defines": ["DEMURE_HAVE_AVX2=1", "DEMURE_HAVE_AVX512=1"]
        }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "demure_kernels_avx2",
          "type": "static_library",
          "sources": [
            "native/gemm_fallback.cc",
            "native/kernels_nn.cc",
            "native/kernels_elementwise.cc",
            "native/kernels_gather.cc",
            "native/kernels_gru.cc",
            "native/kernel_table.cc"
          ],
          "defines": ["DEMURE_ISA=isa_avx2", "DEMURE_ISA_NAME=\"avx2\""],
          "cflags_cc": ["-mavx2", "-mfma"]
        },
        {
          "target_name": "demure_kernels_avx512",
          "type": "static_library",
          "sources": [
            "native/gemm_fallback.cc",
            "native/kernels_nn.cc",
            "native/kernels_elementwise.cc",
            "native/kernels_gather.cc",
            "native/kernels_gru.cc",
            "native/kernel_table.cc"
          ],
          "defines": ["DEMURE_ISA=isa_avx512", "DEMURE_ISA_NAME=\"avx512\""],
          "cflags_cc": ["-mavx2", "-mfma", "-mavx512f", "-mavx512vl"]
        }
      ]
    }]
  ]
}
