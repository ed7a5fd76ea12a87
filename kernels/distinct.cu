// CUDA implementation of distinct_value_mean (kernels/kernels.h), the distinct-value step of MARS code mode: exact
// deduplication by hashing (or by sorting every value); with a tolerance, a sort of the distinct values, tolerance
// clusters by pointer jumping, and per-key moments of the clusters' first members; without one, the moments straight
// from the hash table. No torch headers here.
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_select.cuh>

#include <algorithm>
#include <cmath>

#include "kernels/device_common.cuh"
#include "kernels/distinct.cuh"
#include "kernels/kernels.h"
#include "kernels/keyed_reduce.cuh"

namespace arena::kernels {
namespace {

using namespace detail;

// ---- distinct values --------------------------------------------------------------------------------------------

__global__ void distinct_fill_kernel(const double* x, const std::int32_t* key, std::int64_t n, int num_keys,
                                     bool has_extra, double extra, unsigned long long* bits, int* keys) {
  const std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) {
    bits[i] = orderable(x[i]);
    keys[i] = key[i];
  } else if (has_extra && i < n + num_keys) {
    bits[i] = orderable(extra);
    keys[i] = static_cast<int>(i - n);
  }
}

// After sorting by (key, value): flag the first of each run of equal (key, value) and decode the values.
__global__ void distinct_flag_kernel(const unsigned long long* bits, const int* keys, std::int64_t m, double* values,
                                     char* flags) {
  const std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (i >= m) return;
  const double v = from_orderable(bits[i]);
  values[i] = v;
  flags[i] = i == 0 || keys[i] != keys[i - 1] || v != from_orderable(bits[i - 1]);
}

// next[i]: the first later value of the same key that cannot join a cluster whose smallest member is value i (the
// next cluster's first member if i is one), or i itself when there is none. start[i]: i is its key's smallest value.
__global__ void distinct_next_kernel(const double* u, const int* uk, const int* count, double tol, int* next,
                                     char* start) {
  const int m = *count;
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= m) return;
  const int k = uk[i];
  int lo = i + 1, hi = m;  // end of key k's run
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (uk[mid] <= k) lo = mid + 1;
    else hi = mid;
  }
  const int end = lo;
  const double limit = tol * fmax(1.0, fabs(u[i]));
  lo = i + 1;
  hi = end;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (u[mid] - u[i] > limit) hi = mid;
    else lo = mid + 1;
  }
  next[i] = lo < end ? lo : i;
  start[i] = i == 0 || uk[i - 1] != k;
}

// One pointer-jumping round: the marked set grows by the nodes 2^r steps further along each chain.
__global__ void distinct_copy_kernel(const int* next, const char* mark, const int* count, int* next2, char* mark2) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= *count) return;
  next2[i] = next[next[i]];
  mark2[i] = mark[i];
}
__global__ void distinct_mark_kernel(const int* next, const char* mark, const int* count, char* mark2) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= *count) return;
  if (mark[i]) mark2[next[i]] = 1;  // every writer writes the same byte value
}
__global__ void distinct_weight_kernel(const char* mark, const int* count, double* w) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= *count) return;
  w[i] = mark[i] ? 1.0 : 0.0;
}
__global__ void distinct_unit_weight_kernel(const int* count, double* w) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < *count) w[i] = 1.0;
}
// The same clustering for at most kSmallDistinct values in one block: next links, every pointer-jumping round in
// shared memory, and the weights (1 for each cluster's first member), without a launch per round.
constexpr int kSmallDistinct = 4096;
constexpr int kClusterThreads = 1024;
__global__ void __launch_bounds__(kClusterThreads)
    distinct_cluster_small_kernel(const double* u, const int* uk, const int* count, double tol, double* w) {
  __shared__ int next_s[2][kSmallDistinct];
  __shared__ char mark_s[2][kSmallDistinct];
  const int m = *count;
  for (int i = threadIdx.x; i < m; i += kClusterThreads) {
    const int k = uk[i];
    int lo = i + 1, hi = m;  // end of key k's run
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      if (uk[mid] <= k) lo = mid + 1;
      else hi = mid;
    }
    const int end = lo;
    const double limit = tol * fmax(1.0, fabs(u[i]));
    lo = i + 1;
    hi = end;
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      if (u[mid] - u[i] > limit) hi = mid;
      else lo = mid + 1;
    }
    next_s[0][i] = lo < end ? lo : i;
    mark_s[0][i] = i == 0 || uk[i - 1] != k;
  }
  __syncthreads();
  int cur = 0;
  for (int reach = 1; reach < m; reach *= 2, cur ^= 1) {
    const int* next = next_s[cur];
    const char* mark = mark_s[cur];
    for (int i = threadIdx.x; i < m; i += kClusterThreads) {
      next_s[cur ^ 1][i] = next[next[i]];
      mark_s[cur ^ 1][i] = mark[i];
    }
    __syncthreads();
    for (int i = threadIdx.x; i < m; i += kClusterThreads)
      if (mark[i]) mark_s[cur ^ 1][next[i]] = 1;
    __syncthreads();
  }
  for (int i = threadIdx.x; i < m; i += kClusterThreads) w[i] = mark_s[cur][i] ? 1.0 : 0.0;
}

