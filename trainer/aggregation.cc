#include "trainer/aggregation.h"

#include <map>

#include "games/api/params.h"

namespace arena::trainer {

std::vector<double> agg_weights(const std::vector<std::int64_t>& sequence, const std::string& mode, double horizon) {
  const size_t n = sequence.size();
  std::vector<double> w(n, 0.0);
  if (n == 0) return w;
  std::map<std::int64_t, int> len;
  for (auto s : sequence) ++len[s];
  const double S = static_cast<double>(len.size());
  for (size_t i = 0; i < n; ++i) {
    if (mode == "token-mean") w[i] = 1.0 / static_cast<double>(n);
    else if (mode == "seq-mean-token-mean") w[i] = 1.0 / (S * len[sequence[i]]);
    else if (mode == "seq-mean-token-sum") w[i] = 1.0 / S;
    else if (mode == "seq-mean-token-sum-norm") w[i] = 1.0 / (S * horizon);
    else throw Error("unknown aggregation '" + mode + "'");
  }
  return w;
}

}  // namespace arena::trainer
