// Prompt builders, chat rendering and answer parsing of the language-model text layer. Expected texts are written
// out by hand from reference/mars.md §2, §3 (MARS: system line, GAME RULES / PLAYER INFORMATION / RESPONSE
// INSTRUCTIONS, "Information of Turn-k" blocks, action mode hiding the other player's state) and §8 (SPIRAL).
#include <algorithm>
#include <string>
#include <vector>

#include "agents/lm/text/parse.h"
#include "agents/lm/text/prompt.h"
#include "games/api/registry.h"
#include "games/api/rng.h"
#include "tests/catch_compat.h"

using namespace arena;
using namespace arena::lm;

namespace {

const std::string kOwnTurn =
    "This is your turn. The game state and legal actions for this turn are provided below. Please choose your action "
    "and strictly follow the given output format in the response instructions.\n\n";

const std::string kTicTacToeRules =
    "1. Tic-tac-toe is a two-player game played on a 3 by 3 grid. The grid is 0-indexed: (0,0) is the top-left corner "
    "and (2,2) is the bottom-right corner.\n"
    "2. Two players take turns placing their marks X and O in empty cells of the grid. Player 0 plays X and moves "
    "first; player 1 plays O.\n"
    "3. The first player to get three of their marks in a horizontal, vertical or diagonal line wins (+1; the other "
    "player gets -1).\n"
    "4. If all nine cells are filled and no player has three in a line, the game is a draw (0 each).";

const std::string kKuhnRules =
    "1. Kuhn poker is a two-player card game played with a deck of three cards: Jack (J) < Queen (Q) < King (K).\n"
    "2. Each player puts an ante of 1 chip into the pot and is dealt one private card; the third card is not used. "
    "You see only your own card.\n"
    "3. Player 0 acts first. On each turn a player chooses <PASS> or <BET>:\n"
    "   - <BET> puts one more chip into the pot (a bet, or a call of the other player's bet).\n"
    "   - <PASS> puts nothing in: it is a check when nobody has bet, and a fold when facing a bet.\n"
    "4. The hand ends when: both players pass (showdown); one bets and the other calls with <BET> (showdown); or one "
    "bets and the other passes (fold: the bettor wins the pot without showdown).\n"
    "5. At showdown the higher card wins the pot. The winner gains what the loser put into the pot: 1 chip after "
    "pass-pass or a fold, 2 chips after a called bet.";

std::string competitive_prefix(const std::string& rules, Player p, const std::string& example, bool full) {
  return "GAME RULES:\n" + rules +
         "\n\nPLAYER INFORMATION:\n"
         "1. You are player_" + std::to_string(p) + ". You are competing with player_" + std::to_string(1 - p) +
         ".\n"
         "2. In each of your turns, you are given the game state as you see it under GAME STATE and the legal actions "
         "for that turn under LEGAL ACTIONS. Choose your action based on the game state and the history of the game "
         "so far.\n"
         "3. Each legal action is an exact string, such as `" + example +
         "`; your answer must copy one of them character for character.\n" +
         (full ? "4. For the other player's turns, you are given the game state, the legal actions and the action "
                 "chosen in that turn."
               : "4. The game state shows only what you are allowed to see. For the other player's turns, you are "
                 "given only the action chosen in that turn, when it is visible to you.") +
         "\n\nRESPONSE INSTRUCTIONS:\n"
         "Always choose only one action from the legal actions and output `<answer>{your chosen action}</answer>` "
         "with no extra text after you finish the thinking process. For example, `<answer>" + example +
         "</answer>`. Strictly follow the above format and keep your thinking process concise. Responses that do not "
         "follow the format will result in immediate loss of the game.\n\n";
}

std::unique_ptr<State> play(const std::string& game, std::initializer_list<Action> actions) {
  auto s = load_game(game)->new_initial_state();
  for (Action a : actions) s->apply_action(a);
  return s;
}

const std::vector<std::string> kAllX = {"<X(0,0)>", "<X(0,1)>", "<X(0,2)>", "<X(1,0)>", "<X(1,1)>",
                                        "<X(1,2)>", "<X(2,0)>", "<X(2,1)>", "<X(2,2)>"};
const std::vector<std::string> kKuhnLegal = {"<PASS>", "<BET>"};

// Tic-Tac-Toe, player 0 to move after X center, O corner, X corner, O corner; two earlier own turns.
std::unique_ptr<State> ttt_midgame() { return play("tic_tac_toe", {4, 0, 8, 2}); }

}  // namespace

