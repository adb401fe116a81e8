// Elementwise kernels: binary ops with NumPy broadcasting, and unary ops. Broadcast shapes are
// collapsed first so that most cases become "rows of a contiguous inner loop", where the
// inner operand strides are 0 or 1 and the compiler vectorises the loop.
#include <cmath>
#include <limits>
#include <omp.h>
#include "common.h"

namespace gim {
namespace {

enum BinaryOp { kAdd, kSub, kMul, kDiv, kMax, kMin, kSqDiff, kPow };

template <int Op>
inline float Apply(float a, float b) {
  if constexpr (Op == kAdd) return a + b;
  if constexpr (Op == kSub) return a - b;
  if constexpr (Op == kMul) return a * b;
  if constexpr (Op == kDiv) return a / b;
  // JavaScript's Math.max/min return NaN when either side is NaN; TF.js's cpu kernels do too.
  if constexpr (Op == kMax) return (a != a || b != b) ? std::numeric_limits<float>::quiet_NaN() : (a > b ? a : b);
  if constexpr (Op == kMin) return (a != a || b != b) ? std::numeric_limits<float>::quiet_NaN() : (a < b ? a : b);
  if constexpr (Op == kSqDiff) return (a - b) * (a - b);
  if constexpr (Op == kPow) return std::pow(a, b);
  return 0;
}

// The contiguous inner loop every binary op ends in: one clone per ISA (common.h).
template <int Op>
GIM_DISPATCH void Row(const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) out[i] = Apply<Op>(a[i], b[i]);
  } else if (sa == 1) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; i++) out[i] = Apply<Op>(a[i], bv);
  } else if (sb == 1) {
    const float av = a[0];
    for (int64_t i = 0; i < n; i++) out[i] = Apply<Op>(av, b[i]);
  } else {
    const float v = Apply<Op>(a[0], b[0]);
    for (int64_t i = 0; i < n; i++) out[i] = v;
  }
}

struct Layout {
  Dims shape, sa, sb;  // collapsed output shape and the operands' strides (0 where broadcast)
};

// Right-aligns both shapes to the output, gives broadcast axes stride 0, and merges adjacent
// axes whenever both operands can walk them as one.
Layout Collapse(const Dims& as, const Dims& bs, const Dims& out) {
  const size_t r = out.size();
  Dims sa(r), sb(r);
  int64_t pa = 1, pb = 1;
  for (size_t k = r; k-- > 0;) {
    const int64_t da = k + as.size() >= r ? as[k + as.size() - r] : 1;
    const int64_t db = k + bs.size() >= r ? bs[k + bs.size() - r] : 1;
    sa[k] = da == 1 && out[k] != 1 ? 0 : pa;
    sb[k] = db == 1 && out[k] != 1 ? 0 : pb;
    pa *= da, pb *= db;
  }
  Layout l;
  for (size_t k = 0; k < r; k++) {
    if (out[k] == 1) continue;
    if (!l.shape.empty() && l.sa.back() == sa[k] * out[k] && l.sb.back() == sb[k] * out[k]) {
      l.shape.back() *= out[k];
      l.sa.back() = sa[k], l.sb.back() = sb[k];
    } else {
      l.shape.push_back(out[k]), l.sa.push_back(sa[k]), l.sb.push_back(sb[k]);
    }
  }
  if (l.shape.empty()) l.shape = {1}, l.sa = {1}, l.sb = {1};
  return l;
}

template <int Op>
void Binary(const float* a, const float* b, float* out, const Layout& l) {
  const size_t r = l.shape.size();
  const int64_t inner = l.shape[r - 1], innerSa = l.sa[r - 1], innerSb = l.sb[r - 1];
  int64_t rows = 1;
  for (size_t k = 0; k + 1 < r; k++) rows *= l.shape[k];
  // Split long rows into blocks so that a single huge row still uses every thread.
  const int64_t block = rows >= 64 ? inner : std::min<int64_t>(inner, 16384);
  const int64_t blocks = (inner + block - 1) / block;
  const int64_t total = rows * inner;
#pragma omp parallel for schedule(static) if (total >= kParallelMin)
  for (int64_t t = 0; t < rows * blocks; t++) {
    int64_t row = t / blocks, start = (t % blocks) * block;
    int64_t oa = 0, ob = 0, rem = row;
    for (size_t k = r - 1; k-- > 0;) {
      const int64_t idx = rem % l.shape[k];
      rem /= l.shape[k];
      oa += idx * l.sa[k], ob += idx * l.sb[k];
    }
    const int64_t n = std::min(block, inner - start);
    Row<Op>(a + oa + start * innerSa, innerSa, b + ob + start * innerSb, innerSb,
            out + row * inner + start, n);
  }
}

