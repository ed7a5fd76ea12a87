#include "arena/thread_pool.h"

namespace arena {

ThreadPool::ThreadPool(int threads) {
  size_ = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < size_; ++i) threads_.emplace_back([this] { worker(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ThreadPool::parallel_for(int n, const std::function<void(int)>& fn) {
  if (n <= 0) return;
  if (size_ == 1 || n == 1) {
    for (int i = 0; i < n; ++i) fn(i);
    return;
  }
  {
    std::lock_guard lock(mu_);
    job_ = &fn;
    job_n_ = n;
    next_ = 0;
    error_ = nullptr;
    active_ = static_cast<int>(threads_.size());
    ++generation_;
  }
  cv_.notify_all();
  // The calling thread works too.
  for (int i = next_++; i < n; i = next_++) {
    try {
      fn(i);
    } catch (...) {
      std::lock_guard lock(mu_);
      if (!error_) error_ = std::current_exception();
    }
  }
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return active_ == 0; });
  job_ = nullptr;
  if (error_) std::rethrow_exception(error_);
}

void ThreadPool::worker() {
  std::uint64_t seen = 0;
  while (true) {
    const std::function<void(int)>* job;
    int n;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      job = job_;
      n = job_n_;
    }
    for (int i = next_++; i < n; i = next_++) {
      try {
        (*job)(i);
      } catch (...) {
        std::lock_guard lock(mu_);
        if (!error_) error_ = std::current_exception();
      }
    }
    std::lock_guard lock(mu_);
    if (--active_ == 0) done_cv_.notify_all();
  }
}

}  // namespace arena
