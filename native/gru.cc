// A fused single-layer GRU over oneDNN's linear-before-reset (LBR) GRU, which computes exactly
// PyTorch's nn.GRU equations. The unfused GRU ran 128 time steps of small TF.js kernels (about
// 3,000 calls per training step); here the whole sequence is one forward and one backward call.
//
// Our layouts (src/nn/gru.ts): x [B, T, I] batch-first; h0 [B, H]; weightIh [I, 3H] and
// weightHh [H, 3H] with gate columns in PyTorch's order (r, z, n); biases [3H] likewise.
// oneDNN's (libdnnl 2.6, the 2.x API): layers time-major `tnc`, states `ldnc` {1, 1, B, H},
// weights `ldigo` {1, 1, I, 3, H} with gates in the order (u, r, o) = PyTorch's (z, r, n), and an
// `ldgo` bias of FOUR gates for LBR: (b_iz + b_hz, b_ir + b_hr, b_in, b_hn), since b_hn sits
// inside r ⊙ (W_hn h + b_hn) and cannot be folded into b_in.
#include <dnnl.hpp>
#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>
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

// oneDNN gate g takes PyTorch gate kTorchGate[g]: u = z (1), r = r (0), o = n (2). The map is
// its own inverse, so the same table brings gradients back.
constexpr int kTorchGate[3] = {1, 0, 2};

// B, T, I, H.
using Key = std::array<int64_t, 4>;

// A reorder between two layouts of the same tensor, or a plain copy when they are equal.
struct Conversion {
  memory::desc from, to;
  std::unique_ptr<dnnl::reorder> reorder;

  Conversion(const memory::desc& f, const memory::desc& t) : from(f), to(t) {
    if (f != t) reorder = std::make_unique<dnnl::reorder>(dnnl::reorder::primitive_desc(Eng(), f, Eng(), t));
  }
  void Run(void* src, void* dst) const {
    if (!reorder) {
      std::memcpy(dst, src, from.get_size());
      return;
    }
    memory a(from, Eng(), src), b(to, Eng(), dst);
    reorder->execute(Strm(), a, b);
  }
};

// Everything one shape needs. The backward half is built on the first backward call, so a
// shape only ever run forward (evaluation) never pays for it.
struct Plan {
  memory::desc layerIn, layerOut, state, wLayer, wIter, bias;  // our side of oneDNN's layouts
  dnnl::lbr_gru_forward::primitive_desc fwdPd;
  dnnl::lbr_gru_forward fwd;
  std::unique_ptr<Conversion> fwdWLayer, fwdWIter;
  bool hasBackward = false;
  dnnl::lbr_gru_backward::primitive_desc bwdPd;
  dnnl::lbr_gru_backward bwd;
  std::unique_ptr<Conversion> bwdWLayer, bwdWIter, diffWLayer, diffWIter;
};

std::map<Key, std::unique_ptr<Plan>> cache;
// Training uses one or two shapes; evaluation on varying lengths could add many. Start over
// rather than grow without bound.
constexpr size_t kMaxPlans = 32;
// Primitives (forward or backward) created since load: tests check that a shape seen before
// reuses its plan.
int64_t primitivesCreated = 0;

