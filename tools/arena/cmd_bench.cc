// arena bench games: random playouts per second on one core, per game.
#include <algorithm>
#include <chrono>

#include <fmt/core.h>

#include <filesystem>

#include "agents/tabular/best_response.h"
#include "agents/tabular/cfr.h"
#include "arena/tournament.h"
#include "games/api/registry.h"
#include "games/api/random_play.h"
#include "games/api/rng.h"
#include "tools/arena/commands.h"
#include "arena/text_table.h"

#include "kernels/bench.h"

namespace arena::cli {
namespace {

struct PlayoutStats {
  double playouts_per_sec = 0;
  double moves_per_sec = 0;
  double mean_length = 0;
};

// Full random games from the initial state until `seconds` have passed: what a self-play rollout loop does.
PlayoutStats bench_playouts(const Game& game, double seconds, std::uint64_t seed) {
  Rng rng(seed);
  std::int64_t games = 0, moves = 0;
  auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (true) {
    for (int i = 0; i < 64; ++i) {
      auto s = game.new_initial_state();
      moves += play_randomly(*s, rng);
      ++games;
    }
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed >= seconds) break;
  }
  return {games / elapsed, moves / elapsed, static_cast<double>(moves) / games};
}

int run_bench_games(const std::vector<std::string>& only, double seconds, std::uint64_t seed) {
  std::vector<std::string> games = only;
  if (games.empty()) games = GameRegistry::global().names();
  fmt::print("Random playouts on one core, {:.1f} s per game (OpenSpiel's published C++ figure for connect_four: "
             "19,596 rollouts/s per thread)\n\n", seconds);
  Table table({"game", "playouts/s", "moves/s", "mean length"});
  for (const auto& g : games) {
    GamePtr game = load_game(g);
    auto st = bench_playouts(*game, seconds, seed);
    table.add({game->to_string(), fmt::format("{:.0f}", st.playouts_per_sec), fmt::format("{:.0f}", st.moves_per_sec),
               fmt::format("{:.1f}", st.mean_length)});
    fmt::print("{}", ""), std::fflush(stdout);
  }
  fmt::print("{}", table.render({1, 2, 3}));
  return 0;
}

// Random-vs-random tournament throughput with the store on and off, on 1 and 2 threads.
int run_bench_arena(const std::string& game, int matches) {
  TournamentConfig c;
  c.games = {game};
  c.agents = {"random"};
  c.games_per_pair = matches;
  auto db = (std::filesystem::temp_directory_path() / "arena_bench_store.db").string();
  struct Row {
    int threads;
    bool store;
    double rate;
  };
  std::vector<Row> rows;
  for (int threads : {1, 2})
    for (bool store : {false, true}) {
      for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(db + ext);
      TournamentOptions o;
      o.threads = threads;
      o.db_path = store ? db : "";
      auto start = std::chrono::steady_clock::now();
      run_tournament(c, o);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      rows.push_back({threads, store, matches / secs});
    }
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(db + ext);
  fmt::print("random vs random self-play tournament, {} matches of {} per configuration\n\n", matches, game);
  Table t({"threads", "store", "matches/s", "vs same threads, store off"});
  for (const auto& r : rows) {
    const double base = rows[r.threads == 1 ? 0 : 2].rate;
    t.add({std::to_string(r.threads), r.store ? "on" : "off", fmt::format("{:.0f}", r.rate),
           fmt::format("{:.3f}", r.rate / base)});
  }
  fmt::print("{}", t.render({0, 2, 3}));
  fmt::print("\nlogging cost: {:.1f}% (1 thread), {:.1f}% (2 threads); scaling 1 -> 2 threads: {:.2f}x (store off), "
             "{:.2f}x (store on)\n",
             100 * (1 - rows[1].rate / rows[0].rate), 100 * (1 - rows[3].rate / rows[2].rate), rows[2].rate / rows[0].rate,
             rows[3].rate / rows[1].rate);
  return 0;
}

// CFR+ iterations per second and exact best-response time, one core.
int run_bench_solvers(double seconds) {
  Table t({"game", "histories", "infosets", "CFR+ iterations/s", "ms/iteration", "best response ms", "exploitability"});
  for (const char* g : {"kuhn_poker", "leduc_poker"}) {
    auto tree = GameTree::build(load_game(g));
    CfrSolver solver(tree, CfrAlgorithm::kPlus);
    auto start = std::chrono::steady_clock::now();
    double elapsed = 0;
    while (elapsed < seconds) {
      for (int i = 0; i < 10; ++i) solver.iterate();
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    const double rate = solver.iterations() / elapsed;
    auto avg = solver.average_policy();
    int reps = 0;
    double expl = 0;
    auto br_start = std::chrono::steady_clock::now();
    double br_elapsed = 0;
    while (br_elapsed < seconds / 4 || reps == 0) {
      expl = exploitability(tree, avg);
      ++reps;
      br_elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - br_start).count();
    }
    t.add({g, std::to_string(tree.nodes().size()), std::to_string(tree.infosets().size()), fmt::format("{:.0f}", rate),
           fmt::format("{:.4f}", 1000.0 / rate), fmt::format("{:.3f}", 1000.0 * br_elapsed / reps / 2),
           fmt::format("{:.2e} after {} it", expl, solver.iterations())});
  }
  fmt::print("Exact solvers on one core (best response: one player's, i.e. half an exploitability computation)\n\n{}",
             t.render({1, 2, 3, 4, 5}));
  return 0;
}

// `arena bench kernels --pipelines P,Q --sizes BxT,...`: the names checked against the bench's list, each size two
// positive integers with at most 2^31 − 16 turns in all (the kernels index turns with 32-bit integers).
kernels::KernelBenchOptions parse_kernel_bench_options(int repeats, const std::string& pipelines,
                                                       const std::string& sizes) {
  kernels::KernelBenchOptions o;
  o.repeats = repeats;
  const auto& known = kernels::kernel_bench_pipelines();
  std::vector<std::string> wanted = split_list(pipelines);
  for (const auto& name : wanted)
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string allowed;
      for (const auto& k : known) allowed += (allowed.empty() ? "" : ", ") + k;
      throw Error(fmt::format("arena bench kernels: unknown pipeline '{}' (allowed: {})", name, allowed));
    }
  for (const auto& name : known)  // the bench's order, each once
    if (wanted.empty() || std::find(wanted.begin(), wanted.end(), name) != wanted.end()) o.pipelines.push_back(name);
  if (sizes.empty()) {
    o.sizes = kernels::default_kernel_bench_sizes();
    return o;
  }
  for (const auto& item : split_list(sizes)) {
    const auto x = item.find('x');
    constexpr std::int64_t kMaxFactor = 1'000'000'000'000;
    const std::int64_t b = x == std::string::npos ? 0 : positive_integer(item.substr(0, x), kMaxFactor);
    const std::int64_t t = x == std::string::npos ? 0 : positive_integer(item.substr(x + 1), kMaxFactor);
    if (b <= 0 || t <= 0)
      throw Error(fmt::format("arena bench kernels: --sizes wants TRAJECTORIESxTURNS with positive integers, as in "
                              "625000x16; got '{}'", item));
    constexpr std::int64_t kMaxTurns = (std::int64_t{1} << 31) - 16;
    if (b > kMaxTurns / t)
      throw Error(fmt::format("arena bench kernels: size '{}' has more than 2^31 - 16 turns, the most supported",
                              item));
    o.sizes.emplace_back(b, t);
  }
  if (o.sizes.empty()) throw Error("arena bench kernels: --sizes names no size");
  return o;
}

}  // namespace

