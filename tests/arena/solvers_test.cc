#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include "agents/builtin.h"
#include "agents/tabular/best_response.h"
#include "agents/tabular/cfr.h"
#include "agents/tabular/minimax.h"
#include "agents/tabular/tabular_agents.h"
#include "arena/runner.h"
#include "games/api/registry.h"
#include "games/api/rng.h"
#include "games/kuhn_poker/kuhn_poker.h"
#include "tests/catch_compat.h"

using namespace arena;

namespace {
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Independent brute force: the best pure strategy of `br` against a fixed behaviour policy, by enumerating every
// assignment of one action to each of br's information sets and evaluating it exactly on the game (no tree code).
double brute_force_best_response(const GameTree& tree, const std::vector<double>& probs, Player br) {
  std::vector<int> sets;
  for (int i = 0; i < static_cast<int>(tree.infosets().size()); ++i)
    if (tree.infosets()[i].player == br) sets.push_back(i);
  std::vector<int> choice(sets.size(), 0);
  double best = -1e300;
  while (true) {
    std::function<double(const State&)> value = [&](const State& s) -> double {
      if (s.is_terminal()) return s.returns()[br];
      double v = 0;
      auto legal = s.legal_actions();
      for (size_t k = 0; k < legal.size(); ++k) {
        double p;
        if (s.is_chance_node()) {
          p = s.chance_outcomes()[k].second;
        } else {
          const int info = tree.find_infoset(s.current_player(), s.information_state(s.current_player()));
          if (s.current_player() == br) {
            const int pos = static_cast<int>(std::find(sets.begin(), sets.end(), info) - sets.begin());
            p = choice[pos] == static_cast<int>(k) ? 1.0 : 0.0;
          } else {
            p = probs[tree.infosets()[info].offset + k];
          }
        }
        if (p == 0) continue;
        auto c = s.clone();
        c->apply_action(legal[k]);
        v += p * value(*c);
      }
      return v;
    };
    best = std::max(best, value(*tree.game()->new_initial_state()));
    size_t i = 0;
    while (i < sets.size() && ++choice[i] == static_cast<int>(tree.infosets()[sets[i]].actions.size())) choice[i++] = 0;
    if (i == sets.size()) break;
  }
  return best;
}
}  // namespace

TEST_CASE("uniform random Kuhn poker: exploitability equals a brute-force best response", "[solvers]") {
  auto tree = GameTree::build(load_game("kuhn_poker"));
  auto uniform = TabularPolicy::uniform(tree).to_flat(tree);
  auto values = policy_values(tree, uniform);
  CHECK(values[0] == Approx(0.125).margin(1e-12));  // uniform play: player 0 wins 1/8 on average
  double nashconv = 0;
  for (Player p = 0; p < 2; ++p) {
    const double bf = brute_force_best_response(tree, uniform, p);
    CHECK(best_response_value(tree, uniform, p) == Approx(bf).margin(1e-12));
    nashconv += bf - values[p];
  }
  // 0.5 + 0.416666... (hand-checkable: player 0 bets K, checks and folds J, ...).
  CHECK(nashconv == Approx(11.0 / 12).margin(1e-12));
  CHECK(exploitability(tree, uniform) == Approx(11.0 / 24).margin(1e-12));
}

TEST_CASE("CFR+ on Kuhn converges to value -1/18 and exploitability below 1e-3", "[solvers]") {
  auto tree = GameTree::build(load_game("kuhn_poker"));
  CfrSolver solver(tree, CfrAlgorithm::kPlus);
  for (int i = 0; i < 1000; ++i) solver.iterate();
  auto avg = solver.average_policy();
  CHECK(policy_values(tree, avg)[0] == Approx(-1.0 / 18).margin(1e-3));
  CHECK(exploitability(tree, avg) < 1e-3);
  CfrSolver vanilla(tree, CfrAlgorithm::kVanilla);
  for (int i = 0; i < 2000; ++i) vanilla.iterate();
  CHECK(exploitability(tree, vanilla.average_policy()) < 1e-2);
}

TEST_CASE("CFR+ on Leduc reaches exploitability below 0.01 within 300 iterations", "[solvers]") {
  auto tree = GameTree::build(load_game("leduc_poker"));
  CHECK(tree.infosets().size() == 936);
  CfrSolver solver(tree, CfrAlgorithm::kPlus);
  for (int i = 0; i < 300; ++i) solver.iterate();
  CHECK(exploitability(tree, solver.average_policy()) < 0.01);
}

