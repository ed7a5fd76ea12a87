// Torch-free parts of the trainer: configuration, learning-rate schedule, loss aggregation weights, learner turns
// (reward assignment), safetensors.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/catch_compat.h"
#include "trainer/aggregation.h"
#include "trainer/config.h"
#include "arena/safetensors.h"
#include "trainer/trajectory.h"

using namespace arena;
using namespace arena::trainer;
using nlohmann::json;

namespace {

std::string error_of(const json& j) {
  try {
    parse_train_config(j, "cfg.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TurnRow row(int ply, int player, Action a, std::vector<double> rewards) {
  TurnRow t;
  t.ply = ply;
  t.player = player;
  t.action = a;
  t.rewards = std::move(rewards);
  if (player >= 0) t.logprob = -0.5;
  return t;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("arena_trainer_test_" + name)).string();
}

}  // namespace

TEST_CASE("train config: defaults, resolved JSON and strict errors", "[trainer][config]") {
  auto c = parse_train_config({{"games", {"kuhn_poker"}}}, "cfg.json");
  CHECK(c.steps == 100);
  CHECK(c.games.size() == 1);
  CHECK(c.games[0].game == "kuhn_poker");
  CHECK(c.games[0].episodes == 128);
  CHECK(c.policy.kind == "mlp");
  CHECK(c.ppo.dual_clip == 1.4);
  CHECK(c.estimator["name"] == "mars");
  CHECK(c.estimator["mode"] == "code");
  CHECK(c.group_by == "batch");
  CHECK(c.to_json()["group_by"] == "batch");
  // The resolved configuration parses back to itself.
  auto again = parse_train_config(c.to_json(), "resolved");
  CHECK(again.to_json() == c.to_json());

  auto w = parse_train_config({{"games", {{{"game", "kuhn_poker"}, {"weight", 0.5}}, "tic_tac_toe"}},
                               {"episodes_per_seat", 10}},
                              "cfg.json");
  CHECK(w.games[0].episodes == 5);
  CHECK(w.games[1].episodes == 10);

  CHECK(contains(error_of(json::object()), "'games' is required"));
  CHECK(contains(error_of({{"games", {"kuhn_poker"}}, {"ppo", {{"clipp", 0.1}}}}), "unknown field 'ppo.clipp'"));
  CHECK(contains(error_of({{"games", {"kuhn_poker"}}, {"stepz", 3}}), "unknown field 'stepz'"));
  CHECK(contains(error_of({{"games", {"kuhn_poker"}}, {"steps", "ten"}}), "'steps' must be an integer"));
  CHECK(contains(error_of({{"games", {"kuhn_poker"}}, {"steps", 0}}), "'steps' must be an integer in [1"));
  CHECK(contains(error_of({{"games", {"no_such_game"}}}), "'games[0]'"));
  CHECK(contains(error_of({{"games", {"kuhn_poker", "kuhn_poker"}}}), "listed twice"));
  CHECK(contains(error_of({{"games", {"kuhn_poker"}}, {"ppo", {{"dual_clip", 0.5}}}}), "'ppo.dual_clip' must be 0"));
  CHECK(contains(error_of({{"games", {"kuhn_poker"}}, {"policy", {{"kind", "cnn"}}}}), "'policy.kind' must be one of"));
  CHECK(contains(error_of({{"games", {"kuhn_poker"}}, {"estimator", {{"name", "mars"}, {"mode", "x"}}}}),
                 "'estimator'"));
  CHECK(contains(error_of({{"games", {"kuhn_poker"}}, {"estimator", {{"name", "nope"}}}}), "'estimator'"));
  CHECK(contains(error_of({{"games", {"kuhn_poker"}}, {"optimizer", {{"betas", {0.9}}}}}), "'optimizer.betas'"));
  CHECK(contains(error_of({{"games", {"kuhn_poker"}}, {"device", "tpu"}}), "'device' must be cpu, cuda"));
  CHECK(contains(error_of({{"games", {"kuhn_poker"}}, {"device", "cuda:x"}}), "'device' must be cpu, cuda"));
  CHECK(contains(error_of({{"games", {"kuhn_poker"}}, {"device", "cuda:"}}), "'device' must be cpu, cuda"));
  CHECK(parse_train_config({{"games", {"kuhn_poker"}}, {"device", "cuda:1"}}, "cfg.json").device == "cuda:1");
  CHECK(contains(error_of({{"games", {"kuhn_poker"}}, {"group_by", "match"}}),
                 "'group_by' must be one of batch, game, game_seat"));
}

TEST_CASE("train config: group_by names the estimator's group of a trajectory", "[trainer][config]") {
  auto c = parse_train_config({{"games", {"kuhn_poker", "tic_tac_toe"}}, {"group_by", "game_seat"}}, "cfg.json");
  CHECK(c.group_by == "game_seat");
  CHECK(parse_train_config(c.to_json(), "resolved").group_by == "game_seat");
  CHECK(estimator_group("batch", 1, 1) == 0);
  CHECK(estimator_group("game", 0, 1) == 0);
  CHECK(estimator_group("game", 1, 0) == 1);
  CHECK(estimator_group("game_seat", 0, 1) == 1);
  CHECK(estimator_group("game_seat", 1, 0) == 64);
  CHECK(estimator_group("game_seat", 1, 1) == 65);
}

TEST_CASE("learning rate: linear warmup then cosine to min_lr", "[trainer][config]") {
  OptimizerConfig o;
  o.lr = 1e-3;
  o.min_lr = 1e-4;
  o.warmup_steps = 10;
  CHECK(learning_rate(o, 0, 110) == Approx(1e-4));
  CHECK(learning_rate(o, 9, 110) == Approx(1e-3));
  CHECK(learning_rate(o, 10, 110) == Approx(1e-3));
  CHECK(learning_rate(o, 60, 110) == Approx(5.5e-4));  // halfway: (lr + min_lr) / 2
  CHECK(learning_rate(o, 110, 110) == Approx(1e-4));
  o.schedule = "constant";
  CHECK(learning_rate(o, 60, 110) == Approx(1e-3));
}

TEST_CASE("aggregation weights per mode", "[trainer][ppo]") {
  const std::vector<std::int64_t> seq = {7, 7, 9};  // two trajectories: lengths 2 and 1
  auto close = [](const std::vector<double>& a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]));
  };
  close(agg_weights(seq, "token-mean", 0), {1.0 / 3, 1.0 / 3, 1.0 / 3});
  close(agg_weights(seq, "seq-mean-token-mean", 0), {0.25, 0.25, 0.5});
  close(agg_weights(seq, "seq-mean-token-sum", 0), {0.5, 0.5, 0.5});
  close(agg_weights(seq, "seq-mean-token-sum-norm", 4), {0.125, 0.125, 0.125});
  CHECK(agg_weights({}, "token-mean", 0).empty());
  CHECK_THROWS_AS(agg_weights(seq, "nope", 0), Error);
}