// binary(op, a, aShape, b, bShape, out, outShape)
Napi::Value BinaryFn(const Napi::CallbackInfo& info) {
  const int op = static_cast<int>(I64(info[0]));
  Layout l = Collapse(ToDims(info[2]), ToDims(info[4]), ToDims(info[6]));
  const float* a = F32(info[1]);
  const float* b = F32(info[3]);
  float* out = F32(info[5]);
  switch (op) {
    case kAdd: Binary<kAdd>(a, b, out, l); break;
    case kSub: Binary<kSub>(a, b, out, l); break;
    case kMul: Binary<kMul>(a, b, out, l); break;
    case kDiv: Binary<kDiv>(a, b, out, l); break;
    case kMax: Binary<kMax>(a, b, out, l); break;
    case kMin: Binary<kMin>(a, b, out, l); break;
    case kSqDiff: Binary<kSqDiff>(a, b, out, l); break;
    case kPow: Binary<kPow>(a, b, out, l); break;
    default: Napi::Error::New(info.Env(), "gim native: unknown binary op").ThrowAsJavaScriptException();
  }
  return info.Env().Undefined();
}

enum UnaryOp { kRelu, kStep, kSigmoid, kTanh, kExp, kLog, kNeg, kSquare, kSqrt, kRsqrt, kAbs, kReciprocal };

template <int Op>
GIM_DISPATCH void UnaryRange(const float* x, float* y, int64_t n, float alpha) {
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    // Each formula matches tfjs-backend-cpu, NaN handling included.
    if constexpr (Op == kRelu) y[i] = v < 0 ? 0.0f : v;
    if constexpr (Op == kStep) y[i] = v != v ? v : (v > 0 ? 1.0f : alpha);
    if constexpr (Op == kSigmoid) y[i] = 1.0f / (1.0f + std::exp(-v));
    if constexpr (Op == kTanh) y[i] = std::tanh(v);
    if constexpr (Op == kExp) y[i] = std::exp(v);
    if constexpr (Op == kLog) y[i] = std::log(v);
    if constexpr (Op == kNeg) y[i] = -v;
    if constexpr (Op == kSquare) y[i] = v * v;
    if constexpr (Op == kSqrt) y[i] = std::sqrt(v);
    if constexpr (Op == kRsqrt) y[i] = 1.0f / std::sqrt(v);
    if constexpr (Op == kAbs) y[i] = std::fabs(v);
    if constexpr (Op == kReciprocal) y[i] = 1.0f / v;
  }
}

// Each thread takes one contiguous range and runs the dispatched loop over it (the loop cannot
// sit in the parallel region itself: GCC does not clone outlined OpenMP bodies).
template <int Op>
void Unary(const float* x, float* y, int64_t n, float alpha) {
#pragma omp parallel if (n >= kParallelMin)
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t lo = n * t / nt, hi = n * (t + 1) / nt;
    UnaryRange<Op>(x + lo, y + lo, hi - lo, alpha);
  }
}

// unary(op, x, out, alpha)
Napi::Value UnaryFn(const Napi::CallbackInfo& info) {
  const int op = static_cast<int>(I64(info[0]));
  const float* x = F32(info[1]);
  float* y = F32(info[2]);
  const int64_t n = static_cast<int64_t>(F32Len(info[2]));
  const float alpha = info[3].IsNumber() ? info[3].As<Napi::Number>().FloatValue() : 0.0f;
  switch (op) {
    case kRelu: Unary<kRelu>(x, y, n, alpha); break;
    case kStep: Unary<kStep>(x, y, n, alpha); break;
    case kSigmoid: Unary<kSigmoid>(x, y, n, alpha); break;
    case kTanh: Unary<kTanh>(x, y, n, alpha); break;
    case kExp: Unary<kExp>(x, y, n, alpha); break;
    case kLog: Unary<kLog>(x, y, n, alpha); break;
    case kNeg: Unary<kNeg>(x, y, n, alpha); break;
    case kSquare: Unary<kSquare>(x, y, n, alpha); break;
    case kSqrt: Unary<kSqrt>(x, y, n, alpha); break;
    case kRsqrt: Unary<kRsqrt>(x, y, n, alpha); break;
    case kAbs: Unary<kAbs>(x, y, n, alpha); break;
    case kReciprocal: Unary<kReciprocal>(x, y, n, alpha); break;
    default: Napi::Error::New(info.Env(), "gim native: unknown unary op").ThrowAsJavaScriptException();
  }
  return info.Env().Undefined();
}

// ReLU's gradient dy * step(x) as one pass: TF.js runs Step then Multiply, each a full pass with
// a fresh output array the size of the activation. The same arithmetic, so the same floats
// (NaN inputs included: step(NaN) is NaN).
GIM_DISPATCH void ReluGradRange(const float* dy, const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    const float step = v != v ? v : (v > 0 ? 1.0f : 0.0f);
    out[i] = dy[i] * step;
  }
}

// reluGrad(dy, x, out)
Napi::Value ReluGradFn(const Napi::CallbackInfo& info) {
  const float* dy = F32(info[0]);
  const float* x = F32(info[1]);
  float* out = F32(info[2]);
  const int64_t n = static_cast<int64_t>(F32Len(info[2]));
#pragma omp parallel if (n >= kParallelMin)
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t lo = n * t / nt, hi = n * (t + 1) / nt;
    ReluGradRange(dy + lo, x + lo, out + lo, hi - lo);
  }
  return info.Env().Undefined();
}

}  // namespace

void InitElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("reluGrad", Napi::Function::New(env, ReluGradFn));
  exports.Set("binary", Napi::Function::New(env, BinaryFn));
  exports.Set("unary", Napi::Function::New(env, UnaryFn));
}

}  // namespace gim
