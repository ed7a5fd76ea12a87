#include "arena/replay.h"

#include <cmath>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "games/api/registry.h"

namespace arena {
namespace {

std::string indent(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += "      | " + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

bool same(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::fabs(a[i] - b[i]) > 1e-9) return false;
  return true;
}

std::string values(const std::vector<double>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{:+g}", i ? " " : "", v[i]);
  return s;
}

}  // namespace

ReplayReport replay_stored_match(Store& store, std::int64_t match_id, std::optional<int> viewer) {
  auto m = store.match(match_id);
  if (!m) throw Error("no match with id " + std::to_string(match_id) + " in '" + store.path() + "'");
  ReplayReport rep;
  std::string seats;
  for (size_t s = 0; s < m->seat_specs.size(); ++s) seats += fmt::format("{}player_{}={}", s ? ", " : "", s, m->seat_specs[s]);
  rep.text += fmt::format("match {} (run {}, #{}): {}  seed {}  [{}]  status {}\n", m->id, m->run_id, m->idx, m->game,
                          m->seed, seats, m->status);
  if (m->status != "done") {
    rep.mismatches.push_back("match " + std::to_string(match_id) + " has not finished (status " + m->status + ")");
    return rep;
  }
  GamePtr game = load_game(m->game);
  if (viewer && (*viewer < 0 || *viewer >= game->num_players()))
    throw Error("--player " + std::to_string(*viewer) + " is not a player of " + m->game);
  auto state = game->new_initial_state();
  auto turns = store.turns(match_id);
  for (const auto& t : turns) {
    auto mismatch = [&](const std::string& what) {
      rep.mismatches.push_back(fmt::format("ply {}: {}", t.ply, what));
    };
    if (t.ply != state->move_number()) mismatch("stored ply out of sequence");
    if (t.player != state->current_player()) {
      mismatch(fmt::format("stored player {} but the re-run has player {} to move", t.player, state->current_player()));
      break;
    }
    if (viewer && t.player == *viewer) rep.text += fmt::format("  player_{} sees:\n{}", *viewer, indent(state->observation_text(*viewer)));
    if (t.observation && t.player >= 0 && *t.observation != state->observation_text(t.player))
      mismatch("stored observation text differs from the re-run");
    if (!state->is_legal(t.action)) {
      mismatch(fmt::format("stored action {} is illegal in the re-run", t.action));
      break;
    }
    const std::string text = state->action_to_string(t.player, t.action);
    if (text != t.action_text) mismatch("stored action text '" + t.action_text + "' but the re-run says '" + text + "'");
    state->apply_action(t.action);
    if (!same(state->rewards(), t.rewards))
      mismatch("stored rewards [" + values(t.rewards) + "] but the re-run gives [" + values(state->rewards()) + "]");
    const std::string who = t.player < 0 ? "chance" : fmt::format("player_{}", t.player);
    rep.text += fmt::format("  {:>3}. {}: {}{}\n", t.ply + 1, who, text,
                            t.retries ? fmt::format("  (after {} retries)", t.retries) : "");
  }
  const bool forfeit = m->outcome.rfind("forfeit", 0) == 0;
  if (!forfeit && !state->is_terminal()) rep.mismatches.push_back("the stored moves do not reach the end of the game");
  if (!forfeit && state->is_terminal() && !same(state->returns(), m->returns))
    rep.mismatches.push_back("stored returns [" + values(m->returns) + "] but the re-run gives [" +
                             values(state->returns()) + "]");
  if (viewer) rep.text += fmt::format("  player_{} sees at the end:\n{}", *viewer, indent(state->observation_text(*viewer)));
  rep.text += fmt::format("  returns: {}{}\n", values(m->returns), forfeit ? "  (" + m->outcome + ")" : "");
  return rep;
}

void export_jsonl(Store& store, std::int64_t run_id, std::ostream& out) {
  if (!store.run(run_id)) throw Error("no run with id " + std::to_string(run_id) + " in '" + store.path() + "'");
  MatchFilter f;
  f.run_id = run_id;
  for (const auto& m : store.matches(f)) {
    nlohmann::json turns = nlohmann::json::array();
    for (const auto& t : store.turns(m.id)) {
      nlohmann::json jt{{"ply", t.ply},   {"player", t.player},   {"action", t.action},
                        {"action_text", t.action_text}, {"rewards", t.rewards}, {"latency_ms", t.latency_ms},
                        {"retries", t.retries}};
      jt["observation"] = t.observation ? nlohmann::json(*t.observation) : nlohmann::json(nullptr);
      jt["logprob"] = t.logprob ? nlohmann::json(*t.logprob) : nlohmann::json(nullptr);
      jt["raw_response"] = t.raw_response ? nlohmann::json(*t.raw_response) : nlohmann::json(nullptr);
      turns.push_back(jt);
    }
    nlohmann::json j{{"match_id", m.id}, {"run_id", m.run_id}, {"index", m.idx},      {"game", m.game},
                     {"seed", m.seed},   {"seats", m.seat_specs}, {"status", m.status}, {"returns", m.returns},
                     {"outcome", m.outcome}, {"turns", turns}};
    nlohmann::json rejected = nlohmann::json::array();
    for (const auto& r : store.rejected(m.id))
      rejected.push_back({{"ply", r.ply}, {"player", r.player}, {"attempt", r.attempt},
                          {"raw_response", r.raw_response ? nlohmann::json(*r.raw_response) : nlohmann::json(nullptr)},
                          {"error", r.error}});
    if (!rejected.empty()) j["rejected"] = rejected;
    // Raw responses of language models may hold invalid UTF-8: replaced by U+FFFD rather than refused.
    out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
}

}  // namespace arena
