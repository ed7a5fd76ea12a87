#!/usr/bin/env python3
"""Writes the experiment configurations of tools/experiments/ (run it after changing a base below).

  <game>_mlp.json, kuhn_tabular.json       the learning-target runs of the README (one per game)
  ablation/<game>__<variant>.json          the MARS ablation at this scale: full, w/o turn-level, w/o agent-specific,
                                           fixed opponent, GRPO, RAE, on Kuhn, Leduc, Tic-Tac-Toe and Mini Hanabi
"""
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# Per game: the learning-target configuration (self-play, MARS code-mode advantages) and the fixed opponent MARS's
# ablation trains against (MCTS for Tic-Tac-Toe, CFR for the poker games; for cooperative Hanabi a rule-based partner).
GAMES = {
    "kuhn": {
        "opponent": "cfr",
        "config": {
            "steps": 600, "games": ["kuhn_poker"], "episodes_per_seat": 8192,
            "policy": {"kind": "mlp", "hidden": [64, 64]},
            "ppo": {"kl_coef": 0.2, "kl_coef_final": 0.01, "kl_estimator": "full", "minibatches": 4},
            "optimizer": {"lr": 0.001, "warmup_steps": 10, "schedule": "cosine"},
            "eval": {"every": 50, "opponents": ["cfr"], "episodes": 1000},
            "store_turns": False,
        },
    },
    "leduc": {
        "opponent": "cfr",
        "config": {
            "steps": 400, "games": ["leduc_poker"], "episodes_per_seat": 4096,
            "policy": {"kind": "mlp", "hidden": [128, 128]},
            "ppo": {"kl_coef": 0.2, "kl_coef_final": 0.01, "kl_estimator": "full", "minibatches": 4},
            "optimizer": {"lr": 0.001, "warmup_steps": 10, "schedule": "cosine"},
            "eval": {"every": 50, "opponents": ["cfr"], "episodes": 1000},
            "store_turns": False,
        },
    },
    "ttt": {
        "opponent": "mcts(sims=100)",
        "config": {
            "steps": 400, "games": [{"game": "tic_tac_toe", "draw_bonus": 0.1}], "episodes_per_seat": 1024,
            "policy": {"kind": "mlp", "hidden": [128, 128]},
            "ppo": {"kl_coef": 0.01, "minibatches": 4},
            "optimizer": {"lr": 0.001, "warmup_steps": 10, "schedule": "cosine"},
            "eval": {"every": 50, "opponents": ["minimax"], "episodes": 1000},
            "store_turns": False,
        },
    },
    "mini_hanabi": {
        "opponent": "hanabi_rules",
        "config": {
            "steps": 400, "games": [{"game": "hanabi(preset=mini)", "draw_bonus": 0.1}], "episodes_per_seat": 512,
            "policy": {"kind": "mlp", "hidden": [128, 128]},
            "ppo": {"kl_coef": 0.01, "minibatches": 4},
            "optimizer": {"lr": 0.001, "warmup_steps": 10, "schedule": "cosine"},
            "eval": {"every": 50, "episodes": 1000},
            "store_turns": False,
        },
    },
}

VARIANTS = {
    "full": lambda c, g: c,
    "no_turn_level": lambda c, g: {**c, "estimator": {"name": "mars", "turn_level": False}},
    "no_agent_specific": lambda c, g: {**c, "estimator": {"name": "mars", "agent_specific": False}},
    "fixed_opponent": lambda c, g: {**c, "mode": "fixed_opponent", "opponent": GAMES[g]["opponent"]},
    "grpo": lambda c, g: {**c, "estimator": {"name": "grpo"}},
    "rae": lambda c, g: {**c, "estimator": {"name": "rae"}},
}


def write(path, config):
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


def main():
    for game, spec in GAMES.items():
        write(os.path.join(HERE, f"{game}_mlp.json"), spec["config"])
    tab = copy.deepcopy(GAMES["kuhn"]["config"])
    tab["policy"] = {"kind": "tabular"}
    tab["ppo"] = {"kl_coef": 0.1, "kl_coef_final": 0.005, "kl_estimator": "full", "minibatches": 1, "clip": 10}
    tab["optimizer"] = {"name": "sgd", "lr": 2.0, "warmup_steps": 0, "schedule": "constant", "max_grad_norm": 0}
    tab["estimator"] = {"name": "mars", "mode": "paper"}
    tab["steps"] = 1500
    write(os.path.join(HERE, "kuhn_tabular.json"), tab)
    os.makedirs(os.path.join(HERE, "ablation"), exist_ok=True)
    for game, spec in GAMES.items():
        for name, make in VARIANTS.items():
            write(os.path.join(HERE, "ablation", f"{game}__{name}.json"), make(copy.deepcopy(spec["config"]), game))


if __name__ == "__main__":
    main()