Plan* ForwardPlan(const Key& k) {
  auto it = cache.find(k);
  if (it != cache.end()) return it->second.get();
  const int64_t B = k[0], T = k[1], I = k[2], H = k[3];
  auto plan = std::make_unique<Plan>();
  plan->layerIn = memory::desc({T, B, I}, f32, tag::tnc);
  plan->layerOut = memory::desc({T, B, H}, f32, tag::tnc);
  plan->state = memory::desc({1, 1, B, H}, f32, tag::ldnc);
  plan->wLayer = memory::desc({1, 1, I, 3, H}, f32, tag::ldigo);
  plan->wIter = memory::desc({1, 1, H, 3, H}, f32, tag::ldigo);
  plan->bias = memory::desc({1, 1, 4, H}, f32, tag::ldgo);
  memory::desc wLayerAny({1, 1, I, 3, H}, f32, tag::any), wIterAny({1, 1, H, 3, H}, f32, tag::any);
  // No dst_iter: the last state is the last time step of the output.
  dnnl::lbr_gru_forward::desc d(dnnl::prop_kind::forward_training,
                                dnnl::rnn_direction::unidirectional_left2right, plan->layerIn,
                                plan->state, wLayerAny, wIterAny, plan->bias, plan->layerOut,
                                memory::desc());
  plan->fwdPd = dnnl::lbr_gru_forward::primitive_desc(d, Eng());
  plan->fwd = dnnl::lbr_gru_forward(plan->fwdPd);
  plan->fwdWLayer = std::make_unique<Conversion>(plan->wLayer, plan->fwdPd.weights_layer_desc());
  plan->fwdWIter = std::make_unique<Conversion>(plan->wIter, plan->fwdPd.weights_iter_desc());
  primitivesCreated++;
  if (cache.size() >= kMaxPlans) cache.clear();
  Plan* raw = plan.get();
  cache.emplace(k, std::move(plan));
  return raw;
}

void AddBackward(Plan* p, const Key& k) {
  if (p->hasBackward) return;
  const int64_t I = k[2], H = k[3];
  memory::desc wLayerAny({1, 1, I, 3, H}, f32, tag::any), wIterAny({1, 1, H, 3, H}, f32, tag::any);
  dnnl::lbr_gru_backward::desc d(
      dnnl::prop_kind::backward, dnnl::rnn_direction::unidirectional_left2right, p->layerIn,
      p->state, wLayerAny, wIterAny, p->bias, p->layerOut, memory::desc(), p->layerIn, p->state,
      wLayerAny, wIterAny, p->bias, p->layerOut, memory::desc());
  p->bwdPd = dnnl::lbr_gru_backward::primitive_desc(d, Eng(), p->fwdPd);
  p->bwd = dnnl::lbr_gru_backward(p->bwdPd);
  // Backward wants the weights transposed (ldgoi in oneDNN 2.6).
  p->bwdWLayer = std::make_unique<Conversion>(p->wLayer, p->bwdPd.weights_layer_desc());
  p->bwdWIter = std::make_unique<Conversion>(p->wIter, p->bwdPd.weights_iter_desc());
  p->diffWLayer = std::make_unique<Conversion>(p->bwdPd.diff_weights_layer_desc(), p->wLayer);
  p->diffWIter = std::make_unique<Conversion>(p->bwdPd.diff_weights_iter_desc(), p->wIter);
  p->hasBackward = true;
  primitivesCreated++;
}

// Grow-only scratch buffers, one per role: calls run one at a time on the JS thread, and
// reusing them avoids mapping fresh pages (megabytes) on every training step.
enum Role { kXT, kYT, kDyT, kDxT, kWl, kWi, kWlPrim, kWiPrim, kBias, kDWlPrim, kDWiPrim, kDWl, kDWi, kDBias, kRoles };
std::vector<float> scratch[kRoles];

float* Scratch(Role r, size_t bytes) {
  auto& v = scratch[r];
  const size_t n = (bytes + sizeof(float) - 1) / sizeof(float);
  if (v.size() < n) v.resize(n);
  return v.data();
}

// [A, B, C] -> [B, A, C]: batch-first <-> time-major.
void SwapOuter(const float* src, float* dst, int64_t A, int64_t B, int64_t C) {
  for (int64_t a = 0; a < A; a++)
    for (int64_t b = 0; b < B; b++) std::memcpy(dst + (b * A + a) * C, src + (a * B + b) * C, C * sizeof(float));
}

