// oneDNN 2D convolutions (forward, backward-data, backward-weights) on the layouts TF.js uses:
// activations NHWC, filters HWIO. Primitives are cached per shape. For 1-D convolutions
// (H = 1, KH = 1) oneDNN may pick blocked layouts and we reorder: on NHWC its backward-weights
// kernel was 4x slower than PyTorch for the audio encoder, and about even with blocked layouts.
#include <dnnl.hpp>
#include <array>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include "common.h"

namespace gim {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

dnnl::engine& Eng() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}
dnnl::stream& Strm() {
  static dnnl::stream s(Eng());
  return s;
}

enum Kind { kForward = 0, kBackwardData = 1, kBackwardWeights = 2 };

// kind, then N H W C KH KW OC OH OW strideH strideW dilH dilW padTop padLeft padBottom padRight.
using Key = std::array<int64_t, 18>;

// One direction of one conv shape: the primitive, and for each of its two inputs and its
// output the reorder between the caller's layout and the primitive's (absent when equal).
struct Plan {
  memory::desc user[3], want[3];
  dnnl::primitive prim;
  int args[3];
  std::unique_ptr<dnnl::reorder> reorders[3];
};

std::map<Key, std::unique_ptr<Plan>> cache;
constexpr size_t kMaxPlans = 256;

Plan* MakePlan(const Key& k) {
  const int kind = static_cast<int>(k[0]);
  const int64_t N = k[1], H = k[2], W = k[3], C = k[4], KH = k[5], KW = k[6], OC = k[7], OH = k[8],
                OW = k[9];
  memory::dims strides{k[10], k[11]}, dil{k[12] - 1, k[13] - 1}, padL{k[14], k[15]}, padR{k[16], k[17]};
  memory::dims srcD{N, C, H, W}, wD{OC, C, KH, KW}, dstD{N, OC, OH, OW};
  const bool oneD = H == 1 && KH == 1;
  // Blocked activations pay off for the wide layers (see above), but with fewer input channels
  // than one 16-float block (an audio encoder's first layer: C = 1) oneDNN keeps the source
  // plain and only blocks the output, and reordering that output back to NHWC cost as much as
  // the convolution itself: the forward then writes NHWC directly.
  const bool narrowForward = kind == kForward && C < 16;
  const tag act = oneD && !narrowForward ? tag::any : tag::nhwc;
  memory::desc srcAny(srcD, f32, act), dstAny(dstD, f32, act), wAny(wD, f32, tag::any);
  memory::desc srcU(srcD, f32, tag::nhwc), dstU(dstD, f32, tag::nhwc), wU(wD, f32, tag::hwio);

  auto fwdDesc = dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                                 dnnl::algorithm::convolution_direct, srcAny, wAny,
                                                 dstAny, strides, dil, padL, padR);
  dnnl::convolution_forward::primitive_desc fwd(fwdDesc, Eng());
  auto plan = std::make_unique<Plan>();
  if (kind == kForward) {
    plan->prim = dnnl::convolution_forward(fwd);
    plan->user[0] = srcU, plan->user[1] = wU, plan->user[2] = dstU;
    plan->want[0] = fwd.src_desc(), plan->want[1] = fwd.weights_desc(), plan->want[2] = fwd.dst_desc();
    plan->args[0] = DNNL_ARG_SRC, plan->args[1] = DNNL_ARG_WEIGHTS, plan->args[2] = DNNL_ARG_DST;
  } else if (kind == kBackwardData) {
    auto d = dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, srcAny, wAny,
                                                   dstAny, strides, dil, padL, padR);
    dnnl::convolution_backward_data::primitive_desc pd(d, Eng(), fwd);
    plan->prim = dnnl::convolution_backward_data(pd);
    plan->user[0] = dstU, plan->user[1] = wU, plan->user[2] = srcU;
    plan->want[0] = pd.diff_dst_desc(), plan->want[1] = pd.weights_desc(), plan->want[2] = pd.diff_src_desc();
    plan->args[0] = DNNL_ARG_DIFF_DST, plan->args[1] = DNNL_ARG_WEIGHTS, plan->args[2] = DNNL_ARG_DIFF_SRC;
  } else {
    auto d = dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, srcAny,
                                                      wAny, dstAny, strides, dil, padL, padR);
    dnnl::convolution_backward_weights::primitive_desc pd(d, Eng(), fwd);
    plan->prim = dnnl::convolution_backward_weights(pd);
    plan->user[0] = srcU, plan->user[1] = dstU, plan->user[2] = wU;
    plan->want[0] = pd.src_desc(), plan->want[1] = pd.diff_dst_desc(), plan->want[2] = pd.diff_weights_desc();
    plan->args[0] = DNNL_ARG_SRC, plan->args[1] = DNNL_ARG_DIFF_DST, plan->args[2] = DNNL_ARG_DIFF_WEIGHTS;
  }
  for (int i = 0; i < 3; i++) {
    if (plan->user[i] == plan->want[i]) continue;
    // Inputs are reordered into the primitive's layout, the output back out of it.
    memory::desc from = i < 2 ? plan->user[i] : plan->want[i];
    memory::desc to = i < 2 ? plan->want[i] : plan->user[i];
    plan->reorders[i] = std::make_unique<dnnl::reorder>(
        dnnl::reorder::primitive_desc(Eng(), from, Eng(), to));
  }
  Plan* raw = plan.get();
  // Training reuses a handful of shapes; evaluation on varying lengths could add many. Start
  // over rather than grow without bound (a plan is cheap to rebuild).
  if (cache.size() >= kMaxPlans) cache.clear();
  cache.emplace(k, std::move(plan));
  return raw;
}

