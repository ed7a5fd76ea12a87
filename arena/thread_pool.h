// A fixed pool of worker threads running index-parallel loops. Work is split by index, never by timing, so results
// that depend only on the index are the same for every thread count.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace arena {

class ThreadPool {
 public:
  // threads <= 0: one per hardware thread. A pool of 1 runs everything on the calling thread.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  int size() const { return size_; }
  // Calls fn(i) for i in [0, n) and returns when all calls are done. The first exception is rethrown.
  void parallel_for(int n, const std::function<void(int)>& fn);

 private:
  void worker();
  int size_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int)>* job_ = nullptr;
  int job_n_ = 0;
  std::atomic<int> next_{0};
  int active_ = 0;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace arena
