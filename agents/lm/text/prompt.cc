#include "agents/lm/text/prompt.h"

#include <utility>

#include "games/api/params.h"

namespace arena::lm {
namespace {

std::string trim_trailing_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string join(std::span<const std::string> items, std::string_view sep) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) s += sep;
    s += items[i];
  }
  return s;
}

std::string seat(Player p) { return "player_" + std::to_string(p); }

// "player_1", "player_1 and player_2", "player_0, player_2 and player_3".
std::string others_of(Player p, int n) {
  std::vector<std::string> names;
  for (Player q = 0; q < n; ++q)
    if (q != p) names.push_back(seat(q));
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) s += i + 1 == names.size() ? " and " : ", ";
    s += names[i];
  }
  return s;
}

bool cooperative(const GameType& t) { return t.utility == Utility::kIdentical; }

// How the turn blocks name the actor of another player's turn: MARS's two-player wording, a seat name otherwise.
std::string other_name(Player actor, int n) { return n == 2 ? "the other player" : seat(actor); }

// An action is visible to `viewer` when no other legal action of that moment leads to the same information state
// of the viewer. Perfect-information games show every action.
bool action_visible(const State& at, Player actor, Action chosen, Player viewer) {
  if (at.game().type().information == Information::kPerfect || actor == viewer) return true;
  auto key_after = [&](Action a) {
    auto next = at.clone();
    next->apply_action(a);
    return next->information_state(viewer);
  };
  const std::string chosen_key = key_after(chosen);
  for (Action a : at.legal_actions())
    if (a != chosen && key_after(a) == chosen_key) return false;
  return true;
}

Turn describe_turn(const State& at, Player actor, Player viewer, OpponentTurns mode) {
  Turn t;
  t.player = actor;
  t.own = actor == viewer;
  t.state_shown = t.own || mode == OpponentTurns::kFull;
  if (t.state_shown) {
    t.state_text = trim_trailing_newlines(at.observation_text(viewer));
    for (Action a : at.legal_actions()) t.legal.push_back(at.action_to_string(actor, a));
  }
  return t;
}

void require_to_move(const State& state, Player p, std::string_view format) {
  if (p < 0 || p >= state.num_players() || state.current_player() != p)
    throw Error(std::string(format) + " prompt: " + seat(p) + " is not to move in this state (current player: " +
                std::to_string(state.current_player()) + ")");
}

// MARS PLAYER INFORMATION (mars.md §3), derived from the game type instead of written per game.
std::string player_information(const State& state, Player p, OpponentTurns mode, const std::string& example) {
  const GameType& type = state.game().type();
  const int n = state.num_players();
  const std::string others = others_of(p, n);
  std::string s = "1. You are " + seat(p) + ". ";
  switch (type.utility) {
    case Utility::kZeroSum:
    case Utility::kConstantSum: s += "You are competing with " + others + ".\n"; break;
    case Utility::kIdentical: s += "You are cooperating with " + others + "; all players share one score.\n"; break;
    case Utility::kGeneralSum: s += "You are playing with " + others + "; every player has their own payoff.\n"; break;
  }
  s += "2. In each of your turns, you are given the game state as you see it under GAME STATE and the legal actions "
       "for that turn under LEGAL ACTIONS. Choose your action based on the game state and the history of the game "
       "so far.\n";
  s += "3. Each legal action is an exact string, such as `" + example +
       "`; your answer must copy one of them character for character.\n";
  const std::string whose = n == 2 ? "the other player's turns" : "the other players' turns";
  if (mode == OpponentTurns::kFull)
    s += "4. For " + whose + ", you are given the game state, the legal actions and the action chosen in that turn.";
  else
    s += "4. The game state shows only what you are allowed to see. For " + whose +
         ", you are given only the action chosen in that turn, when it is visible to you.";
  return s;
}

// RESPONSE INSTRUCTIONS: the wording of MARS's Tic-Tac-Toe env (mars.md §3), example = the first legal action.
std::string response_instructions(const GameType& type, const std::string& example) {
  const std::string failure = cooperative(type) ? "will immediately end the game and lose the score reached so far"
                                                : "will result in immediate loss of the game";
  return "Always choose only one action from the legal actions and output `<answer>{your chosen action}</answer>` "
         "with no extra text after you finish the thinking process. For example, `<answer>" + example +
         "</answer>`. Strictly follow the above format and keep your thinking process concise. Responses that do "
         "not follow the format " + failure + ".";
}