// Reorder targets, one buffer per argument position, shared by every plan (convs run one at a
// time) and grown, never shrunk. Allocating them per call made glibc mmap and unmap tens of MB
// each time (above its 32 MB mmap threshold), so every call page-faulted them in again.
struct Scratch {
  std::unique_ptr<float, decltype(&std::free)> data{nullptr, &std::free};
  size_t bytes = 0;
  void* Get(size_t want) {
    if (want > bytes) {
      const size_t rounded = (want + 63) / 64 * 64;  // aligned_alloc needs a multiple of 64
      data.reset(static_cast<float*>(std::aligned_alloc(64, rounded)));
      if (!data) throw std::bad_alloc();
      bytes = rounded;
    }
    return data.get();
  }
};
Scratch scratch[3];

// conv(kind, a, b, out, dims[17]): forward (x, w) -> y; backward-data (dy, w) -> dx;
// backward-weights (x, dy) -> dw.
Napi::Value Conv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    Key key;
    key[0] = I64(info[0]);
    Dims d = ToDims(info[4]);
    if (d.size() != 17) throw std::runtime_error("conv: expected 17 dims");
    for (int i = 0; i < 17; i++) key[i + 1] = d[i];
    auto it = cache.find(key);
    Plan* plan = it != cache.end() ? it->second.get() : MakePlan(key);
    float* ptrs[3] = {F32(info[1]), F32(info[2]), F32(info[3])};
    std::unordered_map<int, memory> args;
    memory keep[3];
    for (int i = 0; i < 3; i++) {
      memory user(plan->user[i], Eng(), ptrs[i]);
      if (!plan->reorders[i]) {
        args.emplace(plan->args[i], user);
        continue;
      }
      keep[i] = memory(plan->want[i], Eng(), scratch[i].Get(plan->want[i].get_size()));
      if (i < 2) plan->reorders[i]->execute(Strm(), user, keep[i]);
      args.emplace(plan->args[i], keep[i]);
    }
    plan->prim.execute(Strm(), args);
    if (plan->reorders[2]) {
      memory user(plan->user[2], Eng(), ptrs[2]);
      plan->reorders[2]->execute(Strm(), keep[2], user);
    }
    Strm().wait();
  } catch (const std::exception& e) {
    Napi::Error::New(env, std::string("gim native conv: ") + e.what()).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

Napi::Value ConvCacheSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(cache.size()));
}

}  // namespace

void InitConv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv", Napi::Function::New(env, Conv));
  exports.Set("convCacheSize", Napi::Function::New(env, ConvCacheSize));
}

}  // namespace gim
