#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <vector>

namespace demure {
namespace {

// A condition variable on pthread_cond_t: std::condition_variable::wait is a
// symbol of GCC 12's libstdc++ (GLIBCXX_3.4.30), which would keep a prebuilt
// addon from loading where the system's libstdc++ is older.
class CondVar {
 public:
  CondVar() { pthread_cond_init(&c_, nullptr); }
  ~CondVar() { pthread_cond_destroy(&c_); }
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  template <typename Pred>
  void wait(std::unique_lock<std::mutex>& lock, Pred ready) {
    while (!ready()) pthread_cond_wait(&c_, lock.mutex()->native_handle());
  }
  void notify_one() { pthread_cond_signal(&c_); }
  void notify_all() { pthread_cond_broadcast(&c_); }

 private:
  pthread_cond_t c_;
};

class Pool {
 public:
  Pool() {
    int n = static_cast<int>(std::thread::hardware_concurrency());
    if (n < 1) n = 1;
    if (const char* env = std::getenv("DEMURE_NUM_THREADS")) {
      int e = std::atoi(env);
      if (e >= 1) n = e;
    }
    resize(n);
  }
  ~Pool() { stop(); }

  int size() const { return threads_; }

  void resize(int n) {
    if (n < 1) n = 1;
    stop();
    threads_ = n;
    quit_ = false;
    // A new worker starts from the current job counter, or it would take the
    // last finished job for a new one (its function pointer is gone by then).
    uint64_t now = generation_;
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, i, now] { loop(i, now); });
  }

  void run(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    int64_t chunks = std::min<int64_t>(threads_, (n + grain - 1) / std::max<int64_t>(grain, 1));
    if (chunks <= 1 || busy_.exchange(true)) {
      // Small work, or a nested call from inside a task: run inline.
      if (n > 0) fn(0, n);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn_ = &fn;
      n_ = n;
      chunks_ = chunks;
      pending_ = static_cast<int>(chunks - 1);
      ++generation_;
    }
    cv_.notify_all();
    run_chunk(0);
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return pending_ == 0; });
    fn_ = nullptr;
    busy_ = false;
  }

 private:
  void run_chunk(int64_t c) {
    int64_t per = (n_ + chunks_ - 1) / chunks_;
    int64_t b = c * per, e = std::min(n_, b + per);
    if (b < e) (*fn_)(b, e);
  }

  void loop(int index, uint64_t seen) {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return quit_ || generation_ != seen; });
        if (quit_) return;
        seen = generation_;
        if (index >= chunks_) continue;
      }
      run_chunk(index);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (--pending_ == 0) done_cv_.notify_one();
      }
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  CondVar cv_, done_cv_;
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t n_ = 0, chunks_ = 0;
  int pending_ = 0;
  uint64_t generation_ = 0;
  bool quit_ = false;
  std::atomic<bool> busy_{false};
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int num_threads() { return pool().size(); }
void set_num_threads(int n) { pool().resize(n); }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  pool().run(n, grain, fn);
}

}  // namespace demure