// One "Information of Turn-k" block; the sentences are MARS's env_manager._format_messages (mars.md §2): own turn,
// other's turn in "full" mode, other's turn in "action" mode. MARS's games never hide a chosen action, so the two
// wordings for a hidden action (Goofspiel's sealed bids) are ours, as is naming the seat when there are more than
// two players.
std::string mars_turn_block(const Turn& t, int k, int num_players) {
  std::string s = "Information of Turn-" + std::to_string(k) + ":\n\n";
  auto state_and_legal = [&] {
    return "GAME STATE:\n" + t.state_text + "\n\nLEGAL ACTIONS:\n" + join(t.legal, ", ") + ".\n\n";
  };
  if (t.own) {
    return s + "This is your turn. The game state and legal actions for this turn are provided below. Please choose "
               "your action and strictly follow the given output format in the response instructions.\n\n" +
           state_and_legal();
  }
  const std::string who = other_name(t.player, num_players);
  s += "This is " + who + "'s turn. ";
  if (t.state_shown && t.chosen) {
    s += "The game state, legal actions, as well as the chosen action of " + who +
         " for this turn are provided below.\n\n" + state_and_legal();
  } else if (t.state_shown) {
    s += "The game state and legal actions for this turn are provided below; the chosen action of " + who +
         " is not available to you.\n\n" + state_and_legal();
  } else if (t.chosen) {
    s += "The game state for this turn is not available to you. The chosen action of " + who +
         " for this turn is provided below.\n\n";
  } else {
    s += "The game state and the chosen action of " + who + " for this turn are not available to you.\n\n";
  }
  if (t.chosen) s += "CHOSEN ACTION:\n" + *t.chosen + "\n";
  return s;
}

std::string strip_final_period(std::string s) {
  while (!s.empty() && (s.back() == '.' || s.back() == ' ' || s.back() == '\n')) s.pop_back();
  return s;
}

std::string retry_note(const RetryInfo& r, PromptFormat fmt) {
  const std::string how = fmt == PromptFormat::kMars
                              ? "choose exactly one action from the legal actions and output "
                                "`<answer>{your chosen action}</answer>`."
                              : "reason step by step, and put your final answer (one of the legal actions, exactly "
                                "as written) within \\boxed{}.";
  return "Your previous answer was invalid: " + strip_final_period(r.error) + ". Please answer again: " + how;
}

void append_retry(std::vector<ChatMessage>& messages, const RetryInfo* retry, PromptFormat fmt) {
  if (!retry || retry->attempt <= 0) return;
  if (!retry->rejected_response.empty()) {
    messages.push_back({"assistant", retry->rejected_response});
    messages.push_back({"user", retry_note(*retry, fmt)});
  } else {
    std::string& last = messages.back().content;
    if (!last.empty() && last.back() != '\n') last += '\n';
    last += retry_note(*retry, fmt);
  }
}

}  // namespace

OpponentTurns opponent_turns_for(const GameType& type) {
  return type.information == Information::kPerfect ? OpponentTurns::kFull : OpponentTurns::kAction;
}

std::vector<Turn> turn_history(const State& state, Player viewer, OpponentTurns mode) {
  std::vector<Turn> turns;
  auto replayed = state.game().new_initial_state();
  for (Action a : state.history()) {
    const Player actor = replayed->current_player();
    if (actor >= 0) {
      Turn t = describe_turn(*replayed, actor, viewer, mode);
      if (action_visible(*replayed, actor, a, viewer)) t.chosen = replayed->action_to_string(actor, a);
      turns.push_back(std::move(t));
    }
    replayed->apply_action(a);
  }
  const Player to_move = replayed->current_player();
  if (to_move >= 0) {
    Turn t = describe_turn(*replayed, to_move, viewer, mode);
    t.current = true;
    turns.push_back(std::move(t));
  }
  return turns;
}

std::vector<ChatMessage> mars_messages(const State& state, Player p, std::span<const std::string> own_responses,
                                       const RetryInfo* retry) {
  require_to_move(state, p, "MARS");
  const GameType& type = state.game().type();
  const OpponentTurns mode = opponent_turns_for(type);
  const std::vector<Turn> turns = turn_history(state, p, mode);
  const std::string& example = turns.back().legal.front();

  std::vector<ChatMessage> messages;
  messages.push_back({"system", std::string("You are an AI agent that makes optimal decisions to ") +
                                    (cooperative(type) ? "achieve the highest score" : "win") + " in the game of " +
                                    type.long_name + "."});
  messages.push_back({"user", "GAME RULES:\n" + trim_trailing_newlines(state.game().rules_text()) +
                                  "\n\nPLAYER INFORMATION:\n" + player_information(state, p, mode, example) +
                                  "\n\nRESPONSE INSTRUCTIONS:\n" + response_instructions(type, example) + "\n\n"});
  size_t own_index = 0;
  for (size_t i = 0; i < turns.size(); ++i) {
    const Turn& t = turns[i];
    // A turn after an assistant message opens a new user message (MARS: "ensure the last message is user").
    if (messages.back().role != "user") messages.push_back({"user", ""});
    messages.back().content += mars_turn_block(t, static_cast<int>(i) + 1, state.num_players());
    if (t.own && !t.current) {
      const bool have = own_index < own_responses.size() && !own_responses[own_index].empty();
      messages.push_back({"assistant", have ? own_responses[own_index] : "<answer>" + *t.chosen + "</answer>"});
      ++own_index;
    }
  }
  append_retry(messages, retry, PromptFormat::kMars);
  return messages;
}

