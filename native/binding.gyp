# Built for a baseline ISA, not -march=native, so that node_modules still loads on another
# CPU. x86-64-v2 (SSE4.2, POPCNT: Intel since Nehalem 2008, AMD since Bulldozer 2011; RHEL 9's
# baseline) because oneDNN itself needs SSE4.1: plain x86-64 would add only Core 2 Penryn (SSE4.1
# without SSE4.2) to the machines that can run the backend at all. oneDNN and OpenBLAS
# JIT/dispatch AVX2/AVX-512/AMX at run time; our hot loops are multiversioned (GIM_DISPATCH in
# common.h). -ffp-contract=off keeps FMA contraction out of the AVX-512 clones, so a loop gives
# the same floats whichever clone runs.
{
  "targets": [
    {
      "target_name": "gim_native",
      "sources": ["addon.cc", "conv.cc", "gemm.cc", "elementwise.cc", "reduce.cc", "copy.cc", "gru.cc", "adam.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fopenmp", "-fexceptions", "-ffp-contract=off"],
      "libraries": ["-ldnnl", "-lopenblas", "-fopenmp"],
      "conditions": [
        ["target_arch=='x64'", {
          "cflags_cc": ["-march=x86-64-v2", "-mtune=generic"]
        }],
        ["target_arch=='arm64'", {
          "cflags_cc": ["-march=armv8-a"]
        }]
      ]
    }
  ]
}
