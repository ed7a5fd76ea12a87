#include "games/api/conformance.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "games/api/game.h"
#include "games/api/registry.h"
#include "games/api/random_play.h"
#include "games/api/rng.h"

namespace arena {
namespace {

struct View {
  std::string text;
  std::string info;
  std::vector<float> tensor;
  std::string json;
  bool operator==(const View&) const = default;
};

View view_of(const State& s, Player p) {
  return View{s.observation_text(p), s.information_state(p), s.observation_tensor(p), s.to_json(p).dump()};
}

std::string describe_difference(const View& a, const View& b) {
  if (a.text != b.text) return "observation_text differs:\n--- expected\n" + a.text + "\n--- got\n" + b.text;
  if (a.info != b.info) return "information_state differs: '" + a.info + "' vs '" + b.info + "'";
  if (a.tensor != b.tensor) return "observation_tensor differs";
  return "to_json differs: " + a.json + " vs " + b.json;
}

class Checker {
 public:
  Checker(GamePtr game, const ConformanceOptions& opt, ConformanceReport& report)
      : game_(std::move(game)), opt_(opt), report_(report) {}

  bool full() const { return static_cast<int>(report_.failures.size()) >= opt_.max_failures; }

  void fail(const std::string& check, const State& s, const std::string& detail) {
    if (full()) return;
    report_.failures.push_back("[" + check + "] " + detail + "\n  history: " + s.serialize());
  }

  // Plays one random game, checking every state; returns its history.
  std::vector<Action> play(std::uint64_t seed, bool privacy) {
    Rng rng(seed);
    auto state = game_->new_initial_state();
    const int n = game_->num_players();
    std::vector<double> reward_sum(n, 0.0);
    while (true) {
      ++report_.states_checked;
      check_state(*state);
      if (full() || state->is_terminal()) break;
      if (state->move_number() >= game_->max_game_length()) {
        fail("max_game_length", *state, "history reached max_game_length() = " +
                                             std::to_string(game_->max_game_length()) + " without ending");
        break;
      }
      Action a = sample_random_action(*state, rng);
      try {
        state->apply_action(a);
      } catch (const std::exception& e) {
        fail("apply", *state, std::string("legal action ") + std::to_string(a) + " was rejected: " + e.what());
        break;
      }
      auto r = state->rewards();
      if (static_cast<int>(r.size()) != n) {
        fail("rewards", *state, "rewards() has " + std::to_string(r.size()) + " entries for " + std::to_string(n) +
                                    " players");
        break;
      }
      for (int p = 0; p < n; ++p) reward_sum[p] += r[p];
    }
    report_.max_length_seen = std::max(report_.max_length_seen, state->move_number());
    if (state->is_terminal() && !full()) check_terminal(*state, reward_sum);
    if (privacy && !full() && game_->type().information == Information::kImperfect) check_privacy(state->history());
    return state->history();
  }