__global__ void distinct_finish_kernel(const double* moments, int num_keys, double* out) {
  const int k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= num_keys) return;
  distinct_entry(moments[4 * k], moments[4 * k + 1], moments[4 * k + 2], moments[4 * k + 3], out + 3 * k);
}

// Inserts the values x[0, n) of keys key[0, n) and `extra` for every key (indices n .. m − 1), kInsertBatch values
// per thread.
constexpr int kInsertBatch = 4;
__global__ void distinct_insert_kernel(const double* x, const std::int32_t* key, std::int64_t n, std::int64_t m,
                                       double extra, DistinctHash t) {
  const std::int64_t base = blockIdx.x * static_cast<std::int64_t>(kThreads) * kInsertBatch + threadIdx.x;
  double v[kInsertBatch];
  int k[kInsertBatch];
#pragma unroll
  for (int j = 0; j < kInsertBatch; ++j) {
    const std::int64_t i = base + j * kThreads;
    k[j] = -1;
    v[j] = 0;
    if (i < m) {
      v[j] = i < n ? x[i] : extra;
      k[j] = i < n ? key[i] : static_cast<int>(i - n);
    }
  }
  if (distinct_given_up(t)) return;
  if (!distinct_insert(t, v, k)) *t.overflow = 1;
}

// Exact distinct values without sorting them (tolerance ≤ 0 needs no order, only a deterministic sum). With linear
// probing and slots that only go from empty to a value, the occupied slots and the values of each maximal run of
// occupied slots do not depend on the order of insertion; only their places within a run do. So each run is summed
// in ascending value order (selection over the run: runs are short at ≤ half load; one longer than kMaxRun gives the
// table up), each block's runs in slot order, and each key's blocks in order: the result is the same run to run.
// Whether the table is given up does not depend on the order either: an insertion fails after kMaxProbes occupied
// slots only if the complete table would hold a run longer than kMaxProbes, which this kernel rejects (kMaxRun =
// kMaxProbes); a longer kMaxRun would accept a table that another schedule of the insertions gave up.
// Thread i owns slots kRunSlots·i .. kRunSlots·i + kRunSlots − 1 (their loads in flight together) and the runs that
// start there, in slot order; a block's kRunBlockSlots slots belong to one key. It may be a dependent launch.
constexpr int kMaxRun = kMaxProbes;
__global__ void __launch_bounds__(kRunThreads)
    distinct_runs_kernel(const unsigned long long* table, int log_cap, Acc* partial, int* overflow) {
  wait_for_previous();
  allow_next();
  const std::int64_t first = (blockIdx.x * static_cast<std::int64_t>(kRunThreads) + threadIdx.x) * kRunSlots;
  const unsigned long long mask = (1ull << log_cap) - 1;
  const unsigned long long* slots = table + ((first >> log_cap) << log_cap);
  const unsigned long long h0 = static_cast<unsigned long long>(first) & mask;
  unsigned long long here[kRunSlots + 1];  // the slot before the thread's, then its own
#pragma unroll
  for (int j = 0; j <= kRunSlots; ++j) here[j] = slots[(h0 + j - 1) & mask];
  Acc a{0, 0, 0, 0};
  for (int j = 1; j <= kRunSlots; ++j) {
    if (here[j] == kEmptySlot || here[j - 1] != kEmptySlot) continue;  // a run starts at slot h0 + j − 1
    const unsigned long long h = h0 + j - 1;
    int length = 1;
    while (length <= kMaxRun && slots[(h + length) & mask] != kEmptySlot) ++length;
    if (length > kMaxRun) {
      *overflow = 1;
      continue;
    }
    unsigned long long prev = 0;
    for (int step = 0; step < length; ++step) {  // the next larger value of the run (values are distinct)
      unsigned long long next = kEmptySlot;  // (never a value's bits)
      for (int k = 0; k < length; ++k) {
        const unsigned long long v = slots[(h + k) & mask];
        if ((step == 0 || v > prev) && v < next) next = v;
      }
      acc_add(a, from_orderable(next), 1.0);
      prev = next;
    }
  }
  const Acc r = block_merge<kRunThreads>(a);
  if (threadIdx.x == 0) partial[blockIdx.x] = r;
}

