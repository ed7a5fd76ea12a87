// Deterministic keyed moments on the GPU ({count, W, mean, M2} per key), shared by the .cu files.
//
// A loader describes n items with keys in [0, num_keys) (a negative key skips the item): single weighted elements, or
// pre-aggregated summaries (has_element below). Up to kMaxKeys keys: one read of the data, per-thread accumulators
// (sized to the key count at compile time), merged in a fixed order per chunk and then over chunks. More keys: a
// stable radix sort of (key, index) and one block per key merging its items in index order. Either way no atomics, so
// a result is the same from run to run.
#pragma once

#include <cub/device/device_radix_sort.cuh>

#include <type_traits>

#include "kernels/device_common.cuh"

namespace arena::kernels::detail {

constexpr int kMaxKeys = 8;
// Items per block of the register path: enough blocks to fill the device (~512) up to 8192 items each. It depends
// only on n, so a result does not depend on the device either.
inline std::int64_t chunk_for(std::int64_t n) {
  const std::int64_t c = ((n + 511) / 512 + 255) / 256 * 256;
  return std::min<std::int64_t>(8192, std::max<std::int64_t>(256, c));
}
inline std::int64_t chunks_of(std::int64_t n) { return n == 0 ? 0 : (n + chunk_for(n) - 1) / chunk_for(n); }
// chunks_of is not monotone in n (the chunk grows in steps); this bounds it for every count up to n, so scratch sized
// for n also serves a smaller count known only later (the distinct values of distinct_value_mean).
inline std::int64_t max_chunks(std::int64_t n) { return std::max<std::int64_t>(512, (n + 8191) / 8192); }
inline int key_bits(int num_keys) {
  int b = 1;
  while ((1ll << b) <= num_keys) ++b;  // keys 0..num_keys (num_keys itself marks skipped items)
  return b;
}

// Two kinds of loaders. An element loader has element(i, key, x, w) (false: skip the item) and is reduced with
// division-free shifted sums (keyed_elements_kernel); a summary loader has key(i) and add(acc, i) (acc_merge of a
// pre-aggregated summary) and is reduced with Chan merges (keyed_chunks_kernel). The sort path takes either.
template <class L, class = void>
struct has_element : std::false_type {};
template <class L>
struct has_element<L, std::void_t<decltype(&L::element)>> : std::true_type {};

template <class L>
__device__ inline int item_key(const L& load, std::int64_t i) {
  if constexpr (has_element<L>::value) {
    int k;
    double x, w;
    return load.element(i, k, x, w) ? k : -1;
  } else {
    return load.key(i);
  }
}
template <class L>
__device__ inline void item_add(const L& load, Acc& a, std::int64_t i) {
  if constexpr (has_element<L>::value) {
    int k;
    double x, w;
    if (load.element(i, k, x, w)) acc_add(a, x, w);
  } else {
    load.add(a, i);
  }
}

template <int NK, class L>
__global__ void keyed_chunks_kernel(L load, std::int64_t n, std::int64_t chunk, int num_keys, Acc* partial) {
  Acc acc[NK];
#pragma unroll
  for (int k = 0; k < NK; ++k) acc[k] = Acc{0, 0, 0, 0};
  const std::int64_t lo = blockIdx.x * chunk, hi = min(n, lo + chunk);
  for (std::int64_t i = lo + threadIdx.x; i < hi; i += blockDim.x) {
    const int ki = load.key(i);
#pragma unroll
    for (int k = 0; k < NK; ++k)
      if (k == ki) load.add(acc[k], i);
  }
  __shared__ Acc warp_acc[kThreads / 32][NK];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
  for (int k = 0; k < NK; ++k) {
    Acc a = acc[k];
    for (int off = 16; off > 0; off >>= 1) a = acc_merge(a, acc_shfl_down(a, off));
    if (lane == 0) warp_acc[warp][k] = a;
  }
  __syncthreads();
  if (threadIdx.x < num_keys) {
    Acc a{0, 0, 0, 0};
    for (int w = 0; w < kThreads / 32; ++w) a = acc_merge(a, warp_acc[w][threadIdx.x]);
    partial[static_cast<std::int64_t>(blockIdx.x) * num_keys + threadIdx.x] = a;
  }
}

// The path for element loaders: per thread and key the count, Σw and the shifted sums Σw·d, Σw·d² with d = x − (the
// thread's first value of the key), turned into {count, W, mean, M2} once at the end: no division per element (the
// Welford update's division made the kernel compute-bound). Equal values give M2 = 0 exactly. Up to 2 keys the state
// is in registers; more keys keep it in shared memory, indexed by the element's key (one column per thread): in
// registers, 8 keys of it cost 162 registers a thread and left one block per SM. Items are read in batches per
// thread, every load of a batch in flight at once (4 with the state in registers, 8 in shared memory; on an H200 at
// 10^7 items these measured fastest, and blocks of 2,048 items slower than chunk_for's: each block ends in a chain of
// merges).
template <int NK>
__host__ __device__ constexpr int element_batch() { return NK <= 2 ? 4 : 8; }
template <int NK>
__host__ __device__ constexpr int element_threads() { return NK <= 2 ? 256 : 128; }  // shared state ≤ 40 KiB

// One element into a key's state {count, W, shift, S1, S2}.
__device__ inline void shifted_add(double& count, double& W, double& shift, double& s1, double& s2, double x,
                                   double w) {
  if (count == 0) shift = x;
  const double d = x - shift, wd = w * d;
  count += 1;
  W += w;
  s1 += wd;
  s2 += wd * d;
}

template <int NK, class L>
__global__ void __launch_bounds__(element_threads<NK>())
    keyed_elements_kernel(L load, std::int64_t n, std::int64_t chunk, int num_keys, Acc* partial) {
  constexpr int kT = element_threads<NK>(), kElementBatch = element_batch<NK>();
  constexpr bool kShared = NK > 2;
  __shared__ double shared_state[kShared ? NK * 5 * kT : 1];  // key k, field f: [(5k + f)·kT + thread]
  double reg[kShared ? 1 : NK][5];
  // Field f of key k's state of this thread (k a compile-time constant on the register path).
  auto field = [&](int k, int f) -> double& {
    if constexpr (kShared) return shared_state[(5 * k + f) * kT + threadIdx.x];
    else return reg[k][f];
  };
#pragma unroll
  for (int k = 0; k < NK; ++k)
#pragma unroll
    for (int f = 0; f < 5; ++f) field(k, f) = 0;
  const std::int64_t lo = blockIdx.x * chunk, hi = min(n, lo + chunk);
  for (std::int64_t base = lo; base < hi; base += kElementBatch * kT) {
    int kk[kElementBatch];
    double xx[kElementBatch], ww[kElementBatch];
#pragma unroll
    for (int j = 0; j < kElementBatch; ++j) {
      const std::int64_t i = base + j * kT + threadIdx.x;
      if (i >= hi || !load.element(i, kk[j], xx[j], ww[j])) kk[j] = -1;
    }
#pragma unroll
    for (int j = 0; j < kElementBatch; ++j) {
      if constexpr (kShared) {
        const int k = kk[j];
        if (k >= 0 && k < NK)
          shifted_add(field(k, 0), field(k, 1), field(k, 2), field(k, 3), field(k, 4), xx[j], ww[j]);
      } else {
#pragma unroll
        for (int k = 0; k < NK; ++k)
          if (kk[j] == k) shifted_add(field(k, 0), field(k, 1), field(k, 2), field(k, 3), field(k, 4), xx[j], ww[j]);
      }
    }
  }
  __shared__ Acc warp_acc[kT / 32][NK];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
  for (int k = 0; k < NK; ++k) {
    Acc a = shifted_acc(field(k, 0), field(k, 1), field(k, 2), field(k, 3), field(k, 4));
    for (int off = 16; off > 0; off >>= 1) a = acc_merge(a, acc_shfl_down(a, off));
    if (lane == 0) warp_acc[warp][k] = a;
  }
  __syncthreads();
  if (threadIdx.x < num_keys) {
    Acc a{0, 0, 0, 0};
    for (int w = 0; w < kT / 32; ++w) a = acc_merge(a, warp_acc[w][threadIdx.x]);
    partial[static_cast<std::int64_t>(blockIdx.x) * num_keys + threadIdx.x] = a;
  }
}

template <int NK, class L>
void launch_keyed_chunks(const L& load, std::int64_t n, int num_keys, Acc* partial, cudaStream_t s) {
  const auto chunks = static_cast<unsigned>(chunks_of(n));
  const std::int64_t c = chunk_for(n);
  if constexpr (has_element<L>::value)
    keyed_elements_kernel<NK><<<chunks, element_threads<NK>(), 0, s>>>(load, n, c, num_keys, partial);
  else keyed_chunks_kernel<NK><<<chunks, kThreads, 0, s>>>(load, n, c, num_keys, partial);
}

// The estimators' z-score rule for a key's moments (zscore_entry).
struct ZscoreRule {
  int ddof = 1;
  double eps = 1e-6;
  int eps_mode = 0;
  int singleton = 1;
};

// Per key, z = (x − a)·b reproduces the CPU's zscore (trainer/estimators/primitives.cc) exactly: the scale is
// computed once per key with the operations the CPU uses per element. Writes ab[0] = a, ab[1] = b from m = {count, W,
// mean, M2}.
__device__ inline void zscore_entry(const double* m, int ddof, double eps, int eps_mode, int singleton, double* ab) {
  const double count = m[0], W = m[1], mean = m[2], M2 = m[3];
  double a = 0, b = 0;
  if (count == 1) b = singleton == 1 ? 0.0 : inverse_scale(1.0, eps, eps_mode);
  else if (count > 1 && M2 != 0 && W - ddof > 0) a = mean, b = inverse_scale(M2 / (W - ddof), eps, eps_mode);
  ab[0] = a;
  ab[1] = b;
}

// One block of kBlock threads per key k merges the key's chunk partials (merge_shifted) into moments[4k..] =
// {count, W, mean, M2} and, with `ab`, the key's z-score table entry (zscore_entry) under `rule`; it may be a dependent
// launch. (It runs alone between two passes over the data: with 2,442 partials per key on an H200, 256 threads took
// 6.8 µs a call, 1,024 threads 8.5 µs.)
constexpr int kCombineThreads = 256;
template <int kBlock = kCombineThreads>
__global__ void __launch_bounds__(kBlock)
    combine_chunks_kernel(const Acc* partial, std::int64_t chunks, int num_keys, double* moments,
                          double* ab = nullptr, ZscoreRule rule = {}) {
  wait_for_previous();  // (a dependent launch: the partials come from the kernel before)
  allow_next();
  const int k = blockIdx.x;
  const Acc r = merge_shifted<kBlock>(partial + k, chunks, num_keys);
  if (threadIdx.x == 0) {
    double* m = moments + 4 * k;
    m[0] = r.n;
    m[1] = r.w;
    m[2] = r.mean;
    m[3] = r.m2;
    if (ab) zscore_entry(m, rule.ddof, rule.eps, rule.eps_mode, rule.singleton, ab + 2 * k);
  }
}

template <class L>
__global__ void sort_keys_kernel(L load, std::int64_t n, int num_keys, int* keys, int* index) {
  const std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const int k = item_key(load, i);
  keys[i] = k < 0 ? num_keys : k;
  index[i] = static_cast<int>(i);
}

// offsets[k] = first position of key k in the sorted keys (k = 0..num_keys).
static __global__ void key_offsets_kernel(const int* sorted, std::int64_t n, int num_keys, std::int64_t* offsets) {
  const int k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k > num_keys) return;
  std::int64_t lo = 0, hi = n;
  while (lo < hi) {
    const std::int64_t mid = (lo + hi) / 2;
    if (sorted[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  offsets[k] = lo;
}

template <class L>
__global__ void sorted_keys_reduce_kernel(L load, const int* index, const std::int64_t* offsets, double* moments) {
  const int k = blockIdx.x;
  Acc a{0, 0, 0, 0};
  for (std::int64_t j = offsets[k] + threadIdx.x; j < offsets[k + 1]; j += blockDim.x) item_add(load, a, index[j]);
  const Acc r = block_merge_one(a);
  if (threadIdx.x == 0) {
    moments[4 * k] = r.n;
    moments[4 * k + 1] = r.w;
    moments[4 * k + 2] = r.mean;
    moments[4 * k + 3] = r.m2;
  }
}

// One warp per key (for many small keys): lanes stride over the key's items, then a fixed shuffle tree.
template <class L>
__global__ void sorted_keys_warp_kernel(L load, const int* index, const std::int64_t* offsets, int num_keys,
                                        double* moments) {
  const int k = blockIdx.x * (kThreads / 32) + (threadIdx.x >> 5), lane = threadIdx.x & 31;
  if (k >= num_keys) return;  // whole warps leave together
  Acc a{0, 0, 0, 0};
  for (std::int64_t j = offsets[k] + lane; j < offsets[k + 1]; j += 32) item_add(load, a, index[j]);
  for (int off = 16; off > 0; off >>= 1) a = acc_merge(a, acc_shfl_down(a, off));
  if (lane == 0) {
    moments[4 * k] = a.n;
    moments[4 * k + 1] = a.w;
    moments[4 * k + 2] = a.mean;
    moments[4 * k + 3] = a.m2;
  }
}

inline std::size_t sort_temp_bytes(std::int64_t n, int num_keys) {
  std::size_t bytes = 0;
  check(cub::DeviceRadixSort::SortPairs(nullptr, bytes, static_cast<const int*>(nullptr), static_cast<int*>(nullptr),
                                        static_cast<const int*>(nullptr), static_cast<int*>(nullptr),
                                        static_cast<int>(n), 0, key_bits(num_keys)),
        "radix sort size");
  return bytes;
}

// Scratch regions, in order (measured with a null base).
struct KeyedScratch {
  Acc* partial = nullptr;
  int *keys_in = nullptr, *keys_out = nullptr, *index_in = nullptr, *index_out = nullptr;
  std::int64_t* offsets = nullptr;
  void* sort_temp = nullptr;
  std::size_t sort_bytes = 0, total = 0;
  KeyedScratch(void* base, std::int64_t n, int num_keys) {
    Carver c{static_cast<char*>(base)};
    if (num_keys <= kMaxKeys) {
      partial = c.take<Acc>(static_cast<std::size_t>(max_chunks(n) * num_keys));
    } else {
      keys_in = c.take<int>(n);
      keys_out = c.take<int>(n);
      index_in = c.take<int>(n);
      index_out = c.take<int>(n);
      offsets = c.take<std::int64_t>(num_keys + 1);
      sort_bytes = sort_temp_bytes(n, num_keys);
      sort_temp = c.take<char>(sort_bytes);
    }
    total = c.used;
  }
};

inline std::size_t keyed_reduce_scratch(std::int64_t n, int num_keys) {
  return KeyedScratch(nullptr, n, num_keys).total;
}

// moments[4k + {0,1,2,3}] = {count, W, mean, M2} of the items with key k.
template <class L>
void keyed_reduce(const L& load, std::int64_t n, int num_keys, double* moments, void* scratch, cudaStream_t s) {
  if (num_keys <= 0) return;
  if (n == 0) {
    check(cudaMemsetAsync(moments, 0, sizeof(double) * 4 * num_keys, s), "keyed_reduce");
    return;
  }
  if (n > 0x7fffffff) throw std::runtime_error("keyed_reduce: more than 2^31 - 1 items");
  KeyedScratch sc(scratch, n, num_keys);
  if (num_keys <= kMaxKeys) {
    const auto chunks = static_cast<unsigned>(chunks_of(n));
    if (num_keys == 1) launch_keyed_chunks<1>(load, n, num_keys, sc.partial, s);
    else if (num_keys == 2) launch_keyed_chunks<2>(load, n, num_keys, sc.partial, s);
    else if (num_keys <= 4) launch_keyed_chunks<4>(load, n, num_keys, sc.partial, s);
    else launch_keyed_chunks<8>(load, n, num_keys, sc.partial, s);
    combine_chunks_kernel<><<<num_keys, kCombineThreads, 0, s>>>(sc.partial, chunks, num_keys, moments);
  } else {
    sort_keys_kernel<<<blocks_for(n), kThreads, 0, s>>>(load, n, num_keys, sc.keys_in, sc.index_in);
    std::size_t bytes = sc.sort_bytes;
    check(cub::DeviceRadixSort::SortPairs(sc.sort_temp, bytes, sc.keys_in, sc.keys_out, sc.index_in, sc.index_out,
                                          static_cast<int>(n), 0, key_bits(num_keys), s),
          "keyed_reduce sort");
    key_offsets_kernel<<<blocks_for(num_keys + 1), kThreads, 0, s>>>(sc.keys_out, n, num_keys, sc.offsets);
    if (n / num_keys >= 1024)  // large keys: a block each
      sorted_keys_reduce_kernel<<<num_keys, kThreads, 0, s>>>(load, sc.index_out, sc.offsets, moments);
    else
      sorted_keys_warp_kernel<<<blocks_for(num_keys, kThreads / 32), kThreads, 0, s>>>(load, sc.index_out, sc.offsets,
                                                                                     num_keys, moments);
  }
  check(cudaGetLastError(), "keyed_reduce");
}

// ab[2k], ab[2k + 1] for every key k (zscore_entry).
static __global__ void zscore_table_kernel(const double* moments, int num_keys, int ddof, double eps, int eps_mode,
                                           int singleton, double* ab) {
  const int k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= num_keys) return;
  zscore_entry(moments + 4 * k, ddof, eps, eps_mode, singleton, ab + 2 * k);
}

// Whitening's rule: W − ddof ≤ 0 or M2 == 0 maps everything to 0, else (x − mean)·scale. One thread.
static __global__ void whiten_table_kernel(const double* m, int ddof, double eps, int eps_mode, double* ab) {
  const double W = m[1], mean = m[2], M2 = m[3];
  const bool degenerate = W - ddof <= 0 || M2 == 0;
  ab[0] = degenerate ? 0.0 : mean;
  ab[1] = degenerate ? 0.0 : inverse_scale(M2 / (W - ddof), eps, eps_mode);
}

// Loader of raw elements: value x[i], weight w[i] (nullptr: 1; w ≤ 0 skipped), key keys[i] (nullptr: 0).
struct ElementLoader {
  const double* x;
  const double* w;
  const std::int32_t* keys;
  __device__ bool element(std::int64_t i, int& k, double& v, double& wi) const {
    wi = w ? w[i] : 1.0;
    k = keys ? keys[i] : 0;
    v = x[i];
    return wi > 0;
  }
};

}  // namespace arena::kernels::detail