TEST_CASE("MARS first prompt of Tic-Tac-Toe, player 0", "[lm][prompt]") {
  auto s = play("tic_tac_toe", {});
  const auto m = mars_messages(*s, 0, {});
  REQUIRE(m.size() == 2);
  CHECK(m[0].role == "system");
  CHECK(m[0].content == "You are an AI agent that makes optimal decisions to win in the game of Tic-Tac-Toe.");
  CHECK(m[1].role == "user");
  const std::string user = competitive_prefix(kTicTacToeRules, 0, "<X(0,0)>", true) +
                           "Information of Turn-1:\n\n" + kOwnTurn +
                           "GAME STATE:\n___\n___\n___\n\n"
                           "LEGAL ACTIONS:\n<X(0,0)>, <X(0,1)>, <X(0,2)>, <X(1,0)>, <X(1,1)>, <X(1,2)>, <X(2,0)>, "
                           "<X(2,1)>, <X(2,2)>.\n\n";
  CHECK(m[1].content == user);
  // MARS template: no newline after <|im_end|>, thinking forced open (mars.md §2, §3).
  CHECK(render_chat(m, ChatStyle::kMars, true) ==
        "<|im_start|>system\nYou are an AI agent that makes optimal decisions to win in the game of Tic-Tac-Toe."
        "<|im_end|><|im_start|>user\n" + user + "<|im_end|><|im_start|>assistant\n<think>\n");
}

TEST_CASE("MARS Kuhn prompt of player 1 after the opponent's bet hides the opponent's state", "[lm][prompt]") {
  auto s = play("kuhn_poker", {0, 2, 1});  // player 0 holds the Jack, player 1 the King; player 0 bets
  const auto m = mars_messages(*s, 1, {});
  REQUIRE(m.size() == 2);
  CHECK(m[0].content == "You are an AI agent that makes optimal decisions to win in the game of Kuhn Poker.");
  // The turn blocks are mars.md §3's example, word for word.
  CHECK(m[1].content ==
        competitive_prefix(kKuhnRules, 1, "<PASS>", false) +
            "Information of Turn-1:\n\nThis is the other player's turn. The game state for this turn is not "
            "available to you. The chosen action of the other player for this turn is provided below.\n\n"
            "CHOSEN ACTION:\n<BET>\n"
            "Information of Turn-2:\n\n" + kOwnTurn +
            "GAME STATE:\n1. Blind ante: both player_0 and player_1 place 1 chip into the pot.\n"
            "2. Deal: your card is King (K).\n3. Turn 1: player_0 chooses to <BET>.\n\n"
            "LEGAL ACTIONS:\n<PASS>, <BET>.\n\n");
  CHECK(m[1].content.find("Jack (J).") == std::string::npos);
}

TEST_CASE("SPIRAL Kuhn prompt of player 1", "[lm][prompt]") {
  auto s = play("kuhn_poker", {0, 2, 1});
  const auto m = spiral_messages(*s, 1);
  REQUIRE(m.size() == 1);
  CHECK(m[0].role == "user");
  const std::string expected =
      "You are playing a two-player zero-sum game. Make valid actions to win.\n"
      "Observation: GAME RULES:\n" + kKuhnRules +
      "\n\nYou are player_1. Your opponent is player_0.\n\n"
      "GAME STATE:\n1. Blind ante: both player_0 and player_1 place 1 chip into the pot.\n"
      "2. Deal: your card is King (K).\n3. Turn 1: player_0 chooses to <BET>.\n\n"
      "ACTION HISTORY:\nTurn 1: player_0 chose <BET>.\n\n"
      "LEGAL ACTIONS (answer with one of them, exactly as written):\n<PASS>, <BET>.\n"
      "Please reason step by step, and put your final answer within \\boxed{}.";
  CHECK(m[0].content == expected);
  CHECK(render_chat(m, ChatStyle::kQwen, true) ==
        "<|im_start|>user\n" + expected + "<|im_end|>\n<|im_start|>assistant\n");
}