// One block per key: its blocks' partials merged (merge_shifted), then the key's distinct_entry.
__global__ void __launch_bounds__(kCombineThreads)
    distinct_runs_combine_kernel(const Acc* partial, std::int64_t blocks_per_key, double* out) {
  const Acc r = merge_shifted<kCombineThreads>(partial + blockIdx.x * blocks_per_key, blocks_per_key, 1);
  if (threadIdx.x == 0) distinct_entry(r.n, r.w, r.mean, r.m2, out + 3 * blockIdx.x);
}

// The occupied slots in any order (they are sorted next): orderable bits and key; +0 becomes −0 where the key saw one.
__global__ void distinct_compact_kernel(const unsigned long long* table, int num_keys, int log_cap,
                                        const int* negative_zero, unsigned long long* bits, int* keys, int* count) {
  const std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (i >= (static_cast<std::int64_t>(num_keys) << log_cap)) return;
  const unsigned long long b = table[i];
  if (b == kEmptySlot) return;
  const int k = static_cast<int>(i >> log_cap);
  const int at = atomicAdd(count, 1);
  bits[at] = b == orderable(0.0) && negative_zero[k] ? orderable(-0.0) : b;
  keys[at] = k;
}

// Sorted distinct (key, value) pairs → the values and keys the clustering step reads.
__global__ void distinct_decode_kernel(const unsigned long long* bits, const int* keys, const int* count, double* u,
                                       int* uk) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= *count) return;
  u[i] = from_orderable(bits[i]);
  uk[i] = keys[i];
}

// Cluster weights for many distinct values: the next links, then one launch pair per pointer-jumping round.
void cluster_weights(const DistinctScratch& sc, int unique, double tolerance, cudaStream_t s) {
  const unsigned grid = blocks_for(unique);
  distinct_next_kernel<<<grid, kThreads, 0, s>>>(sc.u, sc.uk, sc.count, tolerance, sc.next_a, sc.mark_a);
  int* next = sc.next_a;
  int* next2 = sc.next_b;
  char* mark = sc.mark_a;
  char* mark2 = sc.mark_b;
  for (int reach = 1; reach < unique; reach *= 2) {  // after a round, chains are marked to 2·reach nodes
    distinct_copy_kernel<<<grid, kThreads, 0, s>>>(next, mark, sc.count, next2, mark2);
    distinct_mark_kernel<<<grid, kThreads, 0, s>>>(next, mark, sc.count, mark2);
    std::swap(next, next2);
    std::swap(mark, mark2);
  }
  distinct_weight_kernel<<<grid, kThreads, 0, s>>>(mark, sc.count, sc.w);
}

}  // namespace