// Ours [rows, 3H] in PyTorch gate order <-> ldigo [rows, 3, H] in oneDNN's: swaps r and z.
void PermuteGates(const float* src, float* dst, int64_t rows, int64_t H) {
  for (int64_t i = 0; i < rows; i++)
    for (int g = 0; g < 3; g++) std::memcpy(dst + (i * 3 + g) * H, src + (i * 3 + kTorchGate[g]) * H, H * sizeof(float));
}

void FourGateBias(const float* bIh, const float* bHh, float* b, int64_t H) {
  for (int64_t o = 0; o < H; o++) {
    b[o] = bIh[H + o] + bHh[H + o];          // u = z
    b[H + o] = bIh[o] + bHh[o];              // r
    b[2 * H + o] = bIh[2 * H + o];           // o = n, input half
    b[3 * H + o] = bHh[2 * H + o];           // n, hidden half (inside r ⊙ ...)
  }
}

struct Args {
  Key key;
  float *x, *h0, *wIh, *wHh, *bIh, *bHh, *y, *ws;
};

void Check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

Key ReadKey(const Napi::Value& v) {
  Dims d = ToDims(v);
  Check(d.size() == 4, "expected dims [B, T, I, H]");
  for (int64_t x : d) Check(x > 0, "every dimension must be positive");
  return {d[0], d[1], d[2], d[3]};
}

// Reads the first eight arguments shared by forward and backward, checking every length.
Args ReadArgs(const Napi::CallbackInfo& info, const Key& k, const Plan* p) {
  const int64_t B = k[0], T = k[1], I = k[2], H = k[3];
  const size_t want[8] = {size_t(B * T * I), size_t(B * H), size_t(I * 3 * H), size_t(H * 3 * H), size_t(3 * H),
                          size_t(3 * H), size_t(B * T * H), p->fwdPd.workspace_desc().get_size() / sizeof(float)};
  const char* names[8] = {"x", "h0", "weightIh", "weightHh", "biasIh", "biasHh", "y", "workspace"};
  for (int i = 0; i < 8; i++) {
    Check(F32Len(info[i]) >= want[i], std::string(names[i]) + ": expected " + std::to_string(want[i]) +
                                          " floats, found " + std::to_string(F32Len(info[i])));
  }
  return {k, F32(info[0]), F32(info[1]), F32(info[2]), F32(info[3]), F32(info[4]), F32(info[5]), F32(info[6]), F32(info[7])};
}

Napi::Value Fail(Napi::Env env, const std::exception& e) {
  Napi::Error::New(env, std::string("gim native gru: ") + e.what()).ThrowAsJavaScriptException();
  return env.Undefined();
}

// gruWorkspaceLength(dims) -> floats the forward needs for its workspace (kept for backward).
Napi::Value WorkspaceLength(const Napi::CallbackInfo& info) {
  try {
    const Plan* p = ForwardPlan(ReadKey(info[0]));
    const size_t bytes = p->fwdPd.workspace_desc().get_size();
    return Napi::Number::New(info.Env(), static_cast<double>((bytes + sizeof(float) - 1) / sizeof(float)));
  } catch (const std::exception& e) {
    return Fail(info.Env(), e);
  }
}

// The weights and bias in the layouts a primitive wants, converted from ours.
void PrepareWeights(const Args& a, const Conversion& toLayer, const Conversion& toIter, float** wl, float** wi,
                    float** bias) {
  const int64_t I = a.key[2], H = a.key[3];
  float* wlU = Scratch(kWl, I * 3 * H * sizeof(float));
  float* wiU = Scratch(kWi, H * 3 * H * sizeof(float));
  PermuteGates(a.wIh, wlU, I, H);
  PermuteGates(a.wHh, wiU, H, H);
  *wl = Scratch(kWlPrim, toLayer.to.get_size());
  *wi = Scratch(kWiPrim, toIter.to.get_size());
  toLayer.Run(wlU, *wl);
  toIter.Run(wiU, *wi);
  *bias = Scratch(kBias, 4 * H * sizeof(float));
  FourGateBias(a.bIh, a.bHh, *bias, H);
}

