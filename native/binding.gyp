{
  "targets": [
    {
      "target_name": "gim_native",
      "sources": ["addon.cc", "conv.cc", "gemm.cc", "elementwise.cc", "reduce.cc", "copy.cc", "gru.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fopenmp", "-fexceptions"],
      "libraries": ["-ldnnl", "-lopenblas", "-fopenmp"]
    }
  ]
}