detail::DistinctScratch::DistinctScratch(void* base, std::int64_t n, int num_keys) {
  const std::int64_t m = n + num_keys;
  Carver c{static_cast<char*>(base)};
  bits_a = c.take<unsigned long long>(m);
  bits_b = c.take<unsigned long long>(m);
  keys_a = c.take<int>(m);
  keys_b = c.take<int>(m);
  uk = c.take<int>(m);
  next_a = c.take<int>(m);
  next_b = c.take<int>(m);
  count = c.take<int>(1);
  values = c.take<double>(m);
  u = c.take<double>(m);
  w = c.take<double>(m);
  moments = c.take<double>(4 * static_cast<std::size_t>(num_keys));
  flags = c.take<char>(m);
  mark_a = c.take<char>(m);
  mark_b = c.take<char>(m);
  log_cap = hash_log(m, num_keys);
  table = c.take<unsigned long long>(log_cap ? static_cast<std::size_t>(num_keys) << log_cap : 0);
  run_partial = c.take<Acc>(log_cap ? (static_cast<std::size_t>(num_keys) << log_cap) / kRunBlockSlots : 0);
  hash_state = c.take<int>(2 * static_cast<std::size_t>(num_keys) + 2);  // key counts, −0 flags, overflow, done
  std::size_t a = 0, b = 0, d = 0;
  const int mi = static_cast<int>(m);
  check(cub::DeviceRadixSort::SortPairs(nullptr, a, static_cast<const unsigned long long*>(nullptr),
                                        static_cast<unsigned long long*>(nullptr), static_cast<const int*>(nullptr),
                                        static_cast<int*>(nullptr), mi),
        "distinct sort size");
  check(cub::DeviceRadixSort::SortPairs(nullptr, b, static_cast<const int*>(nullptr), static_cast<int*>(nullptr),
                                        static_cast<const unsigned long long*>(nullptr),
                                        static_cast<unsigned long long*>(nullptr), mi, 0, key_bits(num_keys)),
        "distinct sort size");
  check(cub::DeviceSelect::Flagged(nullptr, d, static_cast<const double*>(nullptr), static_cast<const char*>(nullptr),
                                   static_cast<double*>(nullptr), static_cast<int*>(nullptr), mi),
        "distinct select size");
  std::size_t e = 0, f = 0;
  check(cub::DeviceSelect::Flagged(nullptr, e, static_cast<const unsigned long long*>(nullptr),
                                   static_cast<const char*>(nullptr), static_cast<unsigned long long*>(nullptr),
                                   static_cast<int*>(nullptr), mi),
        "distinct select size");
  check(cub::DeviceSelect::Flagged(nullptr, f, static_cast<const int*>(nullptr), static_cast<const char*>(nullptr),
                                   static_cast<int*>(nullptr), static_cast<int*>(nullptr), mi),
        "distinct select size");
  temp_bytes = std::max({a, b, d, e, f});
  temp = c.take<char>(temp_bytes);
  keyed_bytes = keyed_reduce_scratch(m, num_keys);
  keyed = c.take<char>(keyed_bytes);
  total = c.used;
}

void detail::distinct_begin(const DistinctScratch& sc, int num_keys, cudaStream_t s) {
  if (!sc.log_cap) return;
  const std::size_t slots = static_cast<std::size_t>(num_keys) << sc.log_cap;
  check(cudaMemsetAsync(sc.table, 0xff, slots * sizeof(unsigned long long), s), "distinct table");
  check(cudaMemsetAsync(sc.hash_state, 0, (2 * static_cast<std::size_t>(num_keys) + 2) * sizeof(int), s),
        "distinct table");
  check(cudaMemsetAsync(sc.count, 0, sizeof(int), s), "distinct table");
}

void detail::distinct_runs(const DistinctScratch& sc, int num_keys, cudaStream_t s) {
  const auto blocks = static_cast<unsigned>((static_cast<std::size_t>(num_keys) << sc.log_cap) / kRunBlockSlots);
  launch_dependent(distinct_runs_kernel, blocks, kRunThreads, s, sc.table, sc.log_cap, sc.run_partial,
                   sc.hash(num_keys).overflow);
}

