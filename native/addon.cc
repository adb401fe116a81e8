// Entry point of the gim native addon: registers every kernel family and reports versions.
#include <dnnl.hpp>
#include <omp.h>
#include <string>
#include "common.h"

extern "C" char* openblas_get_config(void);
extern "C" int openblas_get_num_threads(void);

namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const dnnl_version_t* v = dnnl_version();
  Napi::Object o = Napi::Object::New(env);
  o.Set("dnnl", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  o.Set("openblas", std::string(openblas_get_config()));
  o.Set("ompThreads", omp_get_max_threads());
  o.Set("blasThreads", openblas_get_num_threads());
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info));
  gim::InitConv(env, exports);
  gim::InitGemm(env, exports);
  gim::InitElementwise(env, exports);
  gim::InitReduce(env, exports);
  gim::InitCopy(env, exports);
  gim::InitGru(env, exports);
  gim::InitAdam(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(gim_native, Init)
