// Subcommand registration for the `arena` CLI. Each add_* function adds its subcommands to `app` and appends the
// function to run when that subcommand was given.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

namespace arena::cli {

using Runner = std::function<int()>;
using Commands = std::vector<std::pair<CLI::App*, Runner>>;

void add_game_commands(CLI::App& app, Commands& commands);
void add_play_commands(CLI::App& app, Commands& commands);
void add_bench_commands(CLI::App& app, Commands& commands);
void add_tournament_commands(CLI::App& app, Commands& commands);
void add_solve_commands(CLI::App& app, Commands& commands);
// `arena trace`, and `arena bench vs-openspiel` (call after add_bench_commands).
void add_trace_commands(CLI::App& app, Commands& commands);
// `arena train` and `arena plot`.
void add_train_commands(CLI::App& app, Commands& commands);
// `arena lm ...` and `arena bench lm` (call after add_bench_commands).
void add_lm_commands(CLI::App& app, Commands& commands);

// Option checks whose messages say what was expected ("--matches: must be a positive number, got '0'"), instead of
// the full range of a double that CLI11's own PositiveNumber and NonNegativeNumber print.
CLI::Validator positive_number();
CLI::Validator non_negative_number();

// `text` as an integer in [1, max] (decimal digits only), or 0 when it is anything else.
std::int64_t positive_integer(const std::string& text, std::int64_t max);

// Splits "a,b,c" (commas inside parentheses do not split, so "mcts(sims=10,uct_c=2)" stays whole).
std::vector<std::string> split_list(const std::string& text);

}  // namespace arena::cli
