// Shared helpers for the gim native addon: argument parsing and shape utilities.
#pragma once
#include <napi.h>
#include <cstdint>
#include <vector>

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

}  // namespace gim
