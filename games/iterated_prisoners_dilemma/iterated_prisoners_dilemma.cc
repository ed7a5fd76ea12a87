#include "games/iterated_prisoners_dilemma/iterated_prisoners_dilemma.h"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "games/api/registry.h"

namespace arena::iterated_prisoners_dilemma {
namespace {

GameType make_type() {
  GameType t;
  t.short_name = "iterated_prisoners_dilemma";
  t.long_name = "Iterated Prisoner's Dilemma";
  t.utility = Utility::kGeneralSum;
  t.chance_mode = ChanceMode::kExplicitStochastic;
  t.information = Information::kImperfect;
  t.parameters = {
      double_param("termination_probability", 0.125, 0.0, 1.0, "probability that the game stops after each round"),
      int_param("max_game_length", 9999, 1, 100000, "maximum number of rounds"),
      double_param("reward", 5, std::nullopt, std::nullopt, "R: payoff to each player when both cooperate"),
      double_param("temptation", 10, std::nullopt, std::nullopt, "T: payoff for defecting against a cooperator"),
      double_param("sucker", 0, std::nullopt, std::nullopt, "S: payoff for cooperating against a defector"),
      double_param("punishment", 1, std::nullopt, std::nullopt, "P: payoff to each player when both defect"),
  };
  t.presets = {{"classic", "reward=3,temptation=5,sucker=0,punishment=1", "Axelrod's payoffs R=3, T=5, S=0, P=1"}};
  t.summary = "Repeated prisoner's dilemma; after each round the game stops with a fixed probability";
  return t;
}

ARENA_REGISTER_GAME(make_type(), [](const GameType& t, const GameParams& p) -> GamePtr {
  return std::make_shared<IteratedPrisonersDilemmaGame>(t, p);
});

constexpr const char* kChoiceNames[2] = {"COOPERATE", "DEFECT"};
constexpr char kChoiceLetters[2] = {'C', 'D'};

// Integers print without a decimal point; other values with up to 10 significant digits.
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string choice_string(int a) { return std::string("<") + kChoiceNames[a] + ">"; }

}  // namespace

IteratedPrisonersDilemmaGame::IteratedPrisonersDilemmaGame(GameType type, GameParams params)
    : Game(std::move(type), std::move(params)) {
  termination_probability_ = this->params().get_double("termination_probability");
  max_rounds_ = static_cast<int>(this->params().get_int("max_game_length"));
  payoffs_[kCooperate][kCooperate] = this->params().get_double("reward");
  payoffs_[kCooperate][kDefect] = this->params().get_double("sucker");
  payoffs_[kDefect][kCooperate] = this->params().get_double("temptation");
  payoffs_[kDefect][kDefect] = this->params().get_double("punishment");
}

// Every game has between 1 and max_rounds rounds, each paying between the smallest and the largest payoff.
double IteratedPrisonersDilemmaGame::min_utility() const {
  const double lo = std::min({payoffs_[0][0], payoffs_[0][1], payoffs_[1][0], payoffs_[1][1]});
  return std::min(lo, lo * max_rounds_);
}

double IteratedPrisonersDilemmaGame::max_utility() const {
  const double hi = std::max({payoffs_[0][0], payoffs_[0][1], payoffs_[1][0], payoffs_[1][1]});
  return std::max(hi, hi * max_rounds_);
}

std::string IteratedPrisonersDilemmaGame::rules_text() const {
  const std::string p = num(termination_probability_);
  return "1. The iterated prisoner's dilemma is a two-player game played over a series of rounds.\n"
         "2. In every round each player chooses <COOPERATE> or <DEFECT>. The choices are simultaneous: player_0 "
         "chooses first, but player_1 does not see that choice before choosing. Both choices are revealed when the "
         "round ends.\n"
         "3. Each round pays each player according to their own choice and the other player's choice:\n"
         "   - both cooperate: each gets " + num(payoffs_[0][0]) + ";\n"
         "   - you cooperate and the other defects: you get " + num(payoffs_[0][1]) + ", the other gets " +
         num(payoffs_[1][0]) + ";\n"
         "   - you defect and the other cooperates: you get " + num(payoffs_[1][0]) + ", the other gets " +
         num(payoffs_[0][1]) + ";\n"
         "   - both defect: each gets " + num(payoffs_[1][1]) + ".\n"
         "4. After each round, chance decides whether the game goes on: it stops with probability " + p +
         " and continues with probability " + num(1.0 - termination_probability_) + ". The game also stops after "
         "round " + std::to_string(max_rounds_) + " at the latest.\n"
         "5. A player's score is the sum of their payoffs over all rounds played. Each player tries to maximize "
         "their own score; the game is not zero-sum, so both players can do well or badly together.\n";
}

std::unique_ptr<State> IteratedPrisonersDilemmaGame::new_initial_state() const {
  return std::make_unique<IteratedPrisonersDilemmaState>(shared());
}

IteratedPrisonersDilemmaState::IteratedPrisonersDilemmaState(GamePtr game) : State(std::move(game)) {}

const IteratedPrisonersDilemmaGame& IteratedPrisonersDilemmaState::ipd() const {
  return static_cast<const IteratedPrisonersDilemmaGame&>(game());
}

Player IteratedPrisonersDilemmaState::current_player() const {
  if (over_) return kTerminalPlayer;
  if (awaiting_chance_) return kChancePlayer;
  return pending_ < 0 ? 0 : 1;
}

std::vector<Action> IteratedPrisonersDilemmaState::legal_actions() const {
  if (over_) return {};
  if (!awaiting_chance_) return {kCooperate, kDefect};
  std::vector<Action> out;
  for (auto [a, p] : chance_outcomes()) out.push_back(a);
  return out;
}

// Outcomes with probability 0 (termination_probability 0 or 1) are left out.
std::vector<std::pair<Action, double>> IteratedPrisonersDilemmaState::chance_outcomes() const {
  if (!is_chance_node()) return State::chance_outcomes();
  const double stop = ipd().termination_probability();
  std::vector<std::pair<Action, double>> out;
  if (stop < 1.0) out.emplace_back(kContinue, 1.0 - stop);
  if (stop > 0.0) out.emplace_back(kStop, stop);
  return out;
}

void IteratedPrisonersDilemmaState::do_apply_action(Action a) {
  last_rewards_ = {0.0, 0.0};
  if (awaiting_chance_) {
    awaiting_chance_ = false;
    if (a == kStop) over_ = true;
    return;
  }
  if (pending_ < 0) {
    pending_ = static_cast<int>(a);
    return;
  }
  const int a0 = pending_, a1 = static_cast<int>(a);
  rounds_.push_back({static_cast<std::int8_t>(a0), static_cast<std::int8_t>(a1)});
  pending_ = -1;
  last_rewards_ = {ipd().payoff(a0, a1), ipd().payoff(a1, a0)};
  returns_[0] += last_rewards_[0];
  returns_[1] += last_rewards_[1];
  if (rounds_played() >= ipd().max_rounds()) over_ = true;
  else awaiting_chance_ = true;
}

std::string IteratedPrisonersDilemmaState::observation_text(Player p) const {
  const std::string me = "player_" + std::to_string(p);
  std::string s = "You are " + me + ".\n";
  if (rounds_.empty()) {
    s += "No rounds have been played yet.\n";
  } else {
    s += "History:\n";
    for (size_t i = 0; i < rounds_.size(); ++i) {
      const int a0 = rounds_[i][0], a1 = rounds_[i][1];
      s += std::to_string(i + 1) + ". Round " + std::to_string(i + 1) + ": player_0 chose " + choice_string(a0) +
           ", player_1 chose " + choice_string(a1) + "; player_0 gets " + num(ipd().payoff(a0, a1)) +
           ", player_1 gets " + num(ipd().payoff(a1, a0)) + ".\n";
    }
  }
  s += "Total so far: player_0 " + num(returns_[0]) + ", player_1 " + num(returns_[1]) + ".\n";
  if (over_) {
    s += "The game is over after " + std::to_string(rounds_played()) + " rounds. Final scores: player_0 " +
         num(returns_[0]) + ", player_1 " + num(returns_[1]) + ".\n";
    return s;
  }
  if (awaiting_chance_) {
    s += "Chance now decides whether round " + std::to_string(rounds_played() + 1) + " is played.\n";
    return s;
  }
  s += "Round " + std::to_string(rounds_played() + 1) + ": ";
  if (p == 0) {
    if (pending_ < 0) s += "your turn to choose.\n";
    else s += "you chose " + choice_string(pending_) + "; player_1 is choosing.\n";
  } else {
    if (pending_ < 0) s += "player_0 is choosing; your turn comes next.\n";
    else s += "player_0 has made a hidden choice; your turn to choose.\n";
  }
  return s;
}

// Past rounds as "CD DD ..." (player 0's letter first), then for player 0 its own choice in the current round
// ("|C"), for player 1 a marker that player 0 has chosen ("|?").
std::string IteratedPrisonersDilemmaState::information_state(Player p) const {
  std::string s;
  s.reserve(rounds_.size() * 3 + 2);
  for (size_t i = 0; i < rounds_.size(); ++i) {
    if (i) s += ' ';
    s += kChoiceLetters[rounds_[i][0]];
    s += kChoiceLetters[rounds_[i][1]];
  }
  if (pending_ >= 0) {
    s += '|';
    s += p == 0 ? kChoiceLetters[pending_] : '?';
  }
  if (over_) s += "|end";
  return s;
}

void IteratedPrisonersDilemmaState::observation_tensor(Player p, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  out[p] = 1.0f;
  if (pending_ >= 0) {
    if (p == 0) out[2 + pending_] = 1.0f;
    else out[4] = 1.0f;
  }
  for (size_t i = 0; i < rounds_.size(); ++i) {
    const int joint = 2 * rounds_[i][p] + rounds_[i][1 - p];
    out[9 + joint] += 1.0f;
    if (i + 1 == rounds_.size()) out[5 + joint] = 1.0f;
  }
  out[13] = static_cast<float>(rounds_.size());
  out[14] = over_ ? 1.0f : 0.0f;
}

nlohmann::json IteratedPrisonersDilemmaState::to_json(Player p) const {
  nlohmann::json rounds = nlohmann::json::array();
  for (const auto& r : rounds_) rounds.push_back({kChoiceNames[r[0]], kChoiceNames[r[1]]});
  nlohmann::json j{{"player", p},
                   {"rounds", rounds},
                   {"returns", {returns_[0], returns_[1]}},
                   {"current_player", current_player()},
                   {"is_terminal", over_}};
  if (pending_ >= 0) {
    if (p == 0) j["your_choice_this_round"] = kChoiceNames[pending_];
    else j["opponent_has_chosen"] = true;
  }
  return j;
}

std::string IteratedPrisonersDilemmaState::action_to_string(Player p, Action a) const {
  if (p == kChancePlayer) return a == kContinue ? "Continue" : a == kStop ? "Stop" : "?";
  return a == kCooperate || a == kDefect ? choice_string(static_cast<int>(a)) : "<?>";
}

std::string IteratedPrisonersDilemmaState::to_string() const {
  std::string s0, s1;
  for (const auto& r : rounds_) {
    s0 += kChoiceLetters[r[0]];
    s1 += kChoiceLetters[r[1]];
  }
  std::string s = "p0: " + s0 + "  p1: " + s1;
  if (pending_ >= 0) s += std::string("  p0 pending: ") + kChoiceLetters[pending_];
  s += "  returns: " + num(returns_[0]) + " " + num(returns_[1]);
  return s;
}

}  // namespace arena::iterated_prisoners_dilemma