TEST_CASE("minimax: tic-tac-toe is a draw and minimax never loses", "[solvers]") {
  auto game = load_game("tic_tac_toe");
  MinimaxSolver solver(*game);
  CHECK(solver.value(*game->new_initial_state()) == 0.0);
  // Memoized positions: the 5,478 reachable tic-tac-toe boards minus the 958 terminal ones.
  CHECK(solver.states() == 5478 - 958);
  register_builtin_agents();
  auto mm = make_agent("minimax"), rnd = make_agent("random");
  for (int seat = 0; seat < 2; ++seat)
    for (std::uint64_t seed = 0; seed < 40; ++seed) {
      std::vector<Agent*> seats = seat == 0 ? std::vector<Agent*>{mm.get(), rnd.get()}
                                            : std::vector<Agent*>{rnd.get(), mm.get()};
      auto s = game->new_initial_state();
      int ply = 0;
      while (!s->is_terminal()) {
        DecisionRequest r;
        r.state = s.get();
        r.player = s->current_player();
        r.seed = derive_seed(seed, ply++);
        s->apply_action(seats[r.player]->act(std::span<const DecisionRequest>(&r, 1))[0].action);
      }
      CHECK(s->returns()[seat] >= 0);
    }
  try {
    MinimaxSolver bad(*load_game("kuhn_poker"));
    FAIL("minimax accepted an imperfect-information game");
  } catch (const Error& e) {
    CHECK(contains(e.what(), "perfect-information"));
  }
}

TEST_CASE("tabular policy files round-trip and bad ones are refused clearly", "[solvers]") {
  auto tree = GameTree::build(load_game("kuhn_poker"));
  auto dir = std::filesystem::temp_directory_path();
  auto path = (dir / "arena_kuhn_uniform.json").string();
  TabularPolicy::uniform(tree).save(path);
  auto loaded = TabularPolicy::load(path);
  CHECK(loaded.to_flat(tree) == TabularPolicy::uniform(tree).to_flat(tree));
  // For another game.
  auto leduc = GameTree::build(load_game("leduc_poker"));
  try {
    loaded.to_flat(leduc);
    FAIL("accepted a Kuhn policy for Leduc");
  } catch (const Error& e) {
    CHECK(contains(e.what(), "is for game 'kuhn_poker'"));
  }
  // Unknown information state.
  auto table = loaded.table();
  table["Zzz"] = {{0, 1.0}};
  try {
    TabularPolicy("kuhn_poker", table).to_flat(tree);
    FAIL("accepted an unknown information state");
  } catch (const Error& e) {
    CHECK(contains(e.what(), "'Zzz'"));
  }
  auto bad = (dir / "arena_bad_policy.json").string();
  std::ofstream(bad) << "{\"format\": \"something else\"}";
  REQUIRE_THROWS_AS(TabularPolicy::load(bad), Error);
  std::ofstream(bad) << "not json";
  REQUIRE_THROWS_AS(TabularPolicy::load(bad), Error);
}

TEST_CASE("solvers refuse what they cannot do, with the reason", "[solvers]") {
  auto tree = GameTree::build(load_game("tic_tac_toe"));
  // Perfect information: one information set per non-terminal history (549,946 histories, 255,168 of them complete).
  CHECK(tree.infosets().size() == 549946 - 255168);
  try {
    GameTree::build(load_game("connect_four"), 100000);
    FAIL("enumerated connect four");
  } catch (const Error& e) {
    CHECK(contains(e.what(), "too large to enumerate"));
  }
}

TEST_CASE("cfr and nash agents solve on first use and report their probabilities", "[solvers]") {
  setenv("ARENA_CACHE_DIR", (std::filesystem::temp_directory_path() / "arena_test_cache").c_str(), 1);
  register_builtin_agents();
  auto nash = make_agent("nash(target=0.001)");
  auto game = load_game("kuhn_poker");
  auto tree = GameTree::build(game);
  std::vector<double> flat(tree.num_infoset_actions());
  for (const auto& I : tree.infosets()) {
    auto s = replay(*game, tree.history_of(I.nodes.front()));
    auto p = nash->action_probabilities(*s, I.player);
    REQUIRE(p.has_value());
    for (size_t k = 0; k < p->size(); ++k) flat[I.offset + k] = (*p)[k];
  }
  CHECK(exploitability(tree, flat) <= 0.001 + 1e-12);
}