TEST_CASE("learner turns: a win lands on the winner's last turn, the loss on the loser's", "[trainer][rewards]") {
  // Tic-Tac-Toe-like: p0, p1, p0 (wins).
  std::vector<TurnRow> t = {row(0, 0, 4, {0, 0}), row(1, 1, 0, {0, 0}), row(2, 0, 8, {1, -1})};
  auto out = learner_turns(t, {1, -1}, true, {0, 1}, 0.1);
  REQUIRE(out.size() == 3);
  CHECK(out[0].seat == 0);
  CHECK(out[0].turn == 0);
  CHECK(out[0].reward == 0);
  CHECK(out[1].seat == 0);
  CHECK(out[1].turn == 1);
  CHECK(out[1].ply == 2);
  CHECK(out[1].reward == 1);
  CHECK(out[2].seat == 1);
  CHECK(out[2].reward == -1);  // the opponent's winning move is charged to p1's last turn
  CHECK(out[2].logprob == -0.5);
}

TEST_CASE("learner turns: chance, draws, forfeits, selected seats", "[trainer][rewards]") {
  // Kuhn: two deals, p0 bets, p1 folds.
  std::vector<TurnRow> kuhn = {row(0, -1, 2, {0, 0}), row(1, -1, 0, {0, 0}), row(2, 0, 1, {0, 0}),
                               row(3, 1, 0, {1, -1})};
  auto k = learner_turns(kuhn, {1, -1}, true, {1}, 0.0);
  REQUIRE(k.size() == 1);
  CHECK(k[0].seat == 1);
  CHECK(k[0].ply == 3);
  CHECK(k[0].reward == -1);

  // A draw: every return 0 → the bonus on each seat's last turn.
  std::vector<TurnRow> draw = {row(0, 0, 0, {0, 0}), row(1, 1, 1, {0, 0}), row(2, 0, 2, {0, 0})};
  auto d = learner_turns(draw, {0, 0}, true, {0, 1}, 0.1);
  REQUIRE(d.size() == 3);
  CHECK(d[0].reward == 0);
  CHECK(d[1].reward == Approx(0.1));
  CHECK(d[2].reward == Approx(0.1));

  // A forfeit: the returns the runner imposed differ from the per-step rewards; no draw bonus.
  auto f = learner_turns(draw, {-11, 0}, false, {0, 1}, 0.1);
  CHECK(f[1].reward == Approx(-11));
  CHECK(f[2].reward == 0);

  // A reward before a seat's first turn goes to that turn.
  std::vector<TurnRow> early = {row(0, -1, 0, {0.5, 0}), row(1, 0, 1, {0, 0}), row(2, 1, 1, {0.25, -0.25})};
  auto e = learner_turns(early, {0.75, -0.25}, true, {0, 1}, 0);
  CHECK(e[0].reward == Approx(0.75));
  CHECK(e[1].reward == Approx(-0.25));
}

