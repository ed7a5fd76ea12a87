// arena train | plot
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include <fmt/core.h>

#include "arena/store.h"
#include "games/api/params.h"
#include "tools/arena/commands.h"
#ifdef ARENA_HAVE_TORCH
#include "trainer/train.h"
#endif

namespace fs = std::filesystem;

namespace arena::cli {
namespace {

struct TrainArgs {
  std::string config, db = "arena.db", out, device;
  bool resume = false, quiet = false;
  int until = 0;
};

int run_train_command(const TrainArgs& a) {
#ifdef ARENA_HAVE_TORCH
  trainer::TrainOptions o;
  o.config_path = a.config;
  o.db_path = a.db;
  o.out_dir = a.out;
  if (o.out_dir.empty() && !a.config.empty()) o.out_dir = (fs::path("runs") / fs::path(a.config).stem()).string();
  o.resume = a.resume;
  o.until_step = a.until;
  o.device = a.device;
  o.progress = !a.quiet;
  auto r = trainer::run_train(o);
  fmt::print("run {} in {}: {} at step {}; run directory {}\n", r.run_id, a.db, r.finished ? "finished" : "stopped",
             r.step, o.out_dir);
  for (const auto& [key, after] : r.last_eval) {
    auto it = r.first_eval.find(key);
    if (it != r.first_eval.end()) fmt::print("  {:<60} {:>10.5f} -> {:.5f}\n", key, it->second, after);
  }
  return 0;
#else
  (void)a;
  throw Error("arena train needs LibTorch, and this build has none (run tools/install.sh, then tools/build.sh)");
#endif
}

// arena bench selfplay: self-play rollout games/s and PPO samples/s of the MLP policy on the CPU and on a CUDA device,
// for several batch sizes (episodes per seat = matches advanced together, so the policy's forward batch grows).
int run_bench_selfplay(const std::string& games_list, const std::string& sizes_list, int steps) {
  std::vector<std::string> games = split_list(games_list);
  std::vector<int> sizes;
  for (const auto& s : split_list(sizes_list)) {
    const auto episodes = positive_integer(s, 9'999'999);
    if (episodes == 0)
      throw Error("arena bench selfplay: --episodes wants positive integers up to 9999999, got '" + s + "'");
    sizes.push_back(static_cast<int>(episodes));
  }
  if (sizes.empty()) throw Error("arena bench selfplay: --episodes names no size");
  if (games.empty()) throw Error("arena bench selfplay: --games names no game");
#ifdef ARENA_HAVE_TORCH
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const auto dir = fs::temp_directory_path() / fmt::format("arena-bench-selfplay-{}", static_cast<long>(::getpid()));
  fs::create_directories(dir);
  fmt::print("{:<28} {:>8} {:>7} {:>14} {:>18}   (mean of steps 2..{}; CPU uses {} LibTorch threads)\n", "game",
             "episodes", "device", "games/s", "PPO samples/s", steps, cores);
  int run = 0;
  bool no_cuda = false;
  for (const auto& game : games) {
    for (int size : sizes) {
      std::map<std::string, std::pair<double, double>> by_device;
      for (std::string device : {"cpu", "cuda"}) {
        nlohmann::json cfg = {{"seed", 1},
                              {"steps", steps},
                              {"games", {game}},
                              {"episodes_per_seat", size},
                              {"max_in_flight", size},
                              {"threads", device == "cpu" ? cores : 1},
                              {"device", device},
                              {"store_turns", false},
                              {"checkpoint_every", 0},
                              {"policy", {{"hidden", {256, 256}}}},
                              {"eval", {{"every", 0}, {"exploitability", false}, {"episodes", 1}}}};
        trainer::TrainOptions o;
        o.config_text = cfg.dump();
        o.db_path = (dir / fmt::format("b{}.db", run)).string();
        o.out_dir = (dir / fmt::format("r{}", run++)).string();
        o.progress = false;
        trainer::TrainResult r;
        try {
          r = trainer::run_train(o);
        } catch (const Error& e) {
          if (device == "cuda" && std::string(e.what()).find("no CUDA device") != std::string::npos) {
            no_cuda = true;
            continue;
          }
          throw;
        }
        auto mean = [&](const std::string& key) {
          const auto& v = r.steps_metrics[key];
          double t = 0;
          for (size_t i = 1; i < v.size(); ++i) t += v[i];
          return v.size() > 1 ? t / static_cast<double>(v.size() - 1) : (v.empty() ? 0.0 : v[0]);
        };
        by_device[device] = {mean("games_per_s"), mean("ppo_samples_per_s")};
        fmt::print("{:<28} {:>8} {:>7} {:>14.0f} {:>18.0f}", game, size, device, by_device[device].first,
                   by_device[device].second);
        if (device == "cuda" && by_device.count("cpu"))
          fmt::print("   GPU/CPU: rollouts {:.2f}x, PPO {:.2f}x", by_device["cuda"].first / by_device["cpu"].first,
                     by_device["cuda"].second / by_device["cpu"].second);
        fmt::print("\n");
        std::fflush(stdout);
      }
    }
  }
  fs::remove_all(dir);
  if (no_cuda) fmt::print("no CUDA device here: GPU rows skipped (run it on the GPU machine)\n");
  return 0;
#else
  (void)games;
  (void)steps;
  throw Error("arena bench selfplay needs LibTorch, and this build has none");
#endif
}

struct PlotArgs {
  std::string db = "arena.db", out = "curves.png", metrics;
  std::int64_t run = 0;
};

std::vector<std::string> split_keys(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find(';', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

int run_plot(const PlotArgs& a) {
  if (!fs::exists(a.db)) throw Error("no database '" + a.db + "'");
  Store store(a.db, /*read_only=*/true);
  std::int64_t run = a.run;
  if (run == 0) {
    for (const auto& r : store.runs())
      if (r.kind == "train") run = r.id;
    if (run == 0) throw Error("'" + a.db + "' holds no training run (arena train writes one)");
  }
  auto info = store.run(run);
  if (!info) throw Error("run " + std::to_string(run) + " is not in '" + a.db + "'");
  if (info->kind != "train") throw Error("run " + std::to_string(run) + " is a " + info->kind + " run, not a training run");
  auto rows = store.metrics(run);
  if (rows.empty()) throw Error("run " + std::to_string(run) + " has no metrics yet");
  std::map<std::string, std::vector<std::pair<std::int64_t, double>>> series;
  for (const auto& r : rows) series[r.key].emplace_back(r.step, r.value);

  // Panels: the user's keys, or returns / loss / KL and entropy / evaluation.
  std::vector<std::pair<std::string, std::vector<std::string>>> panels;
  if (!a.metrics.empty()) {
    auto keys = split_keys(a.metrics);
    for (const auto& k : keys)
      if (!series.count(k)) {
        std::string known;
        for (const auto& [name, v] : series) known += (known.empty() ? "" : ", ") + name;
        throw Error("run " + std::to_string(run) + " has no metric '" + k + "' (it has: " + known + ")");
      }
    panels.push_back({"metrics", keys});
  } else {
    std::vector<std::string> ret, ev;
    for (const auto& [k, v] : series) {
      if (k.rfind("return/", 0) == 0) ret.push_back(k);
      if (k.rfind("exploitability/", 0) == 0 || (k.rfind("eval/", 0) == 0 && (k.ends_with("/loss") ||
                                                                              k.ends_with("self_play/return"))))
        ev.push_back(k);
    }
    panels.push_back({"mean return per game and seat", ret});
    panels.push_back({"loss", {"loss", "pg_loss"}});
    panels.push_back({"KL to reference and entropy", {"kl", "entropy"}});
    if (!ev.empty()) panels.push_back({"evaluation", ev});
  }
  const fs::path dir = fs::temp_directory_path() / fmt::format("arena-plot-{}-{}", run, static_cast<long>(::getpid()));
  fs::create_directories(dir);
  std::string script = fmt::format("set terminal pngcairo size 1400,{} noenhanced font 'sans,9'\nset output {}\n",
                                   panels.size() > 2 ? 900 : 450, quote(a.out));
  script += fmt::format("set multiplot layout {},2 title {}\nset key outside bottom center horizontal\nset grid\n",
                        (panels.size() + 1) / 2, quote("training run " + std::to_string(run) + " — " + a.db));
  int file_no = 0;
  for (const auto& [title, keys] : panels) {
    script += fmt::format("set title {}\nset xlabel 'step'\n", quote(title));
    std::string plot;
    for (const auto& k : keys) {
      auto it = series.find(k);
      if (it == series.end()) continue;
      const auto file = dir / fmt::format("s{}.dat", file_no++);
      std::ofstream out(file);
      for (const auto& [step, v] : it->second) out << step << " " << fmt::format("{:.9g}", v) << "\n";
      plot += (plot.empty() ? "plot " : ", ") + quote(file.string()) + " using 1:2 with linespoints pt 7 ps 0.4 title " +
              quote(k);
    }
    script += plot.empty() ? "set title 'no data'\nplot 0 notitle\n" : plot + "\n";
  }
  script += "unset multiplot\n";
  const auto script_path = dir / "plot.gp";
  std::ofstream(script_path) << script;
  const std::string cmd = "gnuplot " + quote(script_path.string()) + " 2>&1";
  std::string output;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw Error("cannot run gnuplot");
  char buf[512];
  while (fgets(buf, sizeof buf, pipe)) output += buf;
  const int status = pclose(pipe);
  fs::remove_all(dir);
  if (status != 0) {
    if (output.find("not found") != std::string::npos || WEXITSTATUS(status) == 127)
      throw Error("arena plot draws with gnuplot, which is not installed (tools/install.sh installs gnuplot-nox)");
    throw Error("gnuplot failed: " + output);
  }
  fmt::print("wrote {} (run {}, {} metrics over {} steps)\n", a.out, run, series.size(),
             series.count("loss") ? series["loss"].size() : rows.size());
  return 0;
}

}  // namespace

void add_train_commands(CLI::App& app, Commands& commands) {
  auto ta = std::make_shared<TrainArgs>();
  auto* t = app.add_subcommand("train", "Self-play training from a JSON configuration (docs/training.md)");
  t->add_option("config", ta->config, "Training configuration (JSON); optional with --resume");
  t->add_option("--db", ta->db, "SQLite database for rollouts and metrics")->capture_default_str();
  t->add_option("--out", ta->out, "Run directory for checkpoints and metrics.csv (default runs/<config name>)");
  t->add_flag("--resume", ta->resume, "Continue the run in --out from its latest checkpoint, exactly");
  t->add_option("--until-step", ta->until, "Stop (checkpointed) after this step; --resume continues")
      ->check(positive_number());
  t->add_option("--device", ta->device, "cpu, cuda or cuda:N (overrides the configuration)");
  t->add_flag("--quiet", ta->quiet, "No progress line per step");
  commands.emplace_back(t, [ta] { return run_train_command(*ta); });

  {
    auto* bench = app.get_subcommand("bench");  // registered by add_bench_commands, which runs first
    auto games = std::make_shared<std::string>("kuhn_poker,leduc_poker,connect_four,hanabi(preset=mini)");
    auto sizes = std::make_shared<std::string>("256,2048,16384");
    auto steps = std::make_shared<int>(4);
    auto* sp = bench->add_subcommand("selfplay", "Self-play rollouts and PPO updates per second, CPU and GPU, by batch size");
    sp->add_option("--games", *games, "Comma-separated game strings")->capture_default_str();
    sp->add_option("--episodes", *sizes, "Comma-separated episodes per seat (= matches in flight)")->capture_default_str();
    sp->add_option("--steps", *steps, "Training steps per measurement (the first is not counted)")
        ->check(CLI::Range(2, 1000));
    commands.emplace_back(sp, [=] { return run_bench_selfplay(*games, *sizes, *steps); });
  }

  auto pa = std::make_shared<PlotArgs>();
  auto* p = app.add_subcommand("plot", "Training curves of a run as a PNG (gnuplot)");
  p->add_option("--db", pa->db, "SQLite database")->capture_default_str();
  p->add_option("--run", pa->run, "Training run id (default: the newest training run)");
  p->add_option("--out", pa->out, "PNG file to write")->capture_default_str();
  p->add_option("--metrics", pa->metrics, "Plot only these metric keys, separated by ';'");
  commands.emplace_back(p, [pa] { return run_plot(*pa); });
}

}  // namespace arena::cli
