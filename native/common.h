// Shared helpers for the gim native addon: argument parsing and shape utilities.
#pragma once
#include <napi.h>
#include <cstdint>
#include <vector>

// The addon is built for a baseline ISA (binding.gyp) so that node_modules can move between
// machines; oneDNN and OpenBLAS pick AVX2/AVX-512/AMX at run time on their own. Our few hot
// loops get the same through GCC function multiversioning: GIM_DISPATCH compiles a function
// once per listed ISA plus the baseline, and an ifunc resolver picks one when the addon loads.
// Only functions that hold a whole vectorisable loop carry it; an OpenMP region outlined from
// an annotated function is NOT cloned, so the loops inside parallel regions call annotated
// helpers. x86-64 with GCC/Clang only; elsewhere (arm64: NEON is baseline) it is empty.
// "avx2" deliberately omits FMA, so no clone contracts a*b+c and every clone of an
// elementwise loop gives bit-identical results to the baseline one.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(GIM_NO_DISPATCH)
#define GIM_DISPATCH __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GIM_DISPATCH
#endif

namespace gim {

using Dims = std::vector<int64_t>;

inline Dims ToDims(const Napi::Value& v) {
  Napi::Array a = v.As<Napi::Array>();
  Dims d(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) d[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return d;
}

inline float* F32(const Napi::Value& v) { return v.As<Napi::Float32Array>().Data(); }
inline size_t F32Len(const Napi::Value& v) { return v.As<Napi::Float32Array>().ElementLength(); }
inline int64_t I64(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }

inline int64_t Product(const Dims& d) {
  int64_t p = 1;
  for (int64_t x : d) p *= x;
  return p;
}

// Below this many elements a loop runs on the calling thread: waking the OpenMP team costs
// more than it saves, and the GRU issues thousands of tiny ops per step.
constexpr int64_t kParallelMin = 1 << 16;

// Each file registers its functions on the module exports.
void InitConv(Napi::Env env, Napi::Object exports);
void InitGemm(Napi::Env env, Napi::Object exports);
void InitElementwise(Napi::Env env, Napi::Object exports);
void InitReduce(Napi::Env env, Napi::Object exports);
void InitCopy(Napi::Env env, Napi::Object exports);
void InitGru(Napi::Env env, Napi::Object exports);
void InitAdam(Napi::Env env, Napi::Object exports);

}  // namespace gim