// gruForward(x, h0, wIh, wHh, bIh, bHh, y, workspace, dims): y [B, T, H] and the workspace.
Napi::Value Forward(const Napi::CallbackInfo& info) {
  try {
    const Key k = ReadKey(info[8]);
    Plan* p = ForwardPlan(k);
    const Args a = ReadArgs(info, k, p);
    const int64_t B = k[0], T = k[1], I = k[2], H = k[3];
    float* xT = Scratch(kXT, B * T * I * sizeof(float));
    float* yT = Scratch(kYT, B * T * H * sizeof(float));
    SwapOuter(a.x, xT, B, T, I);  // [B, T, I] -> [T, B, I]
    float *wl, *wi, *bias;
    PrepareWeights(a, *p->fwdWLayer, *p->fwdWIter, &wl, &wi, &bias);
    p->fwd.execute(Strm(), {{DNNL_ARG_SRC_LAYER, memory(p->layerIn, Eng(), xT)},
                            {DNNL_ARG_SRC_ITER, memory(p->state, Eng(), a.h0)},
                            {DNNL_ARG_WEIGHTS_LAYER, memory(p->fwdWLayer->to, Eng(), wl)},
                            {DNNL_ARG_WEIGHTS_ITER, memory(p->fwdWIter->to, Eng(), wi)},
                            {DNNL_ARG_BIAS, memory(p->bias, Eng(), bias)},
                            {DNNL_ARG_DST_LAYER, memory(p->layerOut, Eng(), yT)},
                            {DNNL_ARG_WORKSPACE, memory(p->fwdPd.workspace_desc(), Eng(), a.ws)}});
    Strm().wait();
    SwapOuter(yT, a.y, T, B, H);  // [T, B, H] -> [B, T, H]
  } catch (const std::exception& e) {
    return Fail(info.Env(), e);
  }
  return info.Env().Undefined();
}

