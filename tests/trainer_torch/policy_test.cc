// LibTorch parts of the trainer against hand-computed values: the PPO objective (clip, dual-clip, k3, entropy,
// aggregation), AdamW, masked policies, deterministic initialisation, checkpoints, the policy agent.
#include <cmath>
#include <filesystem>

#include "games/api/registry.h"
#include "trainer/checkpoint.h"
#include "trainer/policy.h"
#include "trainer/policy_agent.h"
// Torch's logging headers define CHECK; Catch's must win, so it comes last.
#undef CHECK
#include "tests/catch_compat.h"

using namespace arena;
using namespace arena::trainer;

namespace {

torch::Tensor vec(std::vector<float> v) { return torch::tensor(v, torch::kFloat32); }

std::shared_ptr<Policy> mlp(std::vector<std::string> games, std::uint64_t seed) {
  PolicyConfig c;
  c.hidden = {16, 8};
  return make_policy(c, std::make_shared<GameSlots>(games, false), seed);
}

}  // namespace

TEST_CASE("ppo_loss equals the hand-computed clip, dual-clip, k3 and entropy terms", "[torch][ppo]") {
  // Three turns over two actions; the chosen action is 0 in every row.
  const std::vector<double> p = {0.6, 0.2, 0.9};         // new probability of the chosen action
  const std::vector<double> old_p = {0.4, 0.5, 0.3};     // ratios 1.5, 0.4, 3
  const std::vector<double> ref_p = {0.5, 0.5, 0.5};
  const std::vector<double> adv = {1.0, -1.0, -2.0};
  std::vector<float> lp;
  for (double x : p) {
    lp.push_back(static_cast<float>(std::log(x)));
    lp.push_back(static_cast<float>(std::log(1 - x)));
  }
  auto log_probs = torch::tensor(lp).reshape({3, 2});
  auto mask = torch::ones({3, 2}, torch::kBool);
  PpoInputs in;
  in.actions = torch::zeros({3}, torch::kInt64);
  in.old_logp = vec({std::log(0.4f), std::log(0.5f), std::log(0.3f)});
  in.ref_logp = vec({std::log(0.5f), std::log(0.5f), std::log(0.5f)});
  in.advantage = vec({1, -1, -2});
  in.weight = vec({1.0f / 3, 1.0f / 3, 1.0f / 3});  // token-mean
  PpoConfig c;
  c.clip = 0.2;
  c.dual_clip = 1.4;
  c.kl_coef = 0.5;
  c.entropy_coef = 0.1;
  // pg: row 0 max(-1.5, -1.2) = -1.2; row 1 max(0.4, 0.8) = 0.8 (dual-clip bound 1.4 not reached);
  //     row 2 max(6, 2.4) = 6, dual-clipped to 1.4·2 = 2.8.
  const double pg = (-1.2 + 0.8 + 2.8) / 3;
  double kl = 0, ent = 0;
  for (int i = 0; i < 3; ++i) {
    const double d = std::log(ref_p[i]) - std::log(p[i]);
    kl += (std::exp(d) - d - 1) / 3;
    ent += -(p[i] * std::log(p[i]) + (1 - p[i]) * std::log(1 - p[i])) / 3;
  }
  PpoStats st;
  auto loss = ppo_loss(log_probs, mask, in, c, &st);
  CHECK(st.pg_loss == Approx(pg).epsilon(1e-5));
  CHECK(st.kl == Approx(kl).epsilon(1e-5));
  CHECK(st.entropy == Approx(ent).epsilon(1e-5));
  CHECK(loss.item<double>() == Approx(pg + 0.5 * kl - 0.1 * ent).epsilon(1e-5));
  CHECK(st.clip_frac == Approx(1.0));  // ratios 1.5, 0.4 and 3 all lie outside [0.8, 1.2]
  // Without dual-clip the third row keeps 6.
  c.dual_clip = 0;
  ppo_loss(log_probs, mask, in, c, &st);
  CHECK(st.pg_loss == Approx((-1.2 + 0.8 + 6.0) / 3).epsilon(1e-5));
}

TEST_CASE("AdamW: one step equals the formula", "[torch][optim]") {
  auto p = torch::tensor({1.0f}).requires_grad_(true);
  OptimizerConfig c;
  c.beta1 = 0.9;
  c.beta2 = 0.95;
  c.eps = 1e-8;
  c.weight_decay = 0.01;
  AdamW adam({p}, c);
  p.mutable_grad() = torch::tensor({0.5f});
  adam.step(0.1);
  // p·(1 − lr·wd) − lr·m̂/(√v̂ + ε) with m̂ = g, v̂ = g²: 0.999 − 0.1·0.5/(0.5 + 1e-8)
  CHECK(p.item<double>() == Approx(0.999 - 0.1 * 0.5 / (0.5 + 1e-8)).epsilon(1e-6));
  CHECK(adam.steps() == 1);
  p.mutable_grad() = torch::tensor({-1.0f});
  adam.step(0.1);
  const double m = 0.9 * 0.05 + 0.1 * -1.0, v = 0.95 * 0.0125 + 0.05 * 1.0;
  const double mhat = m / (1 - 0.81), vhat = v / (1 - 0.9025);
  const double p1 = 0.999 - 0.1 * 0.5 / (0.5 + 1e-8);
  CHECK(p.item<double>() == Approx(p1 * 0.999 - 0.1 * mhat / (std::sqrt(vhat) + 1e-8)).epsilon(1e-6));
}

