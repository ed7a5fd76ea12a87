// The distinct-value step's hash tables (kernels/distinct.cu), shared with MARS code mode's scan, which inserts the
// returns it computes instead of storing them and reading them back. No torch headers.
//
// Exact deduplication by hashing: one open-addressing table of 2^hash_log(m, keys) slots per key holding the values'
// orderable bits (linear probing, compare-and-swap from empty). A slot only ever changes from empty to a value, so a
// stale read of an empty slot is corrected by the compare-and-swap. Zeros are inserted as +0 (−0 == +0 is one
// distinct value) and a per-key flag remembers a −0, which represents the class after sorting as in the sort path. A
// key whose distinct values pass half its slots, a probe sequence longer than kMaxProbes, or a NaN sets `overflow`,
// and distinct_finish sorts every value instead.
#pragma once

#include <cstdint>
#include <functional>

#include "kernels/device_common.cuh"

namespace arena::kernels::detail {

constexpr unsigned long long kEmptySlot = ~0ull;
constexpr int kMaxHashLog = 18;       // slots per key at most
constexpr int kMaxHashSlotsLog = 22;  // slots over all keys at most (32 MiB)
constexpr int kMaxProbes = 64;        // a longer probe sequence falls back to sorting
// The runs of the tables (tolerance 0): threads of a block and slots per thread; a block's kRunBlockSlots slots
// (1,024, the smallest table) belong to one key. (One slot per thread, 2,048 blocks at 10^7 values, spent most of the
// kernel merging blocks.)
constexpr int kRunThreads = 256, kRunSlots = 4, kRunBlockSlots = kRunThreads * kRunSlots;

// log2 of the slots per key for m values (at least twice m, within the caps), or 0: no hashing (too many keys).
inline int hash_log(std::int64_t m, int num_keys) {
  int log = 10;
  while (log < kMaxHashLog && (1ll << log) < 2 * m) ++log;
  while (log > 10 && (static_cast<std::int64_t>(num_keys) << log) > (1ll << kMaxHashSlotsLog)) --log;
  return (static_cast<std::int64_t>(num_keys) << log) > (1ll << kMaxHashSlotsLog) ? 0 : log;
}

// Doubles as unsigned integers in the same order (finite values; −0 sorts just below +0).
__device__ inline unsigned long long orderable(double d) {
  const unsigned long long u = __double_as_longlong(d);
  return (u >> 63) ? ~u : (u | (1ull << 63));
}
__device__ inline double from_orderable(unsigned long long u) {
  return __longlong_as_double((u >> 63) ? (u & ~(1ull << 63)) : ~u);
}

// The tables as the inserting kernels see them.
struct DistinctHash {
  unsigned long long* table = nullptr;  // key k's slots at [k << log_cap, (k + 1) << log_cap)
  int log_cap = 0;
  int* key_count = nullptr;      // distinct values per key
  int* negative_zero = nullptr;  // per key: a −0 was seen
  int* overflow = nullptr;       // the tables are given up
};

// Inserts one value's bits into its key's slots from slot h on, the slot's content `cur` already read; false when
// the table must be given up (a probe sequence too long, or the key's slots past half full).
__device__ inline bool distinct_insert_from(unsigned long long* slots, int log_cap, unsigned long long bits,
                                            unsigned long long h, unsigned long long cur, int* key_count) {
  const unsigned long long cap = 1ull << log_cap;
  for (int probe = 0; probe < kMaxProbes; ++probe) {
    if (cur == bits) return true;
    if (cur == kEmptySlot) {
      const unsigned long long prev = atomicCAS(slots + h, kEmptySlot, bits);
      if (prev == kEmptySlot) return atomicAdd(key_count, 1) + 1 <= static_cast<int>(cap / 2);
      if (prev == bits) return true;
    }
    h = (h + 1) & (cap - 1);
    cur = slots[h];
  }
  return false;
}

// How value v of key k is stored (zeros as +0, a −0 noted in the key's flag) and its multiplicative hash, whose top
// log_cap bits are its home slot; false for a NaN (the tables must be given up).
__device__ inline bool distinct_key(const DistinctHash& t, double v, int k, unsigned long long& bits,
                                    unsigned long long& hash) {
  if (v == 0) {
    if (signbit(v) && !t.negative_zero[k]) t.negative_zero[k] = 1;
    v = 0.0;
  }
  bits = orderable(v);
  hash = bits * 0x9E3779B97F4A7C15ull;
  return bits != kEmptySlot && !isnan(v);
}

// Inserts kBatch values (bits and hash from distinct_key) of keys k[j] (k[j] < 0: none): their home slots' reads all
// in flight before any probe (one value at a time left the insertion bound by the latency of those dependent reads).
// False when the tables must be given up (the caller sets the overflow flag).
template <int kBatch>
__device__ inline bool distinct_insert(const DistinctHash& t, const unsigned long long (&bits)[kBatch],
                                       const unsigned long long (&hash)[kBatch], const int (&k)[kBatch]) {
  unsigned long long h[kBatch], cur[kBatch];
#pragma unroll
  for (int j = 0; j < kBatch; ++j) {
    if (k[j] < 0) continue;
    h[j] = hash[j] >> (64 - t.log_cap);
    cur[j] = t.table[(static_cast<std::size_t>(k[j]) << t.log_cap) + h[j]];
  }
#pragma unroll
  for (int j = 0; j < kBatch; ++j) {
    if (k[j] < 0 || cur[j] == bits[j]) continue;
    unsigned long long* slots = t.table + (static_cast<std::size_t>(k[j]) << t.log_cap);
    if (!distinct_insert_from(slots, t.log_cap, bits[j], h[j], cur[j], t.key_count + k[j])) return false;
  }
  return true;
}

// The same for values v[j].
template <int kBatch>
__device__ inline bool distinct_insert(const DistinctHash& t, const double (&v)[kBatch], const int (&k)[kBatch]) {
  unsigned long long bits[kBatch], hash[kBatch];
  bool ok = true;
#pragma unroll
  for (int j = 0; j < kBatch; ++j)
    if (k[j] >= 0) ok &= distinct_key(t, v[j], k[j], bits[j], hash[j]);
  return ok && distinct_insert(t, bits, hash, k);
}

// A key's result {count, mean, sample std} from the moments of its distinct values.
__device__ inline void distinct_entry(double count, double W, double mean, double M2, double* out) {
  out[0] = count;
  out[1] = mean;
  out[2] = count > 1 && W - 1 > 0 ? sqrt(M2 / (W - 1)) : 0.0;
}

// Whether the tables were given up, read once per block (every thread reading the one word kept a single L2 slice
// busy). Every thread of the block calls it.
__device__ inline bool distinct_given_up(const DistinctHash& t) {
  __shared__ int given_up;
  if (threadIdx.x == 0) given_up = *static_cast<volatile int*>(t.overflow);
  __syncthreads();
  return given_up != 0;
}

// The working memory of distinct_value_mean for n values and num_keys keys (plus one extra value per key), carved
// from `base` (nullptr: only measured).
struct DistinctScratch {
  unsigned long long *bits_a, *bits_b;
  int *keys_a, *keys_b, *uk, *next_a, *next_b, *count;
  double *values, *u, *w, *moments;
  char *flags, *mark_a, *mark_b;
  unsigned long long* table;
  Acc* run_partial;
  int* hash_state;  // key counts, −0 flags, overflow, blocks done (for a caller's kernel after the runs)
  int log_cap;      // 0: no tables (too many keys)
  void* temp;
  std::size_t temp_bytes, keyed_bytes, total;
  char* keyed;
  DistinctScratch(void* base, std::int64_t n, int num_keys);
  DistinctHash hash(int num_keys) const {
    return DistinctHash{table, log_cap, hash_state, hash_state + num_keys, hash_state + 2 * num_keys};
  }
  int* blocks_done(int num_keys) const { return hash_state + 2 * num_keys + 1; }  // 0 after distinct_begin
  std::int64_t runs_per_key() const { return (1ll << log_cap) / kRunBlockSlots; }
};

// Empties the tables (when there are any) before the values are inserted.
void distinct_begin(const DistinctScratch& sc, int num_keys, cudaStream_t s);

// Tolerance 0 with tables: the moments of each key's distinct values per block of kRunBlockSlots slots, into
// run_partial[key · runs_per_key() + block] (a dependent launch); a run too long sets the overflow flag. What
// distinct_finish does first; a caller may merge the partials itself (as distinct_finish does, with merge_shifted).
void distinct_runs(const DistinctScratch& sc, int num_keys, cudaStream_t s);

// Every value (and `extra` per key, when has_extra) sorted and deduplicated, then clustered and reduced as in
// distinct_finish: the path when the tables were given up, or there are none. `materialize`, when set, is called
// first, to write x. One host synchronization.
void distinct_sort_all(const DistinctScratch& sc, const double* x, const std::int32_t* key, std::int64_t n,
                       int num_keys, double tolerance, bool has_extra, double extra, double* out, cudaStream_t s,
                       const std::function<void()>& materialize = {});

// The rest of distinct_value_mean once every value (and `extra` per key, when has_extra) is in the tables: out[3k..]
// = {|U|, mean(U), std(U)} of key k. x[0, n) and key[0, n) are read only when the tables were given up (or there are
// none); `materialize`, when set, is called first, to write x. One host synchronization.
void distinct_finish(const DistinctScratch& sc, const double* x, const std::int32_t* key, std::int64_t n, int num_keys,
                     double tolerance, bool has_extra, double extra, double* out, cudaStream_t s,
                     const std::function<void()>& materialize = {});

}  // namespace arena::kernels::detail