 private:
  void check_state(const State& s) {
    const int n = game_->num_players();
    const Player cur = s.current_player();
    if (!(cur == kTerminalPlayer || cur == kChancePlayer || (cur >= 0 && cur < n)))
      return fail("current_player", s, "current_player() = " + std::to_string(cur) + " is not a player");
    auto legal = s.legal_actions();
    if (cur == kTerminalPlayer) {
      if (!legal.empty()) fail("legal_actions", s, "terminal state has legal actions");
    } else {
      if (legal.empty()) return fail("legal_actions", s, "non-terminal state has no legal actions");
      for (size_t i = 1; i < legal.size(); ++i)
        if (legal[i] <= legal[i - 1]) return fail("legal_actions", s, "legal actions are not sorted and unique");
      const int bound = cur == kChancePlayer ? game_->max_chance_outcomes() : game_->num_distinct_actions();
      if (legal.front() < 0 || legal.back() >= bound)
        return fail("legal_actions", s, "legal action outside [0, " + std::to_string(bound) + ")");
    }
    if (cur == kChancePlayer) check_chance(s, legal);
    if (cur >= 0) check_action_strings(s, cur, legal);
    if (cur != kTerminalPlayer) check_illegal_rejected(s, legal, cur);

    std::vector<View> views;
    const int tensor_size = game_->observation_tensor_size();
    for (Player p = 0; p < n; ++p) {
      try {
        views.push_back(view_of(s, p));
      } catch (const std::exception& e) {
        return fail("views", s, "a view of player " + std::to_string(p) + " threw: " + e.what());
      }
      const auto& t = views.back().tensor;
      if (static_cast<int>(t.size()) != tensor_size) return fail("tensor", s, "tensor size changed");
      for (float v : t)
        if (!std::isfinite(v)) return fail("tensor", s, "tensor has a non-finite value");
    }
    // Clone equality.
    auto c = s.clone();
    if (c->to_string() != s.to_string() || c->history() != s.history() || c->legal_actions() != legal)
      return fail("clone", s, "clone differs from the original");
    for (Player p = 0; p < n; ++p)
      if (view_of(*c, p) != views[p]) return fail("clone", s, "clone's view of player " + std::to_string(p) + " differs");
    // Serialization round trip.
    if (opt_.serialize_every > 0 && s.move_number() % opt_.serialize_every == 0) {
      std::unique_ptr<State> d;
      try {
        d = deserialize_state(s.serialize());
      } catch (const std::exception& e) {
        return fail("serialize", s, std::string("deserialize(serialize()) threw: ") + e.what());
      }
      if (d->to_string() != s.to_string() || d->history() != s.history() || d->legal_actions() != legal ||
          d->current_player() != cur)
        return fail("serialize", s, "deserialized state differs");
      for (Player p = 0; p < n; ++p)
        if (view_of(*d, p) != views[p])
          return fail("serialize", s, "deserialized view of player " + std::to_string(p) + " differs: " +
                                          describe_difference(views[p], view_of(*d, p)));
    }
    // Equal information states must offer equal choices.
    if (cur >= 0 && game_->type().information == Information::kImperfect && infosets_.size() < 200000) {
      auto [it, inserted] = infosets_.emplace(views[cur].info, legal);
      if (!inserted && it->second != legal)
        fail("information_state", s, "information state '" + views[cur].info +
                                         "' is shared by states with different legal actions");
    }
  }

  void check_chance(const State& s, const std::vector<Action>& legal) {
    std::vector<std::pair<Action, double>> outcomes;
    try {
      outcomes = s.chance_outcomes();
    } catch (const std::exception& e) {
      return fail("chance", s, std::string("chance_outcomes() threw: ") + e.what());
    }
    double total = 0;
    std::vector<Action> ids;
    for (auto [a, p] : outcomes) {
      if (!(p > 0)) return fail("chance", s, "chance outcome " + std::to_string(a) + " has probability " +
                                                 std::to_string(p));
      total += p;
      ids.push_back(a);
      if (s.action_to_string(kChancePlayer, a).empty()) fail("chance", s, "empty chance outcome string");
    }
    if (std::fabs(total - 1.0) > 1e-9) fail("chance", s, "chance probabilities sum to " + std::to_string(total));
    if (ids != legal) fail("chance", s, "chance_outcomes() and legal_actions() list different outcomes");
  }

  void check_action_strings(const State& s, Player p, const std::vector<Action>& legal) {
    std::map<std::string, Action> seen;
    for (Action a : legal) {
      std::string str = s.action_to_string(p, a);
      if (str.empty()) return fail("action_strings", s, "empty string for action " + std::to_string(a));
      if (!seen.emplace(str, a).second)
        return fail("action_strings", s, "two legal actions share the string '" + str + "'");
      auto back = s.string_to_action(p, str);
      auto padded = s.string_to_action(p, "  " + str + "\n");
      if (!back || *back != a || !padded || *padded != a)
        return fail("action_strings", s, "string_to_action('" + str + "') does not give back " + std::to_string(a));
    }
    if (s.string_to_action(p, "<no such action>")) fail("action_strings", s, "a garbage string parsed as an action");
  }