TEST_CASE("MARS history interleaves own raw responses with the turn blocks", "[lm][prompt]") {
  auto s = ttt_midgame();
  const std::vector<std::string> responses = {"<think>\ncenter first\n</think>\n<answer><X(1,1)></answer>",
                                              "<think>\nopposite corner\n</think>\n<answer><X(2,2)></answer>"};
  const auto m = mars_messages(*s, 0, responses);
  REQUIRE(m.size() == 6);
  const std::vector<std::string> roles = {"system", "user", "assistant", "user", "assistant", "user"};
  for (size_t i = 0; i < m.size(); ++i) CHECK(m[i].role == roles[i]);
  CHECK(m[2].content == responses[0]);
  CHECK(m[4].content == responses[1]);
  // Perfect information: the other player's turn is shown in full, as player 0 saw the board then.
  CHECK(m[3].content ==
        "Information of Turn-2:\n\nThis is the other player's turn. The game state, legal actions, as well as the "
        "chosen action of the other player for this turn are provided below.\n\n"
        "GAME STATE:\n___\n_X_\n___\n\n"
        "LEGAL ACTIONS:\n<O(0,0)>, <O(0,1)>, <O(0,2)>, <O(1,0)>, <O(1,2)>, <O(2,0)>, <O(2,1)>, <O(2,2)>.\n\n"
        "CHOSEN ACTION:\n<O(0,0)>\n"
        "Information of Turn-3:\n\n" + kOwnTurn +
        "GAME STATE:\nO__\n_X_\n___\n\n"
        "LEGAL ACTIONS:\n<X(0,1)>, <X(0,2)>, <X(1,0)>, <X(1,2)>, <X(2,0)>, <X(2,1)>, <X(2,2)>.\n\n");
  CHECK(m[5].content ==
        "Information of Turn-4:\n\nThis is the other player's turn. The game state, legal actions, as well as the "
        "chosen action of the other player for this turn are provided below.\n\n"
        "GAME STATE:\nO__\n_X_\n__X\n\n"
        "LEGAL ACTIONS:\n<O(0,1)>, <O(0,2)>, <O(1,0)>, <O(1,2)>, <O(2,0)>, <O(2,1)>.\n\n"
        "CHOSEN ACTION:\n<O(0,2)>\n"
        "Information of Turn-5:\n\n" + kOwnTurn +
        "GAME STATE:\nO_O\n_X_\n__X\n\n"
        "LEGAL ACTIONS:\n<X(0,1)>, <X(1,0)>, <X(1,2)>, <X(2,0)>, <X(2,1)>.\n\n");
}

TEST_CASE("MARS history substitutes <answer>{action}</answer> for missing responses", "[lm][prompt]") {
  auto s = ttt_midgame();
  const auto none = mars_messages(*s, 0, {});
  REQUIRE(none.size() == 6);
  CHECK(none[2].content == "<answer><X(1,1)></answer>");
  CHECK(none[4].content == "<answer><X(2,2)></answer>");
  const std::vector<std::string> one = {"<think>\nx\n</think><answer><X(1,1)></answer>"};
  const auto partial = mars_messages(*s, 0, one);
  CHECK(partial[2].content == one[0]);
  CHECK(partial[4].content == "<answer><X(2,2)></answer>");
  const std::vector<std::string> gap = {"", "<think>\ny\n</think><answer><X(2,2)></answer>", "extra"};
  const auto gapped = mars_messages(*s, 0, gap);
  CHECK(gapped.size() == 6);
  CHECK(gapped[2].content == "<answer><X(1,1)></answer>");
  CHECK(gapped[4].content == gap[1]);
  // Only the player to move gets a prompt.
  REQUIRE_THROWS_AS(mars_messages(*s, 1, {}), arena::Error);
  REQUIRE_THROWS_AS(spiral_messages(*s, 1), arena::Error);
}

TEST_CASE("Retry notes name the error and ask again", "[lm][prompt]") {
  auto s = play("kuhn_poker", {0, 2, 1});
  RetryInfo retry{1, "no <answer>...</answer> block directly after </think>", "<think>\nhmm\n</think>\nBET"};
  const auto m = mars_messages(*s, 1, {}, &retry);
  REQUIRE(m.size() == 4);
  CHECK(m[2].role == "assistant");
  CHECK(m[2].content == retry.rejected_response);
  CHECK(m[3].role == "user");
  CHECK(m[3].content ==
        "Your previous answer was invalid: no <answer>...</answer> block directly after </think>. Please answer "
        "again: choose exactly one action from the legal actions and output `<answer>{your chosen action}</answer>`.");
  RetryInfo bare{2, "'<FOLD>' is not one of the legal actions: <PASS>, <BET>", ""};
  const auto sp = spiral_messages(*s, 1, &bare);
  REQUIRE(sp.size() == 1);
  const std::string tail = "within \\boxed{}.\nYour previous answer was invalid: '<FOLD>' is not one of the legal "
                           "actions: <PASS>, <BET>. Please answer again: reason step by step, and put your final "
                           "answer (one of the legal actions, exactly as written) within \\boxed{}.";
  CHECK(sp[0].content.substr(sp[0].content.size() - tail.size()) == tail);
  RetryInfo first{0, "ignored", "ignored"};
  CHECK(mars_messages(*s, 1, {}, &first).size() == 2);
}