std::vector<ChatMessage> spiral_messages(const State& state, Player p, const RetryInfo* retry) {
  require_to_move(state, p, "SPIRAL");
  const GameType& type = state.game().type();
  const int n = state.num_players();
  const std::vector<Turn> turns = turn_history(state, p, OpponentTurns::kAction);

  // SPIRAL's sentence for two-player zero-sum games (mars.md §8), adapted to the game's payoff structure otherwise.
  const std::string players = n == 2 ? "two-player" : std::to_string(n) + "-player";
  std::string intro;
  switch (type.utility) {
    case Utility::kZeroSum:
    case Utility::kConstantSum:
      intro = "You are playing a " + players + " zero-sum game. Make valid actions to win.";
      break;
    case Utility::kIdentical:
      intro = "You are playing a " + players + " cooperative game. Make valid actions to achieve the highest score.";
      break;
    case Utility::kGeneralSum:
      intro = "You are playing a " + players + " general-sum game. Make valid actions to maximize your own payoff.";
      break;
  }
  std::string relation = cooperative(type) ? "You are cooperating with " + others_of(p, n) + "."
                                           : "Your opponent is " + others_of(p, n) + ".";
  if (type.utility == Utility::kGeneralSum) relation = "The other players are " + others_of(p, n) + ".";

  std::string history;
  for (size_t i = 0; i + 1 < turns.size(); ++i) {
    const Turn& t = turns[i];
    history += "Turn " + std::to_string(i + 1) + ": " + seat(t.player) + (t.own ? " (you)" : "") +
               (t.chosen ? " chose " + *t.chosen + "." : " acted; the action is hidden from you.") + "\n";
  }
  if (history.empty()) history = "none yet\n";
  const Turn& now = turns.back();
  const std::string observation = "GAME RULES:\n" + trim_trailing_newlines(state.game().rules_text()) +
                                  "\n\nYou are " + seat(p) + ". " + relation + "\n\nGAME STATE:\n" + now.state_text +
                                  "\n\nACTION HISTORY:\n" + history +
                                  "\nLEGAL ACTIONS (answer with one of them, exactly as written):\n" +
                                  join(now.legal, ", ") + ".";
  std::vector<ChatMessage> messages{
      {"user", intro + "\nObservation: " + observation +
                   "\nPlease reason step by step, and put your final answer within \\boxed{}."}};
  append_retry(messages, retry, PromptFormat::kSpiral);
  return messages;
}

std::vector<ChatMessage> build_messages(PromptFormat fmt, const State& state, Player p,
                                        std::span<const std::string> own_responses, const RetryInfo* retry) {
  return fmt == PromptFormat::kMars ? mars_messages(state, p, own_responses, retry)
                                    : spiral_messages(state, p, retry);
}

ChatStyle chat_style_for(PromptFormat fmt) { return fmt == PromptFormat::kMars ? ChatStyle::kMars : ChatStyle::kQwen; }

std::string generation_prompt(ChatStyle style) {
  return style == ChatStyle::kMars ? "<|im_start|>assistant\n<think>\n" : "<|im_start|>assistant\n";
}

std::vector<TextSegment> render_segments(std::span<const ChatMessage> messages, ChatStyle style,
                                         bool add_generation_prompt) {
  std::vector<TextSegment> out;
  auto emit = [&](std::string text, bool assistant) {
    if (text.empty()) return;
    if (!out.empty() && out.back().assistant == assistant) out.back().text += text;
    else out.push_back({std::move(text), assistant});
  };
  const char* after_end = style == ChatStyle::kMars ? "" : "\n";
  for (const ChatMessage& m : messages) {
    emit("<|im_start|>" + m.role + "\n", false);
    emit(m.content + "<|im_end|>", m.role == "assistant");
    emit(after_end, false);
  }
  if (add_generation_prompt) emit(generation_prompt(style), false);
  return out;
}

std::string render_chat(std::span<const ChatMessage> messages, ChatStyle style, bool add_generation_prompt) {
  std::string s;
  for (const TextSegment& seg : render_segments(messages, style, add_generation_prompt)) s += seg.text;
  return s;
}

}  // namespace arena::lm
