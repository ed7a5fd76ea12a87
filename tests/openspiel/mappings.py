"""How our games map onto OpenSpiel's: game strings, action and chance-outcome ids, and intentional differences.

docs/openspiel.md has the same table for readers. Every game here uses OpenSpiel's ids unchanged (the mapping is the
identity), so an adapter only says which OpenSpiel game to load, how the two engines line up, and what to compare:

- simultaneous: OpenSpiel moves both players at once; we play player 0's move, then player 1's move without showing
  it player 0's. Our two sequential moves (a0, a1) are OpenSpiel's joint action [a0, a1]: at our player 0's and
  player 1's decisions OpenSpiel is at the same simultaneous node, whose legal_actions(p) and
  information_state_string(p) are compared for the player to move; the joint action is applied after our player 1's
  move.
- sticky_rewards: OpenSpiel's rewards() keeps reporting the last player move's reward through the chance nodes that
  follow it; ours reports every transition once. We compare OpenSpiel's rewards() with the sum of our rewards since
  the last player move (returns are compared as they are).
- information states: where OpenSpiel has information_state_string, ours and theirs must partition the decision
  states of each player the same way (both maps, ours -> theirs and theirs -> ours, are functions). Where it has none
  (pig, breakthrough, hanabi) our information state must determine its observation_string (one direction: its
  observation forgets the past). info_both_ways = False keeps only the direction ours -> theirs (goofspiel: see
  Goofspiel).
"""

import pyspiel

SKIP = 77  # CTest's SKIP_RETURN_CODE for these tests
ALL = "all"  # as a number of histories: every history of the game (`arena trace --all`)


class Adapter:
    simultaneous = False
    sticky_rewards = False
    info_both_ways = True
    force_information_state = False  # use information_state_string even where the game type does not announce it

    def __init__(self, os_string):
        self.os_string = os_string
        self.info_mode = None  # "information_state_string" or "observation_string", set by load_os_game

    def load_os_game(self):
        game = self._load()
        t = game.get_type()
        if t.provides_information_state_string or self.force_information_state:
            self.info_mode = "information_state_string"
        else:
            self.info_mode = "observation_string"
            self.info_both_ways = False
        return game

    def _load(self):
        if isinstance(self.os_string, tuple):  # (name, {parameter: value}) for values that hold commas
            return pyspiel.load_game(*self.os_string)
        return pyspiel.load_game(self.os_string)

    def chance_to_os(self, outcome):
        return outcome

    def action_to_os(self, player, action):
        return action

    def os_info(self, os_state, player):
        if self.info_mode == "observation_string":
            return os_state.observation_string(player)
        return os_state.information_state_string(player)

    def finish_terminal(self, os_state):
        """Called when we are terminal and OpenSpiel is not; may advance OpenSpiel (returns True if it did)."""
        return False


class Simultaneous(Adapter):
    simultaneous = True


class Goofspiel(Simultaneous):
    """OpenSpiel's information_state_string for goofspiel (imp_info=false) lists the point cards turned up, both hands,
    who won each turn and the points, but not which card was bid in which turn: two histories whose bids differ only
    in their order (e.g. 5 vs 3 then 4 vs 2, or 4 vs 2 then 5 vs 3, both won by player 0) get one string. Ours is a
    perfect-recall key and tells them apart, so only the direction ours -> theirs is a function."""

    info_both_ways = False


class Hanabi(Adapter):
    sticky_rewards = True


class IteratedPrisonersDilemma(Simultaneous):
    """OpenSpiel's Python game; after the last allowed round it still draws a chance node (we end directly)."""

    sticky_rewards = True
    force_information_state = True  # its type announces none, but its default observer gives the full history

    def _load(self):
        from open_spiel.python import games  # noqa: F401 (registers the Python games)
        return pyspiel.load_game(self.os_string)

    def finish_terminal(self, os_state):
        if os_state.is_chance_node():
            os_state.apply_action(0)  # CONTINUE; the round limit ends the game either way
            return True
        return False


class Variant:
    def __init__(self, ours, adapter, num_games):
        self.ours = ours
        self.adapter = adapter
        self.num_games = num_games


def V(ours, os_string, num_games, cls=Adapter):
    return Variant(ours, cls(os_string), num_games)


def tiny_hanabi_3p_payoff():
    """A 3-player table (2 cards, 2 actions: 64 entries) with distinct values, so every cell is told apart."""
    return ";".join(str((7 * i) % 11 - 3) for i in range(64))