namespace {

// (bits_a, keys_a)[0, count) sorted by value, then stably by key: (key, value) order, back in bits_a and keys_a.
void sort_pairs(const DistinctScratch& sc, int count, int num_keys, cudaStream_t s) {
  std::size_t bytes = sc.temp_bytes;
  check(cub::DeviceRadixSort::SortPairs(sc.temp, bytes, sc.bits_a, sc.bits_b, sc.keys_a, sc.keys_b, count, 0, 64, s),
        "distinct sort");
  bytes = sc.temp_bytes;
  check(cub::DeviceRadixSort::SortPairs(sc.temp, bytes, sc.keys_b, sc.keys_a, sc.bits_b, sc.bits_a, count, 0,
                                        key_bits(num_keys), s),
        "distinct sort");
}

// The distinct values (sc.u, sc.uk)[0, unique): cluster weights, per-key moments and the entries.
void distinct_reduce(const DistinctScratch& sc, int unique, int num_keys, double tolerance, double* out,
                     cudaStream_t s) {
  if (!(tolerance > 0)) {  // exact distinct values: each is its own cluster
    distinct_unit_weight_kernel<<<blocks_for(std::max(unique, 1)), kThreads, 0, s>>>(sc.count, sc.w);
  } else if (unique <= kSmallDistinct) {
    distinct_cluster_small_kernel<<<1, kClusterThreads, 0, s>>>(sc.u, sc.uk, sc.count, tolerance, sc.w);
  } else {
    cluster_weights(sc, unique, tolerance, s);
  }
  keyed_reduce(ElementLoader{sc.u, sc.w, sc.uk}, unique, num_keys, sc.moments, sc.keyed, s);
  distinct_finish_kernel<<<blocks_for(num_keys), kThreads, 0, s>>>(sc.moments, num_keys, out);
  check(cudaGetLastError(), "distinct_value_mean");
}

}  // namespace

void detail::distinct_sort_all(const DistinctScratch& sc, const double* x, const std::int32_t* key, std::int64_t n,
                               int num_keys, double tolerance, bool has_extra, double extra, double* out,
                               cudaStream_t s, const std::function<void()>& materialize) {
  const std::int64_t m = n + (has_extra ? num_keys : 0);
  const int mi = static_cast<int>(m);
  if (materialize) materialize();
  distinct_fill_kernel<<<blocks_for(m), kThreads, 0, s>>>(x, key, n, num_keys, has_extra, extra, sc.bits_a,
                                                          sc.keys_a);
  sort_pairs(sc, mi, num_keys, s);
  distinct_flag_kernel<<<blocks_for(m), kThreads, 0, s>>>(sc.bits_a, sc.keys_a, m, sc.values, sc.flags);
  std::size_t bytes = sc.temp_bytes;
  check(cub::DeviceSelect::Flagged(sc.temp, bytes, sc.values, sc.flags, sc.u, sc.count, mi, s), "distinct select");
  bytes = sc.temp_bytes;
  check(cub::DeviceSelect::Flagged(sc.temp, bytes, sc.keys_a, sc.flags, sc.uk, sc.count, mi, s), "distinct select");
  int unique = 0;
  check(cudaMemcpyAsync(&unique, sc.count, sizeof(int), cudaMemcpyDeviceToHost, s), "distinct count");
  check(cudaStreamSynchronize(s), "distinct count");
  distinct_reduce(sc, unique, num_keys, tolerance, out, s);
}

