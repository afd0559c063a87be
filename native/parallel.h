// A tiny persistent thread pool: parallel_for splits [0, n) into contiguous
// chunks and runs them on the calling thread plus (threads - 1) workers.
// Work below `grain` items per chunk runs inline, so small ops pay nothing.
#pragma once
#include <cstdint>
#include <functional>

namespace demure {

// Number of threads parallel_for uses (including the caller). Defaults to the
// hardware concurrency, capped by DEMURE_NUM_THREADS when that is set.
int num_threads();
void set_num_threads(int n);

// fn(begin, end) is called on disjoint ranges covering [0, n).
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace demure