def identity_payoffs(n):
    return ", ".join("1" if i // n == i % n else "0" for i in range(n * n))


# Our game name -> variants checked by its test: (our game string, OpenSpiel's game, histories). ALL replays every
# history of the game; a number replays that many seeded random histories. Sizes keep each test under about 20 s on
# one core (the limit is a minute on a 2-core machine running two tests at once).
GAMES = {
    "tic_tac_toe": [V("tic_tac_toe", "tic_tac_toe", 20000)],
    "connect_four": [V("connect_four", "connect_four", 10000)],
    "kuhn_poker": [V("kuhn_poker", "kuhn_poker", ALL), V("kuhn_poker", "kuhn_poker", 50000)],
    "leduc_poker": [V("leduc_poker", "leduc_poker", ALL), V("leduc_poker", "leduc_poker", 30000)],
    "liars_dice": [
        V("liars_dice(dice_sides=3)", "liars_dice(dice_sides=3)", ALL),
        V("liars_dice", "liars_dice", 20000),
        V("liars_dice(numdice=2,dice_sides=4)", "liars_dice(numdice=2,dice_sides=4)", 10000),
        V("liars_dice(bidding_rule=reset-quantity)", "liars_dice(bidding_rule=reset-quantity)", 10000),
        V("liars_dice(numdice=2,bidding_rule=reset-quantity)", "liars_dice(numdice=2,bidding_rule=reset-quantity)",
          5000),
    ],
    "goofspiel": [
        V("goofspiel(num_cards=3)", "goofspiel(num_cards=3)", ALL, Goofspiel),
        V("goofspiel(num_cards=4)", "goofspiel(num_cards=4)", 20000, Goofspiel),
        V("goofspiel(num_cards=6,points_order=descending,returns_type=point_difference)",
          "goofspiel(num_cards=6,points_order=descending,returns_type=point_difference)", 10000, Goofspiel),
        V("goofspiel(num_cards=5,points_order=ascending,returns_type=total_points)",
          "goofspiel(num_cards=5,points_order=ascending,returns_type=total_points)", 10000, Goofspiel),
        V("goofspiel", "goofspiel", 3000, Goofspiel),
    ],
    "pig": [
        V("pig", "pig", 1000),
        V("pig(players=3,winscore=20)", "pig(players=3,winscore=20)", 4000),
        V("pig(piglet=true,winscore=10)", "pig(piglet=true,winscore=10)", 3000),
        V("pig(horizon=15,winscore=30,diceoutcomes=4)", "pig(horizon=15,winscore=30,diceoutcomes=4)", 5000),
    ],
    "breakthrough": [
        V("breakthrough", "breakthrough", 2000),
        V("breakthrough(rows=6,columns=5)", "breakthrough(rows=6,columns=5)", 5000),
        V("breakthrough(rows=4,columns=3)", "breakthrough(rows=4,columns=3)", 5000),
    ],
    "lewis_signaling": [
        V("lewis_signaling", "lewis_signaling", ALL),
        V("lewis_signaling", "lewis_signaling", 10000),
        V("lewis_signaling(num_states=4,num_messages=2)",
          ("lewis_signaling", {"num_states": 4, "num_messages": 2, "payoffs": identity_payoffs(4)}), ALL),
        V('lewis_signaling(num_states=2,num_messages=2,payoffs="1,0.5,-2,3")',
          ("lewis_signaling", {"num_states": 2, "num_messages": 2, "payoffs": "1, 0.5, -2, 3"}), ALL),
    ],
    "tiny_hanabi": [
        V("tiny_hanabi", "tiny_hanabi", ALL),
        V("tiny_hanabi", "tiny_hanabi", 10000),
        V(f'tiny_hanabi(num_players=3,num_chance=2,num_actions=2,payoff="{tiny_hanabi_3p_payoff()}")',
          f"tiny_hanabi(num_players=3,num_chance=2,num_actions=2,payoff={tiny_hanabi_3p_payoff()})", ALL),
    ],
    "hanabi": [
        V("hanabi(preset=mini)",
          "hanabi(players=2,colors=2,ranks=2,hand_size=3,max_information_tokens=3,max_life_tokens=3)", 10000, Hanabi),
        V("hanabi(players=3,colors=3,ranks=3,hand_size=3)", "hanabi(players=3,colors=3,ranks=3,hand_size=3)", 2000,
          Hanabi),
        V("hanabi(players=4,colors=3,ranks=3,max_information_tokens=2,max_life_tokens=1)",
          "hanabi(players=4,colors=3,ranks=3,max_information_tokens=2,max_life_tokens=1)", 2000, Hanabi),
        V("hanabi", "hanabi(players=2)", 1000, Hanabi),
        V("hanabi(players=5)", "hanabi(players=5)", 300, Hanabi),
    ],
    "iterated_prisoners_dilemma": [
        V("iterated_prisoners_dilemma", "python_iterated_prisoners_dilemma", 3000, IteratedPrisonersDilemma),
        V("iterated_prisoners_dilemma(max_game_length=3,termination_probability=0.1)",
          "python_iterated_prisoners_dilemma(max_game_length=3,termination_probability=0.1)", 10000,
          IteratedPrisonersDilemma),
    ],
}
