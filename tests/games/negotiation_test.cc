#include "games/api/registry.h"
#include "games/negotiation/negotiation.h"
#include "tests/catch_compat.h"

using namespace arena;
using negotiation::kAccept;
using negotiation::kAskForOffer;
using negotiation::kDeny;

namespace {
// Default game (Wood, Gold; max_offer 5): offers are 7 + (d_wood + 5) + 11 * (d_gold + 5), d > 0 = proposer gives.
Action offer(int d_wood, int d_gold) { return 7 + (d_wood + 5) + 11 * (d_gold + 5); }

// Setup: player 0 starts with Wood 10, Gold 8 and values them 9, 31; player 1 starts with Wood 12, Gold 6 and
// values them 12, 25.
std::unique_ptr<State> dealt(const std::string& game, std::initializer_list<Action> setup = {10, 8, 12, 6, 9, 31, 12,
                                                                                             25}) {
  auto s = load_game(game)->new_initial_state();
  for (Action a : setup) s->apply_action(a);
  return s;
}
void talk_until_end(State& s) {
  while (!s.is_terminal()) s.apply_action(kAskForOffer);
}
const negotiation::NegotiationState& as_neg(const State& s) {
  return static_cast<const negotiation::NegotiationState&>(s);
}
}  // namespace

TEST_CASE("negotiation: hand-built trades give the hand-computed gains and outcomes", "[negotiation]") {
  for (const std::string game : {"negotiation", "negotiation_general_sum"}) {
    const bool general = game == "negotiation_general_sum";
    auto s = dealt(game);
    REQUIRE(s->current_player() == 0);
    CHECK(s->action_to_string(0, offer(-3, 1)) == "<Offer: give 1 Gold, receive 3 Wood>");
    s->apply_action(offer(-3, 1));
    s->apply_action(kAccept);
    // Player 0: Wood 13, Gold 7: 9*3 - 31 = -4. Player 1: Wood 9, Gold 7: -3*12 + 25 = -11.
    CHECK(as_neg(*s).inventory(0)[0] == 13);
    CHECK(as_neg(*s).inventory(0)[1] == 7);
    CHECK(as_neg(*s).inventory(1)[0] == 9);
    CHECK(as_neg(*s).inventory(1)[1] == 7);
    CHECK(as_neg(*s).gain(0) == -4);
    CHECK(as_neg(*s).gain(1) == -11);
    if (general) CHECK(s->rewards() == std::vector<double>{-4, -11});
    CHECK(s->action_to_string(0, offer(2, -1)) == "<Offer: give 2 Wood, receive 1 Gold>");
    s->apply_action(offer(2, -1));
    s->apply_action(kAccept);
    // Player 0: Wood 11, Gold 8: 9*1 = 9. Player 1: Wood 11, Gold 6: -12.
    CHECK(as_neg(*s).gain(0) == 9);
    CHECK(as_neg(*s).gain(1) == -12);
    if (general) CHECK(s->rewards() == std::vector<double>{13, -1});
    CHECK(s->observation_text(1).find("4. Turn 4: player_1 chooses <Accept>: player_0 gave 2 Wood to player_1 and "
                                      "received 1 Gold in return.") != std::string::npos);
    talk_until_end(*s);
    CHECK(s->move_number() == 8 + 10);
    CHECK(s->returns() == (general ? std::vector<double>{9, -12} : std::vector<double>{1, -1}));
  }
}

TEST_CASE("negotiation: a bad trade loses, no trade draws", "[negotiation]") {
  auto s = dealt("negotiation");
  s->apply_action(offer(-1, 5));  // player 0 gives 5 Gold for 1 Wood: 9 - 155 = -146; player 1: -12 + 125 = 113
  s->apply_action(kAccept);
  talk_until_end(*s);
  CHECK(s->returns() == std::vector<double>{-1, 1});
  CHECK(s->rewards() == std::vector<double>{-1, 1});
  auto g = dealt("negotiation_general_sum");
  g->apply_action(offer(-1, 5));
  g->apply_action(kAccept);
  talk_until_end(*g);
  CHECK(g->returns() == std::vector<double>{-146, 113});

  auto d = dealt("negotiation");
  talk_until_end(*d);
  CHECK(d->returns() == std::vector<double>{0, 0});
}