TEST_CASE("policies: masked probabilities, seeded initialisation, batch-order independence", "[torch][policy]") {
  auto a = mlp({"tic_tac_toe", "kuhn_poker"}, 7);
  auto b = mlp({"tic_tac_toe", "kuhn_poker"}, 7);
  auto c = mlp({"tic_tac_toe", "kuhn_poker"}, 8);
  auto pa = a->named_params(), pb = b->named_params(), pc = c->named_params();
  REQUIRE(pa.size() == pb.size());
  bool differs = false;
  for (size_t i = 0; i < pa.size(); ++i) {
    CHECK(pa[i].first == pb[i].first);
    CHECK(torch::equal(pa[i].second, pb[i].second));
    differs = differs || !torch::equal(pa[i].second, pc[i].second);
  }
  CHECK(differs);

  auto ttt = load_game("tic_tac_toe");
  auto kuhn = load_game("kuhn_poker");
  auto s1 = ttt->new_initial_state();
  s1->apply_action(4);
  s1->apply_action(0);
  auto s2 = kuhn->new_initial_state();
  s2->apply_action(0);
  s2->apply_action(2);
  FeatureBatch mixed, only_ttt;
  mixed.add(a->slots(), 1, *s2, 0);
  mixed.add(a->slots(), 0, *s1, 0);
  only_ttt.add(a->slots(), 0, *s1, 0);
  torch::NoGradGuard guard;
  auto lm = a->log_probs(mixed);
  auto lt = a->log_probs(only_ttt);
  CHECK(torch::allclose(lm[1], lt[0], 1e-6, 1e-7));
  auto probs = lm.exp();
  CHECK(probs[0].sum().item<double>() == Approx(1.0).epsilon(1e-6));
  CHECK(probs[1][4].item<double>() < 1e-12);  // occupied cells are illegal
  CHECK(probs[1][0].item<double>() < 1e-12);
  CHECK(probs[0][5].item<double>() < 1e-12);  // Kuhn has 2 actions; padded columns are masked
  CHECK(probs[1].sum().item<double>() == Approx(1.0).epsilon(1e-6));

  PolicyConfig tab;
  tab.kind = "tabular";
  auto t = make_policy(tab, std::make_shared<GameSlots>(std::vector<std::string>{"kuhn_poker"}, true), 1);
  FeatureBatch kb;
  kb.add(t->slots(), 0, *s2, 0);
  CHECK(kb.infoset[0] >= 0);
  CHECK(t->log_probs(kb).exp()[0][0].item<double>() == Approx(0.5));
}

TEST_CASE("checkpoints: safetensors round trip restores the policy exactly", "[torch][checkpoint]") {
  auto p = mlp({"kuhn_poker", "leduc_poker"}, 3);
  const auto dir = std::filesystem::temp_directory_path() / "arena_ckpt_test";
  std::filesystem::create_directories(dir);
  const auto file = (dir / "model.safetensors").string();
  save_model(*p, file);
  auto q = load_model(file);
  CHECK(q->architecture() == p->architecture());
  auto pp = p->named_params(), qp = q->named_params();
  REQUIRE(pp.size() == qp.size());
  for (size_t i = 0; i < pp.size(); ++i) CHECK(torch::equal(pp[i].second, qp[i].second));
  CHECK(resolve_checkpoint_dir(dir.string()) == dir.string());
  // A policy of another architecture refuses these parameters.
  auto other = mlp({"kuhn_poker"}, 3);
  CHECK_THROWS_AS(load_parameters(*other, file), Error);
  CHECK_THROWS_AS(resolve_checkpoint_dir((dir / "nothing").string()), Error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("policy agent: decisions depend only on the seed, probabilities match the policy", "[torch][agent]") {
  auto p = mlp({"tic_tac_toe"}, 5);
  PolicyAgent agent(p, false, "test");
  auto game = load_game("tic_tac_toe");
  auto s = game->new_initial_state();
  s->apply_action(4);
  std::vector<DecisionRequest> reqs(3);
  for (int i = 0; i < 3; ++i) {
    reqs[i].state = s.get();
    reqs[i].player = 1;
    reqs[i].seed = 100 + static_cast<std::uint64_t>(i % 2);
  }
  auto d = agent.act(reqs);
  CHECK(d[0].action == d[2].action);  // same seed, same answer, whatever else is in the batch
  auto single = agent.act(std::span<const DecisionRequest>(reqs.data() + 1, 1));
  CHECK(single[0].action == d[1].action);
  auto probs = agent.action_probabilities(*s, 1);
  REQUIRE(probs);
  CHECK(probs->size() == 8);
  double total = 0;
  for (double x : *probs) total += x;
  CHECK(total == Approx(1.0).epsilon(1e-6));  // float32 softmax
  const auto legal = s->legal_actions();
  for (size_t k = 0; k < legal.size(); ++k)
    if (legal[k] == d[0].action) CHECK(*d[0].logprob == Approx(std::log((*probs)[k])).epsilon(1e-9));
  auto kuhn = load_game("kuhn_poker");
  CHECK_THROWS_AS(agent.prepare(*kuhn), Error);
}
