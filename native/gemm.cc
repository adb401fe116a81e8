// Row-major batched SGEMM through oneDNN's dnnl_sgemm or OpenBLAS. Many small products (the
// InfoNCE scores, per-step GRU matmuls) run one product per thread instead of threading inside
// each tiny GEMM, which costs more to wake the team than it computes.
#include <cblas.h>
#include <dnnl.h>
#include <omp.h>
#include "common.h"

namespace gim {
namespace {

// 0: automatic, 1: always oneDNN, 2: always OpenBLAS (for benchmarks).
int gemmImpl = 0;

void One(bool useBlas, bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A,
         const float* B, float* C) {
  const int64_t lda = ta ? M : K, ldb = tb ? K : N;
  if (useBlas) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), 1.0f, A,
                static_cast<int>(lda), B, static_cast<int>(ldb), 0.0f, C, static_cast<int>(N));
  } else {
    dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, N);
  }
}

// A plain loop for tiny products (the InfoNCE scores are 11x512 by 512x1, their gradients
// rank-1 updates), used when it was measured faster than oneDNN's per-call dispatch.
GIM_DISPATCH void Small(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, const float* B, float* C) {
  // A vector is laid out the same whether or not it is "transposed": pick the loop that keeps
  // the innermost loop long and contiguous (a short inner loop is all set-up overhead).
  if (K == 1) ta = false, tb = false;
  if (M == 1) ta = false;
  if (N == 1) tb = true;
  if (N == 1 && ta) {
    // C[i] = sum_k A[k, i] * B[k]: axpy over contiguous rows of A.
    for (int64_t i = 0; i < M; i++) C[i] = 0.0f;
    for (int64_t k = 0; k < K; k++) {
      const float bk = B[k];
      const float* a = A + k * M;
      for (int64_t i = 0; i < M; i++) C[i] += a[i] * bk;
    }
  } else if (!tb) {
    for (int64_t i = 0; i < M * N; i++) C[i] = 0.0f;
    for (int64_t i = 0; i < M; i++)
      for (int64_t k = 0; k < K; k++) {
        const float a = ta ? A[k * M + i] : A[i * K + k];
        const float* b = B + k * N;
        float* c = C + i * N;
        for (int64_t j = 0; j < N; j++) c[j] += a * b[j];
      }
  } else {
    // Dot products along contiguous rows of B (and of A unless it is transposed).
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) {
        const float* b = B + j * K;
        float acc = 0.0f;
        if (!ta) {
          const float* a = A + i * K;
          // omp simd lets the compiler reorder this float sum into vector lanes.
#pragma omp simd reduction(+ : acc)
          for (int64_t k = 0; k < K; k++) acc += a[k] * b[k];
        } else {
#pragma omp simd reduction(+ : acc)
          for (int64_t k = 0; k < K; k++) acc += A[k * M + i] * b[k];
        }
        C[i * N + j] = acc;
      }
  }
}

constexpr int64_t kSmallWork = 1 << 14;
constexpr int64_t kOneThreadWork = 1 << 21;

// gemm(a, b, c, batch, batchA, batchB, M, N, K, transA, transB): c[i] = op(a[i]) . op(b[i]),
// where a batch of 1 is broadcast.
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  const float* a = F32(info[0]);
  const float* b = F32(info[1]);
  float* c = F32(info[2]);
  const int64_t batch = I64(info[3]), batchA = I64(info[4]), batchB = I64(info[5]);
  const int64_t M = I64(info[6]), N = I64(info[7]), K = I64(info[8]);
  const bool ta = info[9].As<Napi::Boolean>().Value(), tb = info[10].As<Napi::Boolean>().Value();
  const int64_t sa = batchA == 1 ? 0 : M * K, sb = batchB == 1 ? 0 : K * N, sc = M * N;
  const int64_t work = M * N * K;
  // OpenBLAS was measured no faster than dnnl_sgemm on large products and 4x slower on
  // GRU-sized ones, so the default is oneDNN; OpenBLAS stays selectable for benchmarks.
  const bool useBlas = gemmImpl == 2;
  if (work <= kSmallWork && gemmImpl == 0) {
#pragma omp parallel for schedule(static) if (batch * work >= (1 << 16))
    for (int64_t i = 0; i < batch; i++) Small(ta, tb, M, N, K, a + i * sa, b + i * sb, c + i * sc);
  } else if (batch > 1 && work < (1 << 22) && !useBlas) {
#pragma omp parallel for schedule(static) if (batch * work > (1 << 16))
    for (int64_t i = 0; i < batch; i++) One(false, ta, tb, M, N, K, a + i * sa, b + i * sb, c + i * sc);
  } else if (work < kOneThreadWork && !useBlas) {
    // GRU-sized products (8x256 by 256x768) finish in tens of microseconds on one core; waking
    // a second thread costs about as much, and far more when the machine is oversubscribed.
    const int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    for (int64_t i = 0; i < batch; i++) One(false, ta, tb, M, N, K, a + i * sa, b + i * sb, c + i * sc);
    omp_set_num_threads(saved);
  } else {
    for (int64_t i = 0; i < batch; i++) One(useBlas, ta, tb, M, N, K, a + i * sa, b + i * sb, c + i * sc);
  }
  return info.Env().Undefined();
}

Napi::Value SetGemmImpl(const Napi::CallbackInfo& info) {
  gemmImpl = static_cast<int>(I64(info[0]));
  return info.Env().Undefined();
}

}  // namespace

void InitGemm(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("setGemmImpl", Napi::Function::New(env, SetGemmImpl));
}

}  // namespace gim