TEST_CASE("Segments concatenate to the rendered chat and mark only assistant content", "[lm][prompt]") {
  auto s = ttt_midgame();
  const std::vector<std::string> responses = {"<think>\na\n</think>\n<answer><X(1,1)></answer>",
                                              "<think>\nb\n</think>\n<answer><X(2,2)></answer>"};
  const auto m = mars_messages(*s, 0, responses);
  for (ChatStyle style : {ChatStyle::kMars, ChatStyle::kQwen})
    for (bool gen : {false, true}) {
      const auto segs = render_segments(m, style, gen);
      std::string joined;
      std::vector<std::string> marked;
      for (const auto& seg : segs) {
        joined += seg.text;
        if (seg.assistant) marked.push_back(seg.text);
      }
      CHECK(joined == render_chat(m, style, gen));
      CHECK(marked == std::vector<std::string>{responses[0] + "<|im_end|>", responses[1] + "<|im_end|>"});
      CHECK_FALSE(segs.front().assistant);
      CHECK_FALSE(segs.back().assistant);
      if (gen) CHECK(segs.back().text.substr(segs.back().text.size() - generation_prompt(style).size()) ==
                     generation_prompt(style));
      const bool has_newline_after_end = joined.find("<|im_end|>\n") != std::string::npos;
      CHECK(has_newline_after_end == (style == ChatStyle::kQwen));
    }
  const std::vector<ChatMessage> small = {{"system", "S"}, {"user", "U"}, {"assistant", "A"}, {"user", "V"}};
  CHECK(render_chat(small, ChatStyle::kMars, true) ==
        "<|im_start|>system\nS<|im_end|><|im_start|>user\nU<|im_end|><|im_start|>assistant\nA<|im_end|>"
        "<|im_start|>user\nV<|im_end|><|im_start|>assistant\n<think>\n");
  CHECK(render_chat(small, ChatStyle::kQwen, false) ==
        "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n"
        "<|im_start|>user\nV<|im_end|>\n");
}

TEST_CASE("Perfect information shows the other player's turns in full, imperfect only the action", "[lm][prompt]") {
  auto c4 = play("connect_four", {3});
  CHECK(opponent_turns_for(c4->game().type()) == OpponentTurns::kFull);
  const auto c4_turns = turn_history(*c4, 1, OpponentTurns::kFull);
  REQUIRE(c4_turns.size() == 2);
  CHECK(c4_turns[0].state_shown);
  CHECK(c4_turns[0].state_text == "_______\n_______\n_______\n_______\n_______\n_______");
  CHECK(c4_turns[0].legal ==
        std::vector<std::string>{"<X(0)>", "<X(1)>", "<X(2)>", "<X(3)>", "<X(4)>", "<X(5)>", "<X(6)>"});
  CHECK(c4_turns[0].chosen == std::optional<std::string>("<X(3)>"));
  CHECK(c4_turns[1].current);
  CHECK_FALSE(c4_turns[1].chosen);
  CHECK(mars_messages(*c4, 1, {})[1].content.find("GAME STATE:\n_______\n") != std::string::npos);

  auto leduc = play("leduc_poker", {0, 2, 1});  // deals, then player 0 calls
  CHECK(opponent_turns_for(leduc->game().type()) == OpponentTurns::kAction);
  const auto lt = turn_history(*leduc, 1, OpponentTurns::kAction);
  REQUIRE(lt.size() == 2);
  CHECK_FALSE(lt[0].state_shown);
  CHECK(lt[0].state_text.empty());
  CHECK(lt[0].legal.empty());
  CHECK(lt[0].chosen == std::optional<std::string>("<CALL>"));
  const std::string user = mars_messages(*leduc, 1, {})[1].content;
  CHECK(user.find("Information of Turn-1:\n\nThis is the other player's turn. The game state for this turn is not "
                  "available to you. The chosen action of the other player for this turn is provided below.\n\n"
                  "CHOSEN ACTION:\n<CALL>\nInformation of Turn-2:\n\n" + kOwnTurn) != std::string::npos);
}

