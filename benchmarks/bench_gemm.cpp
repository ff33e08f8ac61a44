// cgrad::gemm against OpenBLAS in the same run: square products at 1 and 2 threads, and
// the products of the spiral and chars MLP examples' training steps and of the LSTM cell.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include <tbb/global_control.h>

#include "ops/kernels/gemm.h"

namespace {

enum class Impl { cgrad, openblas };

struct Product {
  const char* name;
  std::size_t m, n, k;
  bool ta, tb;
};

template <class T>
std::vector<T> random_values(std::size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<T> dist(-1, 1);
  std::vector<T> v(count);
  for (auto& x : v) x = dist(rng);
  return v;
}

template <class T>
void blas_gemm(const Product& p, const T* a, const T* b, T* c) {
  const auto ta = p.ta ? CblasTrans : CblasNoTrans, tb = p.tb ? CblasTrans : CblasNoTrans;
  const int lda = int(p.ta ? p.m : p.k), ldb = int(p.tb ? p.k : p.n);
  if constexpr (sizeof(T) == 4) {
    cblas_sgemm(CblasRowMajor, ta, tb, int(p.m), int(p.n), int(p.k), 1.0f, a, lda, b, ldb, 0.0f,
                c, int(p.n));
  } else {
    cblas_dgemm(CblasRowMajor, ta, tb, int(p.m), int(p.n), int(p.k), 1.0, a, lda, b, ldb, 0.0, c,
                int(p.n));
  }
}

template <class T>
void run_product(benchmark::State& state, Impl impl, Product p, int threads) {
  const auto a = random_values<T>(p.m * p.k, 1), b = random_values<T>(p.k * p.n, 2);
  std::vector<T> c(p.m * p.n);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  openblas_set_num_threads(threads);
  const cgrad::GemmOperands<T> op{a.data(), p.ta ? p.m : p.k, p.ta, b.data(), p.tb ? p.k : p.n,
                                  p.tb,     c.data(),         p.n,  false};
  for (auto _ : state) {
    if (impl == Impl::cgrad) {
      cgrad::gemm<T>({p.m, p.n, p.k}, op);
    } else {
      blas_gemm(p, a.data(), b.data(), c.data());
    }
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPS"] = benchmark::Counter(2.0 * p.m * p.n * p.k * state.iterations() / 1e9,
                                                benchmark::Counter::kIsRate);
}

const char* impl_name(Impl impl) { return impl == Impl::cgrad ? "cgrad" : "openblas"; }

template <class T>
void register_square(const std::string& family) {
  for (std::size_t n : {64, 128, 256, 512, 1024, 2048}) {
    for (int threads : {1, 2}) {
      for (Impl impl : {Impl::cgrad, Impl::openblas}) {
        const std::string name = family + "/" + impl_name(impl) + "/" + std::to_string(n) + "/" +
                                 std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& s) {
          run_product<T>(s, impl, {"square", n, n, n, false, false}, threads);
        })->UseRealTime();
      }
    }
  }
}

// The spiral network (300 points, 2 -> 100 -> 3): forward X·W1 and H·W2; backward
// dS·W2^T, X^T·dH and H^T·dS. Single-threaded, as the training loop calls them.
constexpr Product kSpiralProducts[] = {{"X.W1_300x2.2x100", 300, 100, 2, false, false},
                                       {"H.W2_300x100.100x3", 300, 3, 100, false, false},
                                       {"dS.W2t_300x3.(100x3)t", 300, 100, 3, false, true},
                                       {"Xt.dH_(300x2)t.300x100", 2, 100, 300, true, false},
                                       {"Ht.dS_(300x100)t.300x3", 100, 3, 300, true, false}};

// The chars MLP's step (examples/chars, defaults: 32 words of about 10 positions, context
// 3 x embedding 24 -> 200 tanh -> 27 letters): forward E·W1 and H·W2; backward dL·W2^T,
// H^T·dL, dA·W1^T and E^T·dA.
constexpr Product kCharsMlpProducts[] = {{"E.W1_320x72.72x200", 320, 200, 72, false, false},
                                         {"H.W2_320x200.200x27", 320, 27, 200, false, false},
                                         {"dL.W2t_320x27.(200x27)t", 320, 200, 27, false, true},
                                         {"Ht.dL_(320x200)t.320x27", 200, 27, 320, true, false},
                                         {"dA.W1t_320x200.(72x200)t", 320, 72, 200, false, true},
                                         {"Et.dA_(320x72)t.320x200", 72, 200, 320, true, false}};

// The LSTM cell's products (bench_recurrent.cpp's N 64, 256 -> 256, gates 4 x 256 wide):
// forward X·Wx (and H·Wh, the same shape); backward dG·Wx^T and X^T·dG. They have at most
// 256 rows: detail::direct_suits sends X·Wx and X^T·dG to the direct path; dG·Wx^T would be
// one block of its grid, one core's work, so it stays packed.
constexpr Product kLstmProducts[] = {{"X.Wx_64x256.256x1024", 64, 1024, 256, false, false},
                                     {"dG.Wxt_64x1024.(256x1024)t", 64, 256, 1024, false, true},
                                     {"Xt.dG_(64x256)t.64x1024", 256, 1024, 64, true, false}};

template <class T, std::size_t N>
void register_products(const std::string& family, const Product (&products)[N]) {
  for (const Product& p : products) {
    for (Impl impl : {Impl::cgrad, Impl::openblas}) {
      const std::string name = family + "/" + impl_name(impl) + "/" + p.name;
      benchmark::RegisterBenchmark(name.c_str(),
                                   [=](benchmark::State& s) { run_product<T>(s, impl, p, 1); });
    }
  }
}

const bool registered = [] {
  register_square<float>("BM_Gemm");
  register_square<double>("BM_GemmF64");
  register_products<float>("BM_SkinnyGemm", kSpiralProducts);
  register_products<double>("BM_SkinnyGemmF64", kSpiralProducts);
  register_products<float>("BM_CharsMlpGemm", kCharsMlpProducts);
  register_products<float>("BM_LstmGemm", kLstmProducts);
  return true;
}();

}  // namespace