void add_bench_commands(CLI::App& app, Commands& commands) {
  auto* bench = app.add_subcommand("bench", "Benchmarks");
  bench->require_subcommand(1);
  auto* games = bench->add_subcommand("games", "Random playouts per second on one core, per game");
  auto only = std::make_shared<std::vector<std::string>>();
  auto seconds = std::make_shared<double>(1.0);
  auto seed = std::make_shared<std::uint64_t>(1);
  games->add_option("games", *only, "Game strings (default: every registered game)");
  games->add_option("--seconds", *seconds, "Seconds per game")->check(positive_number());
  games->add_option("--seed", *seed, "Seed");
  commands.emplace_back(games, [=] { return run_bench_games(*only, *seconds, *seed); });
  auto* arena_bench = bench->add_subcommand("arena", "Tournament throughput with the SQLite store on and off, 1 and 2 threads");
  auto agame = std::make_shared<std::string>("connect_four");
  auto amatches = std::make_shared<int>(20000);
  arena_bench->add_option("--game", *agame, "Game string");
  arena_bench->add_option("--matches", *amatches, "Matches per configuration")->check(positive_number());
  commands.emplace_back(arena_bench, [=] { return run_bench_arena(*agame, *amatches); });
  auto* solvers = bench->add_subcommand("solvers", "CFR+ iterations/s on Kuhn and Leduc, best-response time");
  auto sseconds = std::make_shared<double>(2.0);
  solvers->add_option("--seconds", *sseconds, "Seconds per game")->check(positive_number());
  commands.emplace_back(solvers, [=] { return run_bench_solvers(*sseconds); });
  auto* kernels = bench->add_subcommand("kernels", "CUDA advantage kernels against the same computation in LibTorch ops");
  auto krepeats = std::make_shared<int>(20);
  auto kpipelines = std::make_shared<std::string>();
  auto ksizes = std::make_shared<std::string>();
  kernels->add_option("--repeats", *krepeats, "Timed calls per round (the LibTorch side: a quarter of them)")
      ->check(positive_number())
      ->capture_default_str();
  kernels->add_option("--pipelines", *kpipelines, "Comma-separated subset of paper,code,grpo,rae (default: all)");
  kernels->add_option("--sizes", *ksizes,
                      "Comma-separated TRAJECTORIESxTURNS (default: 65536x16,62500x16,625000x16)");
  commands.emplace_back(kernels, [=]() -> int {
    const auto options = parse_kernel_bench_options(*krepeats, *kpipelines, *ksizes);
#ifdef ARENA_HAVE_CUDA_KERNELS
    return arena::kernels::run_kernel_bench(options);
#else
    (void)options;
    throw Error("arena bench kernels needs a CUDA build (tools/gpu_build.sh on the GPU machine)");
#endif
  });
}

}  // namespace arena::cli