TEST_CASE("learner decisions: format bonus, refused answers and the forfeit penalty", "[trainer][rewards]") {
  // Tic-Tac-Toe: p0 plays, p1 plays, then p0's answer is refused and the match ends by forfeit (mars: p0 −11, p1 0).
  std::vector<TurnRow> t = {row(0, 0, 4, {0, 0}), row(1, 1, 0, {0, 0})};
  std::vector<RejectedRow> rejected = {{2, 0, 0, std::string("<think>\nno answer"), "no <answer> block"}};
  auto d = learner_decisions(t, rejected, {-11, 0}, false, {0, 1}, 0.1, 0.05);
  REQUIRE(d.size() == 3);
  CHECK(d[0].seat == 0);
  CHECK(d[0].valid);
  CHECK(d[0].reward == Approx(0.05));   // a parsed answer: the format bonus only
  CHECK(d[1].seat == 0);
  CHECK(d[1].ply == 2);
  CHECK_FALSE(d[1].valid);
  CHECK(d[1].reward == Approx(-11));    // the refused answer that ended the match carries the penalty
  CHECK(d[2].seat == 1);
  CHECK(d[2].reward == Approx(0.05));   // the other seat: 0 for the forfeit, plus its format bonus

  // A refused answer that was retried gets 0; the retry (attempt 1) is the valid decision at that ply.
  std::vector<TurnRow> retried = {row(0, 0, 4, {0, 0}), row(1, 1, 0, {0, 0}), row(2, 0, 8, {1, -1})};
  retried[2].retries = 1;
  std::vector<RejectedRow> once = {{2, 0, 0, std::string("<think>\n</think><answer>x</answer>"), "not legal"}};
  auto r = learner_decisions(retried, once, {1, -1}, true, {0}, 0.0, 0.05);
  REQUIRE(r.size() == 3);
  CHECK(r[1].ply == 2);
  CHECK(r[1].attempt == 0);
  CHECK_FALSE(r[1].valid);
  CHECK(r[1].reward == 0);
  CHECK(r[2].attempt == 1);
  CHECK(r[2].valid);
  CHECK(r[2].reward == Approx(1.05));

  // A forfeit at a seat's first decision: every reward of the seat belongs to the refused answer.
  std::vector<RejectedRow> first = {{0, 0, 0, std::nullopt, "prompt too long"}};
  auto f = learner_decisions({}, first, {-11, 0}, false, {0, 1}, 0.1, 0.05);
  REQUIRE(f.size() == 1);
  CHECK(f[0].reward == Approx(-11));
}

TEST_CASE("safetensors: hand-checked bytes, round trip, metadata", "[trainer][safetensors]") {
  Safetensors f;
  const float w[4] = {1.0f, -2.0f, 0.5f, 3.0f};
  f.tensors["w"] = f32_tensor({2, 2}, w);
  TensorBytes b;
  b.dtype = "I64";
  b.shape = {1};
  b.data = {7, 0, 0, 0, 0, 0, 0, 0};
  f.tensors["a.step"] = b;
  f.metadata["format"] = "pt";
  const auto path = temp_path("rt.safetensors");
  write_safetensors(path, f);

  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), {});
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(bytes[i]) << (8 * i);
  CHECK(n % 8 == 0);
  CHECK(bytes.size() == 8 + n + 16 + 8);
  const auto header = json::parse(std::string(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(n)));
  CHECK(header["w"]["dtype"] == "F32");
  CHECK(header["w"]["shape"] == json({2, 2}));
  CHECK(header["__metadata__"]["format"] == "pt");
  // Tensors back to back in name order: "a.step" (8 bytes) then "w" (16 bytes).
  CHECK(header["a.step"]["data_offsets"] == json({0, 8}));
  CHECK(header["w"]["data_offsets"] == json({8, 24}));
  float first = 0;
  std::memcpy(&first, bytes.data() + 8 + n + 8, 4);
  CHECK(first == 1.0f);

  auto back = read_safetensors(path);
  CHECK(back.metadata == f.metadata);
  CHECK(f32_values(back.tensors.at("w")) == std::vector<float>(w, w + 4));
  CHECK(back.tensors.at("a.step").data == b.data);
  std::remove(path.c_str());
}

TEST_CASE("safetensors: malformed files are refused with the reason", "[trainer][safetensors]") {
  const auto path = temp_path("bad.safetensors");
  auto write_raw = [&](const std::string& header, size_t data_bytes, std::uint64_t claimed = 0) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    std::uint64_t n = claimed ? claimed : header.size();
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
    out << header << std::string(data_bytes, '\0');
  };
  auto error = [&] {
    try {
      read_safetensors(path);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  write_raw("{}", 0, 1000);
  CHECK(contains(error(), "exceeds the file"));
  write_raw("not json", 0);
  CHECK(contains(error(), "not JSON"));
  write_raw(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8);
  CHECK(contains(error(), "overlap"));
  write_raw(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8);
  CHECK(contains(error(), "bytes for its shape"));
  write_raw(R"({"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}})", 1);
  CHECK(contains(error(), "unknown dtype"));
  write_raw(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})", 3);
  CHECK(contains(error(), "trailing bytes"));
  std::remove(path.c_str());
  CHECK_THROWS_AS(read_safetensors(temp_path("missing.safetensors")), Error);
}
