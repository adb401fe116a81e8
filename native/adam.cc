// Adam's update of one parameter as one pass over its four arrays. As TF.js ops it was ten
// kernels (mul, add, square, sqrt, div, sub: each a full pass allocating a fresh array), which
// for the audio GIM model's 25 M parameters cost a third of a training step's CPU time.
// Each line below is one of those ops, in the same order and in float32, so the result is the
// same floats as the unfused ops (-ffp-contract=off keeps FMA out; see binding.gyp).
#include <cmath>
#include <omp.h>
#include "common.h"

namespace gim {
namespace {

struct AdamConsts {
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, sqrtBias2, epsilon, stepSize;
};

GIM_DISPATCH void AdamRange(const float* p, const float* m, const float* v, const float* g,
                            float* pOut, float* mOut, float* vOut, int64_t n, AdamConsts c) {
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] * c.beta1 + gi * c.oneMinusBeta1;
    const float vi = v[i] * c.beta2 + (gi * gi) * c.oneMinusBeta2;
    const float denom = std::sqrt(vi) / c.sqrtBias2 + c.epsilon;
    pOut[i] = p[i] - (mi / denom) * c.stepSize;
    mOut[i] = mi;
    vOut[i] = vi;
  }
}

// adamUpdate(p, m, v, g, pOut, mOut, vOut, consts[7]): consts are beta1, 1 - beta1, beta2,
// 1 - beta2, sqrt(1 - beta2^t), epsilon, lr / (1 - beta1^t), each rounded to float32 as the
// scalar tensors of the unfused ops are.
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  const float* p = F32(info[0]);
  const float* m = F32(info[1]);
  const float* v = F32(info[2]);
  const float* g = F32(info[3]);
  float* pOut = F32(info[4]);
  float* mOut = F32(info[5]);
  float* vOut = F32(info[6]);
  const int64_t n = static_cast<int64_t>(F32Len(info[4]));
  Napi::Array k = info[7].As<Napi::Array>();
  float cs[7];
  for (uint32_t i = 0; i < 7; i++) cs[i] = k.Get(i).As<Napi::Number>().FloatValue();
  const AdamConsts c{cs[0], cs[1], cs[2], cs[3], cs[4], cs[5], cs[6]};
  // One contiguous range per thread (the dispatched loop cannot sit in the parallel region).
#pragma omp parallel if (n >= kParallelMin)
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t lo = n * t / nt, hi = n * (t + 1) / nt;
    AdamRange(p + lo, m + lo, v + lo, g + lo, pOut + lo, mOut + lo, vOut + lo, hi - lo, c);
  }
  return info.Env().Undefined();
}

}  // namespace

void InitAdam(Napi::Env env, Napi::Object exports) {
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdate));
}

}  // namespace gim