void detail::distinct_finish(const DistinctScratch& sc, const double* x, const std::int32_t* key, std::int64_t n,
                             int num_keys, double tolerance, bool has_extra, double extra, double* out,
                             cudaStream_t s, const std::function<void()>& materialize) {
  // From the tables: (tolerance 0) the moments straight from the table's runs, or a sort of only the distinct values.
  // When a key has too many of them (or a value is NaN, or there are too many keys for the tables, or a run is too
  // long), sort all values and deduplicate the sorted runs instead.
  if (!sc.log_cap) {
    distinct_sort_all(sc, x, key, n, num_keys, tolerance, has_extra, extra, out, s, materialize);
    return;
  }
  const DistinctHash t = sc.hash(num_keys);
  int host_state[2] = {0, 1};  // unique, overflow
  if (!(tolerance > 0)) {
    // The runs and their merge are launched before the host learns whether the tables were given up: in the common
    // case nothing waits on the host but what follows the call.
    distinct_runs(sc, num_keys, s);
    distinct_runs_combine_kernel<<<num_keys, kCombineThreads, 0, s>>>(sc.run_partial, sc.runs_per_key(), out);
    check(cudaMemcpyAsync(&host_state[1], t.overflow, sizeof(int), cudaMemcpyDeviceToHost, s), "distinct count");
    check(cudaStreamSynchronize(s), "distinct count");
    if (host_state[1]) distinct_sort_all(sc, x, key, n, num_keys, tolerance, has_extra, extra, out, s, materialize);
    return;
  }
  const std::size_t slots = static_cast<std::size_t>(num_keys) << sc.log_cap;
  distinct_compact_kernel<<<blocks_for(static_cast<std::int64_t>(slots)), kThreads, 0, s>>>(
      sc.table, num_keys, sc.log_cap, t.negative_zero, sc.bits_a, sc.keys_a, sc.count);
  check(cudaMemcpyAsync(&host_state[0], sc.count, sizeof(int), cudaMemcpyDeviceToHost, s), "distinct count");
  check(cudaMemcpyAsync(&host_state[1], t.overflow, sizeof(int), cudaMemcpyDeviceToHost, s), "distinct count");
  check(cudaStreamSynchronize(s), "distinct count");
  if (host_state[1]) {
    distinct_sort_all(sc, x, key, n, num_keys, tolerance, has_extra, extra, out, s, materialize);
    return;
  }
  const int unique = host_state[0];
  sort_pairs(sc, unique, num_keys, s);
  distinct_decode_kernel<<<blocks_for(std::max(unique, 1)), kThreads, 0, s>>>(sc.bits_a, sc.keys_a, sc.count, sc.u,
                                                                             sc.uk);
  distinct_reduce(sc, unique, num_keys, tolerance, out, s);
}

// (Declared in kernels.h next to mars_code, whose fused path carves its tables as DistinctScratch does: n turns and one
// extra 0 per seat.)
std::size_t mars_code_table_bytes(std::int64_t n, int num_seats) {
  if (n <= 0 || num_seats < 1) return 0;
  const int log = detail::hash_log(n + num_seats, num_seats);
  return log ? (static_cast<std::size_t>(num_seats) << log) * sizeof(unsigned long long) : 0;
}

std::size_t distinct_value_mean_scratch(std::int64_t n, int num_keys) {
  return DistinctScratch(nullptr, n, std::max(num_keys, 1)).total;
}

void distinct_value_mean(const double* x, const std::int32_t* key, std::int64_t n, int num_keys, double tolerance,
                         bool has_extra, double extra, double* out, void* scratch, void* stream) {
  if (num_keys <= 0) return;
  auto s = as_stream(stream);
  const std::int64_t m = n + (has_extra ? num_keys : 0);
  if (m == 0) {
    check(cudaMemsetAsync(out, 0, sizeof(double) * 3 * num_keys, s), "distinct_value_mean");
    return;
  }
  if (n + num_keys > 0x7fffffff) throw std::runtime_error("distinct_value_mean: more than 2^31 - 1 values");
  DistinctScratch sc(scratch, n, num_keys);
  distinct_begin(sc, num_keys, s);
  if (sc.log_cap)
    distinct_insert_kernel<<<blocks_for(m, kThreads * kInsertBatch), kThreads, 0, s>>>(x, key, n, m, extra,
                                                                                      sc.hash(num_keys));
  distinct_finish(sc, x, key, n, num_keys, tolerance, has_extra, extra, out, s);
}

}  // namespace arena::kernels
