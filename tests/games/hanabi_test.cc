#include <nlohmann/json.hpp>

#include "games/api/registry.h"
#include "games/api/rng.h"
#include "games/hanabi/hanabi.h"
#include "tests/catch_compat.h"

using namespace arena;

namespace {

std::unique_ptr<State> play(const std::string& game, std::initializer_list<Action> moves,
                            std::vector<double>* rewards = nullptr) {
  auto s = load_game(game)->new_initial_state();
  for (Action a : moves) {
    s->apply_action(a);
    if (rewards) rewards->push_back(s->rewards()[0]);
  }
  return s;
}

// Deck size from the first draw's probabilities: copies of each card type = probability * deck size.
std::vector<int> deck_copies(const std::string& game, int deck_size) {
  std::vector<int> out;
  for (auto [a, p] : load_game(game)->new_initial_state()->chance_outcomes())
    out.push_back(static_cast<int>(p * deck_size + 0.5));
  return out;
}

std::string error_of(const std::string& game) {
  try {
    load_game(game);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Mini Hanabi cards: R1 = 0, R2 = 1, Y1 = 2, Y2 = 3. Actions (3-card hands): discard 0-2, play 3-5,
// reveal color R/Y 6/7, reveal rank 1/2 8/9. This deal gives player 0 R1 R2 Y1 and player 1 Y1 Y2 R1, leaving R1
// and Y1 in the deck.
constexpr std::initializer_list<Action> kMiniDeal = {0, 1, 2, 2, 3, 0};

}  // namespace

TEST_CASE("hanabi deck composition: 3 copies of the lowest rank, 1 of the highest, 2 of the others", "[hanabi]") {
  const auto& std_cfg = static_cast<const hanabi::HanabiGame&>(*load_game("hanabi")).config();
  CHECK(std_cfg.deck_size == 50);
  CHECK(deck_copies("hanabi", 50) ==
        std::vector<int>{3, 2, 2, 2, 1, 3, 2, 2, 2, 1, 3, 2, 2, 2, 1, 3, 2, 2, 2, 1, 3, 2, 2, 2, 1});
  CHECK(static_cast<const hanabi::HanabiGame&>(*load_game("hanabi(preset=mini)")).config().deck_size == 8);
  CHECK(deck_copies("hanabi(preset=mini)", 8) == std::vector<int>{3, 1, 3, 1});
  CHECK(static_cast<const hanabi::HanabiGame&>(*load_game("hanabi(preset=simple)")).config().deck_size == 12);
  CHECK(static_cast<const hanabi::HanabiGame&>(*load_game("hanabi(preset=full_small)")).config().deck_size == 18);
  CHECK(deck_copies("hanabi(preset=full_small)", 18) == std::vector<int>{3, 2, 1, 3, 2, 1, 3, 2, 1});
  CHECK(static_cast<const hanabi::HanabiGame&>(*load_game("hanabi(colors=2,ranks=1,hand_size=3)")).config().deck_size ==
        6);
  // The initial deal is one chance node per card: players x hand size draws before player 0 moves.
  auto s = load_game("hanabi(players=3)")->new_initial_state();
  int draws = 0;
  for (; s->is_chance_node(); ++draws) s->apply_action(s->legal_actions().front());
  CHECK(draws == 15);
  CHECK(s->current_player() == 0);
  CHECK(static_cast<hanabi::HanabiState&>(*s).deck_size() == 35);
}

TEST_CASE("hanabi sizes and action ids equal OpenSpiel's", "[hanabi]") {
  struct Row {
    const char* game;
    int actions, outcomes, tensor;
  };
  for (Row r : {Row{"hanabi", 20, 25, 658}, Row{"hanabi(preset=mini)", 10, 4, 106}, Row{"hanabi(preset=simple)", 15, 6, 204},
                Row{"hanabi(preset=full_small)", 16, 9, 278}, Row{"hanabi(players=3)", 30, 25, 956},
                Row{"hanabi(players=4)", 38, 25, 1041}, Row{"hanabi(players=5)", 48, 25, 1280}}) {
    auto g = load_game(r.game);
    INFO(r.game);
    CHECK(g->num_distinct_actions() == r.actions);
    CHECK(g->max_chance_outcomes() == r.outcomes);
    CHECK(g->observation_tensor_size() == r.tensor);
  }
  auto s = load_game("hanabi(players=3)")->new_initial_state();
  while (s->is_chance_node()) s->apply_action(s->legal_actions().front());
  CHECK(s->action_to_string(0, 0) == "<Discard card 0>");
  CHECK(s->action_to_string(0, 6) == "<Play card 1>");
  CHECK(s->action_to_string(0, 10) == "<Reveal player +1 color R>");
  CHECK(s->action_to_string(0, 19) == "<Reveal player +2 color B>");
  CHECK(s->action_to_string(0, 20) == "<Reveal player +1 rank 1>");
  CHECK(s->action_to_string(0, 29) == "<Reveal player +2 rank 5>");
  CHECK(s->action_to_string(kChancePlayer, 7) == "Deal Y3");
}

TEST_CASE("hanabi hand-built game: scores, rewards and the final round after the deck runs out", "[hanabi]") {
  auto s = play("hanabi(preset=mini)", kMiniDeal);
  // Information tokens start at the maximum, so no discard; both colors and both ranks can be revealed to player 1.
  CHECK(s->legal_actions() == std::vector<Action>{3, 4, 5, 6, 7, 8, 9});
  std::vector<double> rewards;
  // P0 plays R1 (+1), draws Y1; P1 plays R1 (fails: a life lost), draws the last card R1; P0 plays R2 (+1, completes
  // red, tokens already at the maximum); P1 plays Y1 (+1), which is the last turn of the final round.
  s = play("hanabi(preset=mini)", {0, 1, 2, 2, 3, 0, 3, 2, 5, 0, 3, 3}, &rewards);
  CHECK(rewards == std::vector<double>{0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1});
  REQUIRE(s->is_terminal());
  CHECK(s->returns() == std::vector<double>{3, 3});
  const auto& h = static_cast<const hanabi::HanabiState&>(*s);
  CHECK(h.life_tokens() == 2);
  CHECK(h.information_tokens() == 3);
  CHECK(h.discarded(0) == 1);
  // Chance probabilities follow the copies left: after the deal R1 and Y1 remain, one each.
  auto d = play("hanabi(preset=mini)", {0, 1, 2, 2, 3, 0, 3});
  CHECK(d->chance_outcomes() == std::vector<std::pair<Action, double>>{{0, 0.5}, {2, 0.5}});
  CHECK(d->chance_outcome_hidden_from(0));
  CHECK_FALSE(d->chance_outcome_hidden_from(1));
}

TEST_CASE("hanabi losing the last life ends the game with reward minus the score", "[hanabi]") {
  std::vector<double> rewards;
  // One life: P0 plays R1 (+1), P1 plays Y1 (+1), P0 plays Y1 onto yellow 1: fails, the game ends at score 0.
  auto s = play("hanabi(preset=mini,max_life_tokens=1)", {0, 1, 2, 2, 3, 0, 3, 2, 3, 0, 4}, &rewards);
  CHECK(rewards == std::vector<double>{0, 0, 0, 0, 0, 0, 1, 0, 1, 0, -2});
  REQUIRE(s->is_terminal());
  CHECK(s->returns() == std::vector<double>{0, 0});
}

TEST_CASE("hanabi token rules: no discard at the maximum, no reveal without tokens", "[hanabi]") {
  CHECK_FALSE(play("hanabi(preset=mini)", kMiniDeal)->is_legal(0));
  // Three reveals spend the three tokens of mini Hanabi: player 1 may then only discard or play.
  auto s = play("hanabi(preset=mini)", {0, 1, 2, 2, 3, 0, 6, 6, 8});
  CHECK(s->legal_actions() == std::vector<Action>{0, 1, 2, 3, 4, 5});
  CHECK_THROWS_AS(s->apply_action(7), Error);
  // The reveals so far: P0 told P1 "color R" (slot 2), P1 told P0 "color R" (slots 0, 1), P0 told P1 "rank 1"
  // (slots 0, 2). A reveal also rules the value out of the untouched cards.
  const auto& h = static_cast<const hanabi::HanabiState&>(*s);
  CHECK(h.knowledge(0, 0).color == 0);
  CHECK(h.knowledge(0, 2).color == -1);
  CHECK(h.knowledge(0, 2).colors == 0b10);
  CHECK(h.knowledge(1, 1).colors == 0b10);
  CHECK(h.knowledge(1, 1).ranks == 0b10);
  CHECK(h.knowledge(1, 2).color == 0);
  CHECK(h.knowledge(1, 2).rank == 0);
  s->apply_action(0);  // P1 discards Y1 and gains a token; the knowledge of the later cards moves down one slot
  REQUIRE(s->is_chance_node());
  CHECK(s->legal_actions() == std::vector<Action>{0, 2});
  s->apply_action(2);
  CHECK(h.information_tokens() == 1);
  CHECK(h.knowledge(1, 0).ranks == 0b10);
  CHECK(h.knowledge(1, 1).rank == 0);
  CHECK(h.knowledge(1, 2).colors == 0b11);
  CHECK(s->legal_actions() == std::vector<Action>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  // A reveal must touch a card: late in the hand-built game player 0 holds Y1 Y1, so player 1 may not reveal red
  // (6) or rank 2 (9) to them (OpenSpiel gives the same list).
  CHECK(play("hanabi(preset=mini)", {0, 1, 2, 2, 3, 0, 3, 2, 5, 0, 3})->legal_actions() ==
        std::vector<Action>{3, 4, 5, 7, 8});
}

TEST_CASE("hanabi final round: every player moves once more after the last draw", "[hanabi]") {
  for (const char* name : {"hanabi", "hanabi(players=3)", "hanabi(preset=mini)", "hanabi(players=3,preset=full_small)"}) {
    auto game = load_game(name);
    const int n = game->num_players();
    int by_deck = 0;
    for (std::uint64_t seed = 0; seed < 200; ++seed) {
      Rng rng(seed);
      auto s = game->new_initial_state();
      int moves_after_empty = -1;
      while (!s->is_terminal()) {
        if (s->is_chance_node()) {
          s->apply_action(rng.sample(s->chance_outcomes()));
          if (static_cast<hanabi::HanabiState&>(*s).deck_size() == 0) moves_after_empty = 0;
          continue;
        }
        // Prefer discards and reveals so that the deck runs out before the lives do.
        auto legal = s->legal_actions();
        std::vector<Action> safe;
        for (Action a : legal)
          if (a < static_cast<const hanabi::HanabiGame&>(*game).config().hand_size ||
              a >= 2 * static_cast<const hanabi::HanabiGame&>(*game).config().hand_size)
            safe.push_back(a);
        if (safe.empty() || rng.uniform() < 0.1) safe = legal;
        s->apply_action(safe[rng.uniform_int(safe.size())]);
        if (moves_after_empty >= 0) ++moves_after_empty;
      }
      const auto& h = static_cast<hanabi::HanabiState&>(*s);
      const bool early = h.life_tokens() == 0 || h.score() == game->max_utility();
      INFO(name << " seed " << seed);
      if (!early) CHECK(moves_after_empty == n);
      if (early && moves_after_empty >= 0) CHECK(moves_after_empty <= n);
      by_deck += !early;
    }
    CHECK(by_deck > 20);
  }
}

TEST_CASE("hanabi views hide a player's own cards", "[hanabi]") {
  auto s = play("hanabi(preset=mini)", kMiniDeal);
  auto j = s->to_json(0);
  for (const auto& c : j["hands"][0]["cards"]) CHECK(c["card"] == "??");
  CHECK(j["hands"][1]["cards"][1]["card"] == "Y2");
  const std::string text = s->observation_text(0);
  CHECK(contains(text, "card 1: Y2 (knows ??, possible colors RY, possible ranks 12)"));
  CHECK(contains(text, "Life tokens: 3 of 3"));
  CHECK(contains(text, "Deck: 2 cards left"));
  CHECK_FALSE(contains(text, "R2"));  // player 0's own R2 is nowhere in their view
  CHECK(s->information_state(0) == "p0:###cda");
  CHECK(s->information_state(1) == "p1:abc###");
}

TEST_CASE("hanabi presets and bad parameters", "[hanabi]") {
  CHECK(load_game("hanabi(preset=standard)")->to_string() == "hanabi");
  CHECK(load_game("hanabi(preset=mini)")->to_string() ==
        "hanabi(colors=2,ranks=2,hand_size=3,max_information_tokens=3)");
  CHECK(static_cast<const hanabi::HanabiGame&>(*load_game("hanabi(players=4)")).config().hand_size == 4);
  CHECK(static_cast<const hanabi::HanabiGame&>(*load_game("hanabi(players=4,hand_size=5)")).config().hand_size == 5);
  CHECK(contains(error_of("hanabi(players=6)"), "players"));
  CHECK(contains(error_of("hanabi(players=1)"), "players"));
  CHECK(contains(error_of("hanabi(colors=0)"), "colors"));
  CHECK(contains(error_of("hanabi(ranks=6)"), "ranks"));
  CHECK(contains(error_of("hanabi(hand_size=6)"), "hand_size"));
  CHECK(contains(error_of("hanabi(max_information_tokens=0)"), "max_information_tokens"));
  CHECK(contains(error_of("hanabi(max_life_tokens=0)"), "max_life_tokens"));
  CHECK(contains(error_of("hanabi(preset=huge)"), "unknown preset 'huge'"));
  const std::string deck = error_of("hanabi(players=5,colors=1,ranks=2)");
  CHECK(contains(deck, "'hand_size'"));
  CHECK(contains(deck, "deck of 4 cards"));
}
