#include "trainer/lm_batch.h"

#include <algorithm>

namespace arena::trainer {

std::vector<Pack> pack_turns(const std::vector<TokenTurn>& all, const std::vector<std::size_t>& turns, bool enabled) {
  std::vector<Pack> out;
  for (auto t : turns) {
    if (enabled && !out.empty()) {
      const auto& prev = all[out.back().back()];
      const auto& cur = all[t];
      const auto& a = *prev.rec;
      const auto& b = *cur.rec;
      const auto n = a.prompt.size() + a.response.size();
      if (prev.traj == cur.traj && b.prompt.size() >= n && std::equal(a.prompt.begin(), a.prompt.end(), b.prompt.begin()) &&
          std::equal(a.response.begin(), a.response.end(), b.prompt.begin() + static_cast<std::ptrdiff_t>(a.prompt.size()))) {
        out.back().push_back(t);
        continue;
      }
    }
    out.push_back({t});
  }
  return out;
}

std::int64_t pack_length(const std::vector<TokenTurn>& all, const Pack& p) { return all[p.back()].length(); }

MicroBatch make_micro_batch(const std::vector<TokenTurn>& all, std::vector<Pack> packs, torch::Device device) {
  MicroBatch mb;
  std::int64_t width = 2;
  for (const auto& p : packs) width = std::max(width, pack_length(all, p));
  const auto B = static_cast<std::int64_t>(packs.size());
  std::vector<std::int64_t> ids(static_cast<std::size_t>(B * width), 0);
  std::vector<std::uint8_t> valid(static_cast<std::size_t>(B * width), 0);
  std::vector<std::uint8_t> response(static_cast<std::size_t>(B * (width - 1)), 0);
  for (std::int64_t b = 0; b < B; ++b) {
    const auto& pack = packs[static_cast<std::size_t>(b)];
    const auto& last = *all[pack.back()].rec;
    std::int64_t t = 0;
    for (auto id : last.prompt) ids[b * width + t] = id, valid[b * width + t] = 1, ++t;
    for (auto id : last.response) ids[b * width + t] = id, valid[b * width + t] = 1, ++t;
    for (auto k : pack) {
      const auto start = all[k].prompt_len();
      for (std::int64_t j = 0; j < all[k].response_len(); ++j) response[b * (width - 1) + start + j - 1] = 1;
    }
  }
  mb.packs = std::move(packs);
  mb.ids = torch::from_blob(ids.data(), {B, width}, torch::kLong).clone().to(device);
  mb.valid = torch::from_blob(valid.data(), {B, width}, torch::kUInt8).to(torch::kBool).to(device);
  mb.response = torch::from_blob(response.data(), {B, width - 1}, torch::kUInt8).to(torch::kBool).to(device);
  return mb;
}

std::vector<std::vector<Pack>> chunk_packs(const std::vector<TokenTurn>& all, std::vector<Pack> packs, std::int64_t budget) {
  std::stable_sort(packs.begin(), packs.end(),
                   [&](const Pack& a, const Pack& b) { return pack_length(all, a) > pack_length(all, b); });
  std::vector<std::vector<Pack>> out;
  std::int64_t width = 0;
  for (auto& p : packs) {
    const auto len = pack_length(all, p);
    const auto w = std::max(width, len);
    if (out.empty() || w * static_cast<std::int64_t>(out.back().size() + 1) > budget) {
      out.push_back({std::move(p)});
      width = len;
    } else {
      out.back().push_back(std::move(p));
      width = w;
    }
  }
  return out;
}

void score_turn_tokens(lm::Qwen3Model& model, const std::vector<TokenTurn>& all, const std::vector<Pack>& packs,
                       std::int64_t budget, double temperature, torch::Device device, std::vector<torch::Tensor>& out) {
  torch::NoGradGuard guard;
  for (const auto& chunk : chunk_packs(all, packs, budget)) {
    auto mb = make_micro_batch(all, chunk, device);
    auto logp = lm::score_sequences(model, mb.ids, mb.valid, temperature).logprobs.masked_select(mb.response);
    std::int64_t at = 0;
    for (const auto& pack : mb.packs)
      for (auto t : pack) {
        out[t] = logp.narrow(0, at, all[t].response_len());
        at += all[t].response_len();
      }
  }
}

}  // namespace arena::trainer
