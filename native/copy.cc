// Data movement: transpose, box copies (slice, pad, concat, split), tile, gather and
// scatter-add (the gradient of gather). Works on 32-bit elements, so int32 data moves too.
#include <algorithm>
#include <cstring>
#include "common.h"

namespace gim {
namespace {

uint32_t* U32(const Napi::Value& v) {
  Napi::TypedArray t = v.As<Napi::TypedArray>();
  return reinterpret_cast<uint32_t*>(static_cast<uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset());
}

// Offsets of a row index over the leading axes `shape[0..r)` in two stride systems.
inline void Offsets(int64_t row, const Dims& shape, const Dims& s1, const Dims& s2, size_t r,
                    int64_t& o1, int64_t& o2) {
  o1 = 0, o2 = 0;
  for (size_t k = r; k-- > 0;) {
    const int64_t idx = row % shape[k];
    row /= shape[k];
    o1 += idx * s1[k], o2 += idx * s2[k];
  }
}

// transpose(x, shape, perm, out)
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  const uint32_t* x = U32(info[0]);
  Dims shape = ToDims(info[1]), perm = ToDims(info[2]);
  uint32_t* out = U32(info[3]);
  const size_t r = shape.size();
  Dims inStride(r);
  for (size_t k = r, p = 1; k-- > 0;) inStride[k] = p, p *= shape[k];
  // Output axis k reads input axis perm[k]. Merge output axes that are adjacent in the input too.
  Dims oShape, oIn;
  for (size_t k = 0; k < r; k++) {
    const int64_t d = shape[perm[k]], s = inStride[perm[k]];
    if (d == 1) continue;
    if (!oShape.empty() && oIn.back() == s * d) {
      oShape.back() *= d, oIn.back() = s;
    } else {
      oShape.push_back(d), oIn.push_back(s);
    }
  }
  const int64_t total = Product(shape);
  if (oShape.empty() || (oIn.back() == 1 && oShape.size() == 1)) {
    std::memcpy(out, x, total * 4);
    return info.Env().Undefined();
  }
  const size_t q = oShape.size();
  Dims oOut(q);
  for (size_t k = q, p = 1; k-- > 0;) oOut[k] = p, p *= oShape[k];
  if (oIn[q - 1] == 1) {
    // The innermost axis stays innermost: copy contiguous rows.
    const int64_t inner = oShape[q - 1], rows = total / inner;
#pragma omp parallel for schedule(static) if (total >= kParallelMin)
    for (int64_t row = 0; row < rows; row++) {
      int64_t oi, oo;
      Offsets(row, oShape, oIn, oOut, q - 1, oi, oo);
      std::memcpy(out + oo, x + oi, inner * 4);
    }
    return info.Env().Undefined();
  }
  // Tile over the output's last axis (j) and the axis that is contiguous in the input (i), so
  // both reads and writes touch whole cache lines.
  size_t ai = 0;
  for (size_t k = 0; k < q; k++) if (oIn[k] == 1) ai = k;
  const size_t aj = q - 1;
  Dims rest, rIn, rOut;
  for (size_t k = 0; k < q; k++) {
    if (k == ai || k == aj) continue;
    rest.push_back(oShape[k]), rIn.push_back(oIn[k]), rOut.push_back(oOut[k]);
  }
  const int64_t ni = oShape[ai], nj = oShape[aj], sjIn = oIn[aj], siOut = oOut[ai];
  const int64_t outer = Product(rest);
  constexpr int64_t T = 32;
  const int64_t ti = (ni + T - 1) / T, tj = (nj + T - 1) / T;
#pragma omp parallel for schedule(static) if (total >= kParallelMin)
  for (int64_t t = 0; t < outer * ti * tj; t++) {
    const int64_t o = t / (ti * tj), i0 = (t / tj % ti) * T, j0 = (t % tj) * T;
    int64_t bi, bo;
    Offsets(o, rest, rIn, rOut, rest.size(), bi, bo);
    const int64_t i1 = std::min(ni, i0 + T), j1 = std::min(nj, j0 + T);
    for (int64_t i = i0; i < i1; i++)
      for (int64_t j = j0; j < j1; j++) out[bo + i * siOut + j] = x[bi + i + j * sjIn];
  }
  return info.Env().Undefined();
}

// copyBox(src, srcShape, srcStart, dst, dstShape, dstStart, box): copies the box of size `box`
// at srcStart in src to dstStart in dst (both row-major, same rank).
Napi::Value CopyBox(const Napi::CallbackInfo& info) {
  const uint32_t* src = U32(info[0]);
  Dims ss = ToDims(info[1]), s0 = ToDims(info[2]);
  uint32_t* dst = U32(info[3]);
  Dims ds = ToDims(info[4]), d0 = ToDims(info[5]), box = ToDims(info[6]);
  const size_t r = box.size();
  if (Product(box) == 0) return info.Env().Undefined();
  Dims sStr(r), dStr(r);
  for (size_t k = r, ps = 1, pd = 1; k-- > 0;) sStr[k] = ps, dStr[k] = pd, ps *= ss[k], pd *= ds[k];
  int64_t sOff = 0, dOff = 0;
  for (size_t k = 0; k < r; k++) sOff += s0[k] * sStr[k], dOff += d0[k] * dStr[k];
  // Merge trailing axes the box spans fully in both arrays into one contiguous run.
  size_t lead = r;
  int64_t run = 1;
  while (lead > 0) {
    const size_t k = lead - 1;
    run *= box[k];
    lead--;
    if (box[k] != ss[k] || box[k] != ds[k]) break;
  }
  Dims lb(box.begin(), box.begin() + lead);
  const int64_t rows = Product(lb);
#pragma omp parallel for schedule(static) if (rows * run >= kParallelMin && rows > 1)
  for (int64_t row = 0; row < rows; row++) {
    int64_t so, dof;
    Offsets(row, lb, sStr, dStr, lead, so, dof);
    std::memcpy(dst + dOff + dof, src + sOff + so, run * 4);
  }
  return info.Env().Undefined();
}

// tile(x, shape, reps, out)
Napi::Value Tile(const Napi::CallbackInfo& info) {
  const uint32_t* x = U32(info[0]);
  Dims shape = ToDims(info[1]), reps = ToDims(info[2]);
  uint32_t* out = U32(info[3]);
  const size_t r = shape.size();
  Dims oShape(r), inStr(r), zero(r, 0);
  for (size_t k = 0; k < r; k++) oShape[k] = shape[k] * reps[k];
  for (size_t k = r, p = 1; k-- > 0;) inStr[k] = p, p *= shape[k];
  const int64_t inner = shape[r - 1], oInner = oShape[r - 1];
  const int64_t rows = Product(oShape) / std::max<int64_t>(oInner, 1);
#pragma omp parallel for schedule(static) if (rows * oInner >= kParallelMin)
  for (int64_t row = 0; row < rows; row++) {
    int64_t rem = row, off = 0;
    for (size_t k = r - 1; k-- > 0;) {
      off += (rem % oShape[k]) % shape[k] * inStr[k];
      rem /= oShape[k];
    }
    for (int64_t j = 0; j < reps[r - 1]; j++) std::memcpy(out + row * oInner + j * inner, x + off, inner * 4);
  }
  return info.Env().Undefined();
}

// gather(x, indices, out, outer, axisDim, inner): out[o, i, :] = x[o, indices[i], :].
// Returns the position of the first out-of-range index, or -1.
Napi::Value Gather(const Napi::CallbackInfo& info) {
  const uint32_t* x = U32(info[0]);
  Napi::Int32Array idxArr = info[1].As<Napi::Int32Array>();
  const int32_t* idx = idxArr.Data();
  const int64_t n = static_cast<int64_t>(idxArr.ElementLength());
  uint32_t* out = U32(info[2]);
  const int64_t outer = I64(info[3]), axisDim = I64(info[4]), inner = I64(info[5]);
  for (int64_t i = 0; i < n; i++)
    if (idx[i] < 0 || idx[i] >= axisDim) return Napi::Number::New(info.Env(), static_cast<double>(i));
#pragma omp parallel for schedule(static) if (outer * n * inner >= kParallelMin)
  for (int64_t t = 0; t < outer * n; t++) {
    const int64_t o = t / n, i = t % n;
    std::memcpy(out + t * inner, x + (o * axisDim + idx[i]) * inner, inner * 4);
  }
  return Napi::Number::New(info.Env(), -1);
}

// o[c] += x[c], the inner loop of segmentSum; dispatched per ISA (common.h).
GIM_DISPATCH void AddRow(float* o, const float* x, int64_t n) {
  for (int64_t c = 0; c < n; c++) o[c] += x[c];
}

// segmentSum(x, ids, out, inner, numSegments): out[ids[i], :] += x[i, :]; ids out of range
// are dropped, as in TensorFlow.
Napi::Value SegmentSum(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0]);
  Napi::Int32Array idsArr = info[1].As<Napi::Int32Array>();
  const int32_t* ids = idsArr.Data();
  const int64_t n = static_cast<int64_t>(idsArr.ElementLength());
  float* out = F32(info[2]);
  const int64_t inner = I64(info[3]), numSeg = I64(info[4]);
  // Threads own disjoint column ranges, so no two write the same element.
  const int64_t block = 256, blocks = (inner + block - 1) / block;
#pragma omp parallel for schedule(static) if (n * inner >= kParallelMin && blocks > 1)
  for (int64_t b = 0; b < blocks; b++) {
    const int64_t c0 = b * block, c1 = std::min(inner, c0 + block);
    for (int64_t i = 0; i < n; i++) {
      if (ids[i] < 0 || ids[i] >= numSeg) continue;
      AddRow(out + ids[i] * inner + c0, x + i * inner + c0, c1 - c0);
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void InitCopy(Napi::Env env, Napi::Object exports) {
  exports.Set("transpose", Napi::Function::New(env, Transpose));
  exports.Set("copyBox", Napi::Function::New(env, CopyBox));
  exports.Set("tile", Napi::Function::New(env, Tile));
  exports.Set("gather", Napi::Function::New(env, Gather));
  exports.Set("segmentSum", Napi::Function::New(env, SegmentSum));
}

}  // namespace gim
