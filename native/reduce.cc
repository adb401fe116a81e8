// Reductions over the middle axis of an [M, K, N] view (the TS side transposes anything that
// does not fit that view), and a row-wise softmax. Sums accumulate in double, as the
// JavaScript reference does, so long reductions agree with it closely.
#include <cmath>
#include <limits>
#include <omp.h>
#include <vector>
#include "common.h"

namespace gim {
namespace {

enum ReduceOp { kSum, kMean, kMax, kMin, kProd };

template <int Op>
inline double Init() {
  if constexpr (Op == kMax) return -std::numeric_limits<double>::infinity();
  if constexpr (Op == kMin) return std::numeric_limits<double>::infinity();
  if constexpr (Op == kProd) return 1.0;
  return 0.0;
}

template <int Op>
inline double Combine(double acc, float v) {
  if constexpr (Op == kMax) return (v > acc || v != v) ? v : acc;
  if constexpr (Op == kMin) return (v < acc || v != v) ? v : acc;
  if constexpr (Op == kProd) return acc * v;
  return acc + v;
}

// Combines two partial results of the same reduction.
template <int Op>
inline double Merge(double a, double b) {
  if constexpr (Op == kMax) return (b > a || b != b) ? b : a;
  if constexpr (Op == kMin) return (b < a || b != b) ? b : a;
  if constexpr (Op == kProd) return a * b;
  return a + b;
}

// acc[j] = acc[j] ∘ row[j]: the vectorisable core of every reduction along a strided axis
// (independent lanes, so every clone gives the same result).
template <int Op>
GIM_DISPATCH void CombineRow(double* acc, const float* row, int64_t n) {
  for (int64_t j = 0; j < n; j++) acc[j] = Combine<Op>(acc[j], row[j]);
}

template <int Op>
void Reduce(const float* x, float* out, int64_t M, int64_t K, int64_t N) {
  const double scale = Op == kMean ? 1.0 / static_cast<double>(K) : 1.0;
  const bool par = M * K * N >= kParallelMin;
  if (N == 1 && M == 1) {
    // One long reduction (a loss): split it across threads.
    double acc = Init<Op>();
    if constexpr (Op == kSum || Op == kMean) {
#pragma omp parallel for reduction(+ : acc) schedule(static) if (par)
      for (int64_t k = 0; k < K; k++) acc += x[k];
    } else {
      for (int64_t k = 0; k < K; k++) acc = Combine<Op>(acc, x[k]);
    }
    out[0] = static_cast<float>(acc * scale);
  } else if (N == 1) {
#pragma omp parallel for schedule(static) if (par)
    for (int64_t m = 0; m < M; m++) {
      double acc = Init<Op>();
      const float* row = x + m * K;
      for (int64_t k = 0; k < K; k++) acc = Combine<Op>(acc, row[k]);
      out[m] = static_cast<float>(acc * scale);
    }
  } else if (M == 1 && par && omp_get_max_threads() > 1) {
    // One output row reduced over many rows (a bias gradient: [B*T, C] -> [C]): too little
    // outer work to share, so each thread reduces a range of K into its own row, then combine.
    const int threads = omp_get_max_threads();
    std::vector<double> partial(static_cast<size_t>(threads) * N, Init<Op>());
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      const int64_t k0 = K * t / nt, k1 = K * (t + 1) / nt;
      double* acc = partial.data() + static_cast<size_t>(t) * N;
      for (int64_t k = k0; k < k1; k++) {
        CombineRow<Op>(acc, x + k * N, N);
      }
    }
    for (int64_t j = 0; j < N; j++) {
      double acc = partial[j];
      for (int t = 1; t < threads; t++) acc = Merge<Op>(acc, partial[static_cast<size_t>(t) * N + j]);
      out[j] = static_cast<float>(acc * scale);
    }
  } else {
    // Reduce along a strided axis: walk K rows of N contiguous values, blocked over N so the
    // accumulators stay in cache.
    constexpr int64_t kBlock = 1024;
    const int64_t blocks = (N + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (par)
    for (int64_t t = 0; t < M * blocks; t++) {
      const int64_t m = t / blocks, n0 = (t % blocks) * kBlock, nb = std::min(kBlock, N - n0);
      double acc[kBlock];
      for (int64_t j = 0; j < nb; j++) acc[j] = Init<Op>();
      for (int64_t k = 0; k < K; k++) {
        CombineRow<Op>(acc, x + (m * K + k) * N + n0, nb);
      }
      for (int64_t j = 0; j < nb; j++) out[m * N + n0 + j] = static_cast<float>(acc[j] * scale);
    }
  }
}

// reduce(op, x, out, M, K, N)
Napi::Value ReduceFn(const Napi::CallbackInfo& info) {
  const int op = static_cast<int>(I64(info[0]));
  const float* x = F32(info[1]);
  float* out = F32(info[2]);
  const int64_t M = I64(info[3]), K = I64(info[4]), N = I64(info[5]);
  switch (op) {
    case kSum: Reduce<kSum>(x, out, M, K, N); break;
    case kMean: Reduce<kMean>(x, out, M, K, N); break;
    case kMax: Reduce<kMax>(x, out, M, K, N); break;
    case kMin: Reduce<kMin>(x, out, M, K, N); break;
    case kProd: Reduce<kProd>(x, out, M, K, N); break;
    default: Napi::Error::New(info.Env(), "gim native: unknown reduce op").ThrowAsJavaScriptException();
  }
  return info.Env().Undefined();
}

// Numerically stable softmax of one row; dispatched per ISA for its max and scale loops.
GIM_DISPATCH void SoftmaxRow(const float* xr, float* yr, int64_t cols) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int64_t c = 0; c < cols; c++) mx = xr[c] > mx ? xr[c] : mx;
  double sum = 0;
  for (int64_t c = 0; c < cols; c++) sum += (yr[c] = std::exp(xr[c] - mx));
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t c = 0; c < cols; c++) yr[c] *= inv;
}

// softmax(x, out, rows, cols): numerically stable softmax of each row.
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0]);
  float* y = F32(info[1]);
  const int64_t rows = I64(info[2]), cols = I64(info[3]);
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; r++) SoftmaxRow(x + r * cols, y + r * cols, cols);
  return info.Env().Undefined();
}

}  // namespace

void InitReduce(Napi::Env env, Napi::Object exports) {
  exports.Set("reduce", Napi::Function::New(env, ReduceFn));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
}

}  // namespace gim