TEST_CASE("Chance nodes are not turns", "[lm][prompt]") {
  // Leduc: two deals, call, call, the public card, then player 0 opens round 2.
  auto s = play("leduc_poker", {0, 2, 1, 1});
  REQUIRE(s->is_chance_node());
  s->apply_action(s->legal_actions().front());
  REQUIRE(s->current_player() == 0);
  const auto turns = turn_history(*s, 0, OpponentTurns::kAction);
  REQUIRE(turns.size() == 3);
  CHECK(turns[0].own);
  CHECK_FALSE(turns[1].own);
  CHECK(turns[2].current);
  CHECK(turns[2].state_text.find("Public card:") != std::string::npos);
  const std::string user = mars_messages(*s, 0, {})[3].content;
  CHECK(user.find("Information of Turn-3:") != std::string::npos);
  CHECK(user.find("Turn-4") == std::string::npos);
  for (const auto& t : turns)
    if (t.chosen) CHECK(t.chosen->find("Deal") == std::string::npos);
}

TEST_CASE("An action the game hides from the viewer is not shown", "[lm][prompt]") {
  // Goofspiel bids are sealed: player 1 must not learn player 0's bid before bidding itself.
  auto s = load_game("goofspiel")->new_initial_state();
  while (s->is_chance_node()) s->apply_action(s->legal_actions().front());
  REQUIRE(s->current_player() == 0);
  s->apply_action(s->legal_actions().back());
  while (s->is_chance_node()) s->apply_action(s->legal_actions().front());
  REQUIRE(s->current_player() == 1);
  const auto turns = turn_history(*s, 1, OpponentTurns::kAction);
  REQUIRE(turns.size() == 2);
  CHECK_FALSE(turns[0].chosen);
  const std::string user = mars_messages(*s, 1, {})[1].content;
  CHECK(user.find("The game state and the chosen action of the other player for this turn are not available to "
                  "you.\n\nInformation of Turn-2:") != std::string::npos);
  CHECK(user.find("CHOSEN ACTION") == std::string::npos);
  CHECK(spiral_messages(*s, 1)[0].content.find("Turn 1: player_0 acted; the action is hidden from you.") !=
        std::string::npos);
  // Once player 1 has bid the round is resolved and both bids are public: player 0 sees player 1's bid.
  s->apply_action(s->legal_actions().front());
  while (s->is_chance_node()) s->apply_action(s->legal_actions().front());
  REQUIRE(s->current_player() == 0);
  const auto seen = turn_history(*s, 0, OpponentTurns::kAction);
  REQUIRE(seen.size() == 3);
  CHECK(seen[1].chosen.has_value());
}

TEST_CASE("Prompts never contain the other player's private card", "[lm][prompt]") {
  static const char* kKuhnCards[3] = {"Jack (J)", "Queen (Q)", "King (K)"};
  auto leduc_card = [](Action c) {
    static const char* kRanks[3] = {"Jack", "Queen", "King"};
    static const char* kSuits[2] = {"Spades", "Hearts"};
    static const char kLetters[3] = {'J', 'Q', 'K'};
    return std::string(kRanks[c / 2]) + " of " + kSuits[c % 2] + " (" + kLetters[c / 2] + ")";
  };
  int checked = 0;
  for (const std::string game : {"kuhn_poker", "leduc_poker"}) {
    auto g = load_game(game);
    const std::string rules = g->rules_text();
    for (std::uint64_t seed = 0; seed < 60; ++seed) {
      Rng rng(seed);
      auto s = g->new_initial_state();
      while (!s->is_terminal()) {
        const auto legal = s->legal_actions();
        if (s->current_player() >= 0) {
          const Player p = s->current_player();
          const auto& h = s->history();
          auto name = [&](Player q) {
            return game == "kuhn_poker" ? std::string(kKuhnCards[h[q]]) : leduc_card(h[q]);
          };
          for (ChatStyle style : {ChatStyle::kMars, ChatStyle::kQwen}) {
            std::string text = style == ChatStyle::kMars ? render_chat(mars_messages(*s, p, {}), style, true)
                                                         : render_chat(spiral_messages(*s, p), style, true);
            for (size_t at; (at = text.find(rules)) != std::string::npos;) text.erase(at, rules.size());
            CHECK(text.find("your card is " + name(p)) != std::string::npos);
            CHECK(text.find(name(1 - p)) == std::string::npos);
            ++checked;
          }
        }
        s->apply_action(legal[rng.uniform_int(legal.size())]);
      }
    }
  }
  CHECK(checked > 200);
}

