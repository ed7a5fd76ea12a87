// From a played match to the learner's turns: one trajectory per learner seat, one turn per decision of that seat,
// each with its shaped reward.
//
// Reward of a turn (MARS's assignment): the acting player's per-step reward for its own move, plus every reward it
// receives from later moves of other players or chance before its next turn (so a loss caused by the opponent's
// winning move lands on the loser's last turn). Rewards received before a seat's first turn go to that first turn.
// When the match's final returns differ from the sum of the per-step rewards (a forfeit imposes its penalties), the
// difference goes to the seat's last turn. When a match ends normally with every return 0, `draw_bonus` is added to
// every seat's last turn (MARS: +0.1 for a drawn Tic-Tac-Toe or Connect Four game, a zero-score Hanabi game).
// Summed over a trajectory the turn rewards therefore equal the seat's return plus any draw bonus.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arena/store.h"
#include "games/api/game.h"

namespace arena::trainer {

struct LearnerTurn {
  Player seat = 0;
  int turn = 0;           // 0-based index within the seat's trajectory
  int ply = 0;            // position in the match history
  Action action = 0;
  double reward = 0;
  double logprob = 0;     // behaviour log-probability (NaN when the agent stated none)
};

// `turns` are the match's turn rows in ply order (chance included), `returns` its final returns, `normal` whether it
// ended by the rules (not a forfeit). Only the seats in `learner_seats` are kept; seats without a decision are
// skipped. The result is ordered by (seat, turn).
std::vector<LearnerTurn> learner_turns(const std::vector<TurnRow>& turns, const std::vector<double>& returns,
                                       bool normal, const std::vector<Player>& learner_seats, double draw_bonus);

// Every decision of the learner seats of a match played by a text agent, valid or refused, ordered by (seat, ply,
// attempt), with MARS's turn rewards: a valid turn gets its learner_turns() reward plus `format_bonus`; a refused
// answer gets 0, except the one that ended the match by forfeit, which carries the penalty the forfeit imposed (moved
// off the seat's last valid turn, where learner_turns() puts it). Summed over a seat's decisions the rewards equal its
// return plus any draw bonus plus format_bonus per valid turn.
struct LearnerDecision {
  Player seat = 0;
  int ply = 0;
  int attempt = 0;      // 0 = the first answer to this decision
  bool valid = false;   // the answer was applied
  double reward = 0;
};
std::vector<LearnerDecision> learner_decisions(const std::vector<TurnRow>& turns,
                                               const std::vector<RejectedRow>& rejected,
                                               const std::vector<double>& returns, bool normal,
                                               const std::vector<Player>& learner_seats, double draw_bonus,
                                               double format_bonus);

}  // namespace arena::trainer