// gruBackward(x, h0, wIh, wHh, bIh, bHh, y, workspace, dy, dx, dh0, dWih, dWhh, dbIh, dbHh, dims):
// the forward's inputs, output and workspace, and dL/dy -> the gradients of the six inputs.
Napi::Value Backward(const Napi::CallbackInfo& info) {
  try {
    const Key k = ReadKey(info[15]);
    Plan* p = ForwardPlan(k);
    AddBackward(p, k);
    const Args a = ReadArgs(info, k, p);
    const int64_t B = k[0], T = k[1], I = k[2], H = k[3];
    const size_t want[7] = {size_t(B * T * H), size_t(B * T * I), size_t(B * H), size_t(I * 3 * H),
                            size_t(H * 3 * H), size_t(3 * H), size_t(3 * H)};
    const char* names[7] = {"dy", "dx", "dh0", "dWeightIh", "dWeightHh", "dBiasIh", "dBiasHh"};
    for (int i = 0; i < 7; i++) {
      Check(F32Len(info[8 + i]) >= want[i], std::string(names[i]) + ": expected " + std::to_string(want[i]) +
                                                " floats, found " + std::to_string(F32Len(info[8 + i])));
    }
    float *dy = F32(info[8]), *dx = F32(info[9]), *dh0 = F32(info[10]), *dWih = F32(info[11]),
          *dWhh = F32(info[12]), *dbIh = F32(info[13]), *dbHh = F32(info[14]);

    float* xT = Scratch(kXT, B * T * I * sizeof(float));
    float* yT = Scratch(kYT, B * T * H * sizeof(float));
    float* dyT = Scratch(kDyT, B * T * H * sizeof(float));
    float* dxT = Scratch(kDxT, B * T * I * sizeof(float));
    SwapOuter(a.x, xT, B, T, I);
    SwapOuter(a.y, yT, B, T, H);
    SwapOuter(dy, dyT, B, T, H);
    float *wl, *wi, *bias;
    PrepareWeights(a, *p->bwdWLayer, *p->bwdWIter, &wl, &wi, &bias);
    // oneDNN ADDS into the weight and bias gradients: they must start at zero.
    const memory::desc& dwlD = p->diffWLayer->from;
    const memory::desc& dwiD = p->diffWIter->from;
    float* dwl = Scratch(kDWlPrim, dwlD.get_size());
    float* dwi = Scratch(kDWiPrim, dwiD.get_size());
    float* db = Scratch(kDBias, 4 * H * sizeof(float));
    std::memset(dwl, 0, dwlD.get_size());
    std::memset(dwi, 0, dwiD.get_size());
    std::memset(db, 0, 4 * H * sizeof(float));
    p->bwd.execute(Strm(), {{DNNL_ARG_SRC_LAYER, memory(p->layerIn, Eng(), xT)},
                            {DNNL_ARG_SRC_ITER, memory(p->state, Eng(), a.h0)},
                            {DNNL_ARG_WEIGHTS_LAYER, memory(p->bwdWLayer->to, Eng(), wl)},
                            {DNNL_ARG_WEIGHTS_ITER, memory(p->bwdWIter->to, Eng(), wi)},
                            {DNNL_ARG_BIAS, memory(p->bias, Eng(), bias)},
                            {DNNL_ARG_DST_LAYER, memory(p->layerOut, Eng(), yT)},
                            {DNNL_ARG_WORKSPACE, memory(p->fwdPd.workspace_desc(), Eng(), a.ws)},
                            {DNNL_ARG_DIFF_DST_LAYER, memory(p->layerOut, Eng(), dyT)},
                            {DNNL_ARG_DIFF_SRC_LAYER, memory(p->layerIn, Eng(), dxT)},
                            {DNNL_ARG_DIFF_SRC_ITER, memory(p->state, Eng(), dh0)},
                            {DNNL_ARG_DIFF_WEIGHTS_LAYER, memory(dwlD, Eng(), dwl)},
                            {DNNL_ARG_DIFF_WEIGHTS_ITER, memory(dwiD, Eng(), dwi)},
                            {DNNL_ARG_DIFF_BIAS, memory(p->bias, Eng(), db)}});
    Strm().wait();
    SwapOuter(dxT, dx, T, B, I);  // [T, B, I] -> [B, T, I]
    float* dwlU = Scratch(kDWl, I * 3 * H * sizeof(float));
    float* dwiU = Scratch(kDWi, H * 3 * H * sizeof(float));
    p->diffWLayer->Run(dwl, dwlU);
    p->diffWIter->Run(dwi, dwiU);
    PermuteGates(dwlU, dWih, I, H);
    PermuteGates(dwiU, dWhh, H, H);
    // Each folded bias gate's gradient goes to both of the biases that were summed into it.
    for (int64_t o = 0; o < H; o++) {
      dbIh[o] = dbHh[o] = db[H + o];                // r
      dbIh[H + o] = dbHh[H + o] = db[o];            // z
      dbIh[2 * H + o] = db[2 * H + o];              // n, input half
      dbHh[2 * H + o] = db[3 * H + o];              // n, hidden half
    }
  } catch (const std::exception& e) {
    return Fail(info.Env(), e);
  }
  return info.Env().Undefined();
}

Napi::Value PrimitivesCreated(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(primitivesCreated));
}

}  // namespace

void InitGru(Napi::Env env, Napi::Object exports) {
  exports.Set("gruWorkspaceLength", Napi::Function::New(env, WorkspaceLength));
  exports.Set("gruForward", Napi::Function::New(env, Forward));
  exports.Set("gruBackward", Napi::Function::New(env, Backward));
  exports.Set("gruPrimitivesCreated", Napi::Function::New(env, PrimitivesCreated));
}

}  // namespace gim