TEST_CASE("MARS answers parse exactly as the released regex does", "[lm][parse]") {
  const auto fmt = PromptFormat::kMars;
  auto ok = [&](const std::string& r) { return parse_answer(r, fmt, kAllX); };
  CHECK(ok("<think>\nTake the center.\n</think>\n<answer><X(1,1)></answer>").index == 4);
  CHECK(ok("<think>\nx\n</think><answer><X(1,1)></answer>\n<|im_end|>\n").index == 4);
  CHECK(ok("<think>\nx\n</think><answer><X(1,1)></answer><|endoftext|>").index == 4);
  CHECK(ok("<think>\nx\n</think>\n<answer> <X(0,0)> || <X(1,1)> </answer>").index == 0);
  CHECK(ok("<think>\nx\n</think>\n<answer><|im_end|><X(2,2)></answer>").index == 8);
  // The lazy think group backtracks to a later </think> that is followed by <answer>.
  CHECK(ok("<think>a</think> not yet </think>\n<answer><X(0,1)></answer>").index == 1);

  auto err = [&](const std::string& r) {
    const ParsedAnswer a = parse_answer(r, fmt, kAllX);
    CHECK_FALSE(a.ok());
    return a.error;
  };
  CHECK(err("<answer><X(1,1)></answer>").find("must start with <think>") != std::string::npos);
  CHECK(err("<think>\nstill thinking").find("never closed with </think>") != std::string::npos);
  CHECK(err("<think>\nx\n</think>\nI play <X(1,1)>").find("no <answer>...</answer> block") != std::string::npos);
  CHECK(err("<think>\nx\n</think>\n<answer><X(1,1)></answer> Good luck!").find("extra text after </answer>") !=
        std::string::npos);
  CHECK(err("<think>\nx\n</think>\n<answer><X(1,1)>").find("never closed with </answer>") != std::string::npos);
  CHECK(err("<think>\nx\n</think>\n<answer> </answer>") == "the <answer> block is empty");
  CHECK(err("<think>\nx\n</think>\n<answer><X(3,3)></answer>") ==
        "'<X(3,3)>' is not one of the legal actions: <X(0,0)>, <X(0,1)>, <X(0,2)>, <X(1,0)>, <X(1,1)>, <X(1,2)>, "
        "<X(2,0)>, <X(2,1)>, <X(2,2)>");
  const ParsedAnswer wrong_case = parse_answer("<think>\nx\n</think>\n<answer><x(1,1)></answer>", fmt, kAllX);
  CHECK_FALSE(wrong_case.ok());
  CHECK(wrong_case.action_text == "<x(1,1)>");
  CHECK(wrong_case.error.find("did you mean '<X(1,1)>'?") != std::string::npos);
  // No bracket leniency in MARS: the exact legal string is required.
  CHECK_FALSE(parse_answer("<think>\nx\n</think>\n<answer>BET</answer>", fmt, kKuhnLegal).ok());
}