  void check_illegal_rejected(const State& s, const std::vector<Action>& legal, Player cur) {
    std::vector<Action> bad = {-1, cur == kChancePlayer ? game_->max_chance_outcomes() : game_->num_distinct_actions()};
    const int bound = static_cast<int>(bad[1]);
    for (Action a = 0; a < bound; ++a)
      if (!std::binary_search(legal.begin(), legal.end(), a)) {
        bad.push_back(a);
        break;
      }
    for (Action a : bad) {
      auto c = s.clone();
      bool threw = false;
      try {
        c->apply_action(a);
      } catch (const Error&) {
        threw = true;
      } catch (const std::exception& e) {
        return fail("illegal_action", s, "illegal action " + std::to_string(a) + " threw a non-arena error: " +
                                             e.what());
      }
      if (!threw) return fail("illegal_action", s, "illegal action " + std::to_string(a) + " was accepted");
      if (c->to_string() != s.to_string() || c->history() != s.history())
        return fail("illegal_action", s, "a rejected action changed the state");
    }
  }

  void check_terminal(const State& s, const std::vector<double>& reward_sum) {
    auto ret = s.returns();
    const int n = game_->num_players();
    if (static_cast<int>(ret.size()) != n) return fail("returns", s, "returns() size is not the player count");
    for (int p = 0; p < n; ++p) {
      if (std::fabs(ret[p] - reward_sum[p]) > 1e-9)
        return fail("rewards", s, "player " + std::to_string(p) + ": rewards sum to " + std::to_string(reward_sum[p]) +
                                      " but returns() is " + std::to_string(ret[p]));
      if (ret[p] < game_->min_utility() - 1e-9 || ret[p] > game_->max_utility() + 1e-9)
        return fail("returns", s, "return " + std::to_string(ret[p]) + " outside [min_utility, max_utility]");
    }
    double sum = 0;
    for (double r : ret) sum += r;
    if (game_->type().utility == Utility::kZeroSum && std::fabs(sum) > 1e-9)
      fail("zero_sum", s, "returns sum to " + std::to_string(sum));
    if (game_->type().utility == Utility::kIdentical)
      for (double r : ret)
        if (std::fabs(r - ret[0]) > 1e-9) return fail("identical", s, "cooperative game gave different returns");
  }

  // For each chance outcome hidden from player p, swap in another outcome and check that p's views are unchanged at
  // every state up to and including the next decision (only chance outcomes are replayed in between).
  void check_privacy(const std::vector<Action>& history) {
    const int n = game_->num_players();
    auto state = game_->new_initial_state();
    for (size_t k = 0; k < history.size() && !full(); ++k) {
      if (state->is_chance_node()) {
        auto outcomes = state->chance_outcomes();
        for (Player p = 0; p < n; ++p) {
          if (!state->chance_outcome_hidden_from(p)) continue;
          int tried = 0;
          for (auto [alt, prob] : outcomes) {
            if (alt == history[k] || tried >= 2) continue;
            ++tried;
            compare_after_substitution(*state, history, k, alt, p);
          }
        }
      }
      state->apply_action(history[k]);
    }
  }

  void compare_after_substitution(const State& before, const std::vector<Action>& history, size_t k, Action alt,
                                  Player p) {
    auto orig = before.clone();
    auto sub = before.clone();
    orig->apply_action(history[k]);
    sub->apply_action(alt);
    size_t next = k + 1;
    while (true) {
      ++report_.privacy_checks;
      if (orig->is_terminal() || sub->is_terminal()) return;
      View a = view_of(*orig, p), b = view_of(*sub, p);
      if (a != b)
        return fail("privacy", *sub, "player " + std::to_string(p) + "'s view depends on a chance outcome hidden " +
                                         "from them (outcome " + std::to_string(history[k]) + " replaced by " +
                                         std::to_string(alt) + " at move " + std::to_string(k + 1) + "): " +
                                         describe_difference(a, b));
      if (!orig->is_chance_node() || next >= history.size()) return;
      Action a_next = history[next++];
      if (!sub->is_chance_node() || !sub->is_legal(a_next)) return;
      orig->apply_action(a_next);
      sub->apply_action(a_next);
    }
  }