TEST_CASE("negotiation: accept and deny need a standing offer the accepter can pay", "[negotiation]") {
  // Player 0 starts with Wood 5, Gold 8; player 1 with Wood 12, Gold 5.
  auto s = dealt("negotiation", {5, 8, 12, 5, 9, 31, 12, 25});
  // Turn 1, player 0: nothing stands.
  CHECK_FALSE(s->is_legal(kAccept));
  CHECK_FALSE(s->is_legal(kDeny));
  CHECK_THROWS_AS(s->apply_action(kAccept), Error);
  CHECK(s->move_number() == 8);
  s->apply_action(kAskForOffer);
  // Turn 2, player 1: talk is not an offer.
  CHECK_FALSE(s->is_legal(kAccept));
  CHECK_FALSE(s->is_legal(kDeny));
  s->apply_action(offer(-1, 5));  // player 1 gives 5 Gold for 1 Wood
  // Turn 3, player 0 denies.
  CHECK(s->is_legal(kAccept));
  CHECK(s->is_legal(kDeny));
  s->apply_action(kDeny);
  // Turn 4, player 1: the offer has lapsed.
  CHECK_FALSE(s->is_legal(kDeny));
  s->apply_action(offer(1, -5));  // player 1 gives 1 Wood for 5 Gold
  // Turn 5, player 0 (Gold 8) accepts: player 0 Wood 6, Gold 3; player 1 Wood 11, Gold 10.
  REQUIRE(s->is_legal(kAccept));
  s->apply_action(kAccept);
  CHECK(as_neg(*s).inventory(0)[0] == 6);
  CHECK(as_neg(*s).inventory(0)[1] == 3);
  // Turn 6, player 1: the offer is used up.
  CHECK_FALSE(s->is_legal(kAccept));
  s->apply_action(offer(1, -5));  // asks player 0 for 5 Gold; it holds 3
  // Turn 7, player 0 cannot pay: accept is not legal, deny is; it may only offer what it holds.
  CHECK_FALSE(s->is_legal(kAccept));
  CHECK(s->is_legal(kDeny));
  CHECK_THROWS_AS(s->apply_action(kAccept), Error);
  CHECK_FALSE(s->is_legal(offer(-1, 4)));
  CHECK(s->is_legal(offer(-1, 3)));
  CHECK(s->is_legal(offer(5, -1)));
  CHECK_FALSE(s->string_to_action(0, "<Accept>").has_value());
  CHECK(s->string_to_action(0, "<Deny>") == kDeny);
  CHECK(s->observation_text(0).find("You may <Accept> it (not now: you do not hold what it asks) or <Deny> it.") !=
        std::string::npos);
}

TEST_CASE("negotiation: action counts", "[negotiation]") {
  // 3 fixed + 2R messages, then (2K+1)^R offer codes.
  CHECK(load_game("negotiation")->num_distinct_actions() == 7 + 121);
  CHECK(load_game("negotiation(resources=4)")->num_distinct_actions() == 11 + 14641);
  CHECK(load_game("negotiation(resources=3,max_offer=1)")->num_distinct_actions() == 9 + 27);
  // Every player starts with at least 5 of each resource, so at the first turn every well-formed offer is open:
  // R=2, K=5: 5*5 give-Wood-for-Gold + 5*5 the other way = 50, plus 5 messages.
  auto s = dealt("negotiation");
  CHECK(s->legal_actions().size() == 55);
  // R=3, K=1: 27 vectors in {-1,0,1}^3, minus 8 without a +1, minus 8 without a -1, plus the zero vector = 12;
  // plus 7 messages.
  auto t = dealt("negotiation(resources=3,max_offer=1)", {5, 5, 5, 5, 5, 5, 8, 24, 16, 8, 24, 16});
  CHECK(t->legal_actions().size() == 19);
  CHECK(t->action_to_string(0, 3) == "<Say: I need Wood>");
  CHECK(t->action_to_string(0, 8) == "<Say: I can spare Stone>");
  CHECK(load_game("negotiation")->max_chance_outcomes() == 37);
  CHECK(load_game("negotiation_general_sum")->max_utility() == 5 * 5 * (12 + 36));
}

TEST_CASE("negotiation: utilities and privacy", "[negotiation]") {
  CHECK(load_game("negotiation")->type().utility == Utility::kZeroSum);
  CHECK(load_game("negotiation_general_sum")->type().utility == Utility::kGeneralSum);
  auto s = load_game("negotiation")->new_initial_state();
  for (Action a : {10, 8, 12, 6, 9, 31}) s->apply_action(a);
  CHECK(s->chance_outcome_hidden_from(0));
  CHECK_FALSE(s->chance_outcome_hidden_from(1));
  s->apply_action(12);
  s->apply_action(25);
  CHECK(s->information_state(0) == "0|10 8 12 6 9 31 ? ?");
  CHECK(s->information_state(1) == "1|10 8 12 6 ? ? 12 25");
  CHECK(s->observation_text(0).find("Wood 9, Gold 31") != std::string::npos);
  CHECK(s->observation_text(1).find("Wood 9, Gold 31") == std::string::npos);
}

TEST_CASE("negotiation rejects bad parameters", "[negotiation]") {
  CHECK_THROWS_AS(load_game("negotiation(resources=1)"), Error);
  CHECK_THROWS_AS(load_game("negotiation(resources=5)"), Error);
  CHECK_THROWS_AS(load_game("negotiation(max_turns=0)"), Error);
  CHECK_THROWS_AS(load_game("negotiation_general_sum(max_turns=101)"), Error);
  CHECK_THROWS_AS(load_game("negotiation(max_offer=0)"), Error);
  CHECK_THROWS_AS(load_game("negotiation(max_offer=6)"), Error);
  CHECK_THROWS_AS(load_game("negotiation(variant=general_sum)"), Error);
  CHECK(load_game("negotiation(preset=four_resources)")->num_distinct_actions() == 11 + 14641);
}
