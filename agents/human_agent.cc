#include "agents/human_agent.h"

#include <charconv>
#include <istream>
#include <ostream>

namespace arena {

std::vector<Decision> HumanAgent::act(std::span<const DecisionRequest> requests) {
  std::vector<Decision> out(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) out[i].action = ask(*requests[i].state, requests[i].player);
  return out;
}

// Accepts the exact action string (surrounding whitespace ignored) or the move's number in the printed list.
Action HumanAgent::ask(const State& state, Player player) {
  auto legal = state.legal_actions();
  out_ << "\n--- player_" << player << ", your view ---\n" << state.observation_text(player) << "Legal moves:\n";
  for (size_t i = 0; i < legal.size(); ++i)
    out_ << "  " << (i + 1) << ". " << state.action_to_string(player, legal[i]) << "\n";
  while (true) {
    out_ << "Your move (string or number 1-" << legal.size() << "): " << std::flush;
    std::string line;
    if (!std::getline(in_, line)) throw Error("human agent: input ended before a move was chosen");
    if (auto a = state.string_to_action(player, line)) return *a;
    size_t b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    std::string t = b == std::string::npos ? std::string() : line.substr(b, e - b + 1);
    int k = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), k);
    if (ec == std::errc() && p == t.data() + t.size() && k >= 1 && k <= static_cast<int>(legal.size()))
      return legal[k - 1];
    out_ << "'" << t << "' is not a legal move; type one of the moves above exactly, or its number.\n";
  }
}

}  // namespace arena