TEST_CASE("SPIRAL answers: last boxed, nested braces, bracket leniency", "[lm][parse]") {
  const auto fmt = PromptFormat::kSpiral;
  CHECK(parse_answer("I hold the King.\n\\boxed{<BET>}", fmt, kKuhnLegal).index == 1);
  const ParsedAnswer bare = parse_answer("so \\boxed{ BET }", fmt, kKuhnLegal);
  CHECK(bare.index == 1);
  CHECK(bare.action_text == "<BET>");
  CHECK(parse_answer("first \\boxed{PASS}, on reflection \\boxed{<BET>}.", fmt, kKuhnLegal).index == 1);
  CHECK(parse_answer("\\boxed{<PASS>} and then \\boxed{<BE", fmt, kKuhnLegal).index == 0);
  const std::vector<std::string> offers = {"<Offer {1,2}>", "<Accept>"};
  CHECK(parse_answer("\\boxed{<Offer {1,2}>}", fmt, offers).index == 0);
  const ParsedAnswer nested = parse_answer("\\boxed{\\text{BET}}", fmt, kKuhnLegal);
  CHECK_FALSE(nested.ok());
  CHECK(nested.action_text == "\\text{BET}");
  CHECK(parse_answer("I bet.", fmt, kKuhnLegal).error == "no \\boxed{...} answer in the response");
  CHECK(parse_answer("\\boxed{<BET>", fmt, kKuhnLegal).error == "the \\boxed{ is never closed with }");
  CHECK(parse_answer("\\boxed{}", fmt, kKuhnLegal).error == "the \\boxed{} answer is empty");
  CHECK_FALSE(parse_answer("\\boxed{bet}", fmt, kKuhnLegal).ok());
}

TEST_CASE("Constrained continuations parse back to their action", "[lm][parse]") {
  CHECK(constrained_prefix(PromptFormat::kMars) == "</think>\n<answer>");
  CHECK(constrained_suffix(PromptFormat::kMars) == "</answer>");
  CHECK(constrained_prefix(PromptFormat::kSpiral) == "\\boxed{");
  CHECK(constrained_suffix(PromptFormat::kSpiral) == "}");
  for (size_t i = 0; i < kAllX.size(); ++i) {
    // The stored MARS response starts with the "<think>\n" that the generation prompt forced.
    const std::string raw = "<think>\n" + constrained_continuation(PromptFormat::kMars, kAllX[i]);
    CHECK(parse_answer(raw, PromptFormat::kMars, kAllX).index == static_cast<int>(i));
    CHECK(parse_answer(constrained_continuation(PromptFormat::kSpiral, kAllX[i]), PromptFormat::kSpiral, kAllX)
              .index == static_cast<int>(i));
  }
  CHECK(generation_prompt(chat_style_for(PromptFormat::kMars)) == "<|im_start|>assistant\n<think>\n");
  CHECK(generation_prompt(chat_style_for(PromptFormat::kSpiral)) == "<|im_start|>assistant\n");
}

TEST_CASE("Cooperative games ask for the highest score", "[lm][prompt]") {
  auto s = load_game("hanabi")->new_initial_state();
  while (s->is_chance_node()) s->apply_action(s->legal_actions().front());
  const auto m = mars_messages(*s, s->current_player(), {});
  CHECK(m[0].content == "You are an AI agent that makes optimal decisions to achieve the highest score in the game "
                        "of Hanabi.");
  CHECK(m[1].content.find("You are cooperating with player_1; all players share one score.") != std::string::npos);
  CHECK(m[1].content.find("immediate loss of the game") == std::string::npos);
  CHECK(spiral_messages(*s, s->current_player())[0].content.find(
            "You are playing a two-player cooperative game. Make valid actions to achieve the highest score.") == 0);
}

TEST_CASE("Every registered game gives prompts whose legal strings parse back", "[lm][prompt]") {
  for (const std::string& name : GameRegistry::global().names()) {
    INFO(name);
    auto g = load_game(name);
    Rng rng(7);
    auto s = g->new_initial_state();
    while (!s->is_terminal()) {
      const auto legal = s->legal_actions();
      const Action a = legal[rng.uniform_int(legal.size())];
      if (s->current_player() >= 0) {
        const Player p = s->current_player();
        const auto turns = turn_history(*s, p, opponent_turns_for(g->type()));
        REQUIRE(turns.back().current);
        REQUIRE(turns.back().legal.size() == legal.size());
        const std::string text = render_chat(mars_messages(*s, p, {}), ChatStyle::kMars, true);
        CHECK(text.find(turns.back().state_text) != std::string::npos);
        CHECK_FALSE(spiral_messages(*s, p)[0].content.empty());
        const std::string chosen = s->action_to_string(p, a);
        const int index = static_cast<int>(std::find(legal.begin(), legal.end(), a) - legal.begin());
        for (PromptFormat fmt : {PromptFormat::kMars, PromptFormat::kSpiral}) {
          const std::string raw = (fmt == PromptFormat::kMars ? "<think>\n" : "") + constrained_continuation(fmt, chosen);
          CHECK(parse_answer(raw, fmt, turns.back().legal).index == index);
        }
      }
      s->apply_action(a);
    }
  }
}
