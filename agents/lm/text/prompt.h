// Prompts for language-model agents, built from what every game supplies (rules text, per-player state text, exact
// action strings), in the two formats of reference/mars.md:
//   MARS (§2, §3): a system line, one user message with GAME RULES / PLAYER INFORMATION / RESPONSE INSTRUCTIONS,
//     then "Information of Turn-k" blocks for every decision so far, interleaved with the agent's own earlier raw
//     responses (thinking kept), answered with `<answer>{legal action}</answer>`.
//   SPIRAL (§8): one user message per decision, "Observation: ..." answered with `\boxed{...}`.
// Chat rendering follows the Qwen chat template with the special tokens written as literal text; the tokenizer maps
// them to their ids. Answer parsing lives in parse.h.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "games/api/game.h"

namespace arena::lm {

enum class PromptFormat { kMars, kSpiral };

// How the other player's turns appear in p's history (MARS `include_opponent_turn`):
//   kFull:   the state p saw then, the legal actions and the chosen action (perfect-information games);
//   kAction: only the chosen action, because the state of that moment could reveal private information.
enum class OpponentTurns { kFull, kAction };

// kFull for perfect-information games, kAction otherwise (MARS: full for Tic-Tac-Toe and Connect Four; action for
// Kuhn, Leduc and Hanabi).
OpponentTurns opponent_turns_for(const GameType& type);

// One decision of the game as player `viewer` may know it. Chance nodes are not turns.
struct Turn {
  Player player = 0;                  // who acted (or is to act)
  bool own = false;                   // player == viewer
  bool state_shown = false;           // own turns, and the other players' turns in kFull mode
  std::string state_text;             // observation_text(viewer) at that moment, trailing newlines removed
  std::vector<std::string> legal;     // legal action strings of that moment (when state_shown)
  std::optional<std::string> chosen;  // the chosen action string; nullopt for the current decision and for an
                                      // action the game hides from the viewer
  bool current = false;               // the decision still to be made (the last element)
};

// Replays state.history() from game().new_initial_state() and returns every decision so far, oldest first; when the
// state awaits a player's decision, the last element is that decision (current = true). Another player's action is
// shown only when the viewer can tell it apart from that player's other legal actions: for imperfect-information
// games, some other legal action must lead to a different information_state(viewer) (a sealed bid in Goofspiel or a
// Prisoner's Dilemma choice stays hidden until the game reveals it in the state text).
std::vector<Turn> turn_history(const State& state, Player viewer, OpponentTurns mode);

struct ChatMessage {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
};

// A rejected answer being asked again (DecisionRequest::attempt > 0, DecisionRequest::error).
struct RetryInfo {
  int attempt = 0;                 // ignored when 0
  std::string error;               // why the previous answer was rejected
  std::string rejected_response;   // the rejected raw response; when given it is shown as an assistant message
};

// MARS conversation of player p, who must be the current player: system, user, then (assistant, user) for each of
// p's earlier turns. own_responses[i] is p's raw response at its i-th own turn ("<think>\n" + generated text); an
// entry that is missing or empty (a turn another kind of agent played) becomes "<answer>{chosen action}</answer>",
// and entries beyond p's past turns are ignored. With retry info the conversation ends with a note naming the error
// and asking for a new answer. Throws arena::Error when p is not to move.
std::vector<ChatMessage> mars_messages(const State& state, Player p, std::span<const std::string> own_responses,
                                       const RetryInfo* retry = nullptr);

// SPIRAL prompt of player p (one user message): rules, p's state text, the chosen actions so far, the legal actions.
// No history of earlier responses (SPIRAL trains every turn as its own sample). Throws arena::Error when p is not to
// move.
std::vector<ChatMessage> spiral_messages(const State& state, Player p, const RetryInfo* retry = nullptr);

std::vector<ChatMessage> build_messages(PromptFormat fmt, const State& state, Player p,
                                        std::span<const std::string> own_responses, const RetryInfo* retry = nullptr);

// Qwen chat template, `<|im_start|>{role}\n{content}<|im_end|>\n` per message.
//   kQwen: as written; the generation prompt is `<|im_start|>assistant\n` (SPIRAL).
//   kMars: MARS replaces every "<|im_end|>\n" by "<|im_end|>" after rendering (mars.md §2), and forces thinking:
//          the generation prompt is `<|im_start|>assistant\n<think>\n`, so generated text starts inside the think
//          block and the raw response to store is "<think>\n" + generated text.
enum class ChatStyle { kMars, kQwen };

ChatStyle chat_style_for(PromptFormat fmt);
std::string generation_prompt(ChatStyle style);

std::string render_chat(std::span<const ChatMessage> messages, ChatStyle style, bool add_generation_prompt);

// render_chat's text cut into consecutive pieces; `assistant` marks exactly what the policy produced: each assistant
// message's content plus its closing `<|im_end|>`, without the `<|im_start|>assistant\n` header (MARS
// response_mask, mars.md §2 and §10.3). The generation prompt, "<think>\n" included, is not marked. Concatenating
// the texts gives render_chat(messages, style, add_generation_prompt).
struct TextSegment {
  std::string text;
  bool assistant = false;
};
std::vector<TextSegment> render_segments(std::span<const ChatMessage> messages, ChatStyle style,
                                         bool add_generation_prompt);

}  // namespace arena::lm