  GamePtr game_;
  const ConformanceOptions& opt_;
  ConformanceReport& report_;
  std::map<std::string, std::vector<Action>> infosets_;
};

std::string format_tensor(const std::vector<float>& t) {
  std::ostringstream os;
  for (size_t i = 0; i < t.size(); ++i) os << (i ? " " : "") << t[i];
  return os.str();
}

std::string indent(const std::string& text) {
  std::string out;
  std::istringstream is(text);
  std::string line;
  while (std::getline(is, line)) out += "    " + line + "\n";
  return out;
}

std::string format_values(const std::vector<double>& v) {
  std::ostringstream os;
  for (size_t i = 0; i < v.size(); ++i) os << (i ? " " : "") << v[i];
  return os.str();
}

}  // namespace

ConformanceReport check_game(const std::string& game_string, const ConformanceOptions& options) {
  ConformanceReport report;
  report.game = game_string;
  GamePtr game;
  try {
    game = load_game(game_string);
  } catch (const std::exception& e) {
    report.failures.push_back(std::string("[load] ") + e.what());
    return report;
  }
  try {
    GamePtr again = load_game(game->to_string());
    if (again->to_string() != game->to_string())
      report.failures.push_back("[game_string] load_game(to_string()) gives '" + again->to_string() + "', not '" +
                                game->to_string() + "'");
  } catch (const std::exception& e) {
    report.failures.push_back("[game_string] canonical string '" + game->to_string() + "' does not load: " + e.what());
  }
  if (game->observation_tensor_size() <= 0) report.failures.push_back("[tensor] observation tensor shape is empty");
  Checker checker(game, options, report);
  for (int i = 0; i < options.num_games && !checker.full(); ++i) {
    const std::uint64_t seed = derive_seed(options.seed, static_cast<std::uint64_t>(i));
    const bool privacy = options.privacy_every > 0 && i % options.privacy_every == 0;
    try {
      auto h = checker.play(seed, privacy);
      if (i < 100) {
        // Same seed, same game.
        Rng rng(seed);
        auto s = game->new_initial_state();
        while (!s->is_terminal() && s->move_number() < static_cast<int>(h.size())) s->apply_action(sample_random_action(*s, rng));
        if (s->history() != h) report.failures.push_back("[determinism] seed " + std::to_string(seed) +
                                                         " produced two different games");
      }
    } catch (const std::exception& e) {
      report.failures.push_back("[exception] game " + std::to_string(i) + ": " + e.what());
    }
    report.games_played = i + 1;
    if (options.progress) options.progress(i + 1, options.num_games);
  }
  return report;
}

std::string playthrough(const std::string& game_string, std::uint64_t seed) {
  GamePtr game = load_game(game_string);
  std::ostringstream os;
  os << "game: " << game->to_string() << "\nseed: " << seed << "\nplayers: " << game->num_players()
     << "\nnum_distinct_actions: " << game->num_distinct_actions()
     << "\nmax_chance_outcomes: " << game->max_chance_outcomes() << "\nmax_game_length: " << game->max_game_length()
     << "\nobservation_tensor_size: " << game->observation_tensor_size() << "\nutility: ["
     << game->min_utility() << ", " << game->max_utility() << "]\n";
  Rng rng(seed);
  auto s = game->new_initial_state();
  const int n = game->num_players();
  while (true) {
    os << "\n== move " << s->move_number() << " ==\n";
    const Player cur = s->current_player();
    os << "current_player: "
       << (cur == kChancePlayer ? std::string("chance") : cur == kTerminalPlayer ? "terminal" : std::to_string(cur))
       << "\n";
    for (Player p = 0; p < n; ++p) {
      os << "observation_text[" << p << "]:\n" << indent(s->observation_text(p));
      os << "information_state[" << p << "]: " << s->information_state(p) << "\n";
      os << "observation_tensor[" << p << "]: " << format_tensor(s->observation_tensor(p)) << "\n";
      os << "json[" << p << "]: " << s->to_json(p).dump() << "\n";
    }
    if (s->is_terminal()) break;
    if (cur == kChancePlayer) {
      os << "chance_outcomes:";
      for (auto [a, p] : s->chance_outcomes()) os << " " << a << "=" << p;
      os << "\n";
    } else {
      os << "legal_actions:";
      for (Action a : s->legal_actions()) os << " " << a << "=" << s->action_to_string(cur, a);
      os << "\n";
    }
    Action a = sample_random_action(*s, rng);
    os << "action: " << a << " " << s->action_to_string(cur, a) << "\n";
    s->apply_action(a);
    os << "rewards: " << format_values(s->rewards()) << "\n";
  }
  os << "returns: " << format_values(s->returns()) << "\nserialized:\n" << s->serialize() << "\n";
  return os.str();
}

}  // namespace arena
