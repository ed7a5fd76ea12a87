# Expected values of tests/trainer/*_test.cc, computed independently of the C++ code: plain Python over the test
# batches, exact fractions for sums, means and variances, float only for square roots, lgamma, exp and 2^x. Each
# function follows the formula in the estimator's header comment. Run: python3 tests/trainer/expected_values.py
from fractions import Fraction as F
import copy
import math


def fmt(xs): return "{" + ", ".join(repr(float(x)) for x in xs) + "}"
def mean(xs): return sum(xs, F(0)) / len(xs)

# ---------- grpo, dr_grpo, rloo, reinforce_pp(_baseline), stratified, bnpo ----------


def var(xs, ddof): m = mean(xs); return sum(((x - m) ** 2 for x in xs), F(0)) / (len(xs) - ddof)

# ---------- standard outcome batch (rows in the order the test adds them) ----------
# (trajectory, turn, reward, game, role, group, tokens)
rows = [
    (13, 1, F(2,10), 1, 1, 0, 4), (10, 0, F(1,2), 0, 0, 0, 3), (11, 2, F(-1), 0, 1, 0, 2),
    (20, 0, F(2), 0, 0, 1, 5), (10, 1, F(1,2), 0, 0, 0, 1), (13, 0, F(1,10), 1, 1, 0, 2),
    (12, 0, F(1,4), 1, 0, 0, 6), (21, 1, F(1), 0, 1, 1, 1), (11, 0, F(0), 0, 1, 0, 3),
    (30, 0, F(3), 0, 0, 2, 2), (13, 2, F(3,10), 1, 1, 0, 1), (21, 0, F(1), 0, 1, 1, 2),
]
trajs = sorted({r[0] for r in rows})
def turns_of(t): return sorted([r for r in rows if r[0] == t], key=lambda r: r[1])
score = {t: sum((r[2] for r in turns_of(t)), F(0)) for t in trajs}
group = {t: turns_of(t)[0][5] for t in trajs}
def rtg(t, gamma=1):   # turn -> reward-to-go
    ts = turns_of(t); out = {}; acc = F(0) if gamma == 1 else 0.0
    for r in reversed(ts): acc = r[2] + gamma * acc; out[r[1]] = acc
    return out

def per_row(traj_value):   # trajectory value -> row order
    return [traj_value[r[0]] for r in rows]

print("// scores", {t: float(score[t]) for t in trajs})

def grpo(eps=1e-6, ddof=1, mode="add_to_std", singleton="raw", unit="trajectory"):
    if unit == "trajectory":
        samples = {t: (score[t], group[t]) for t in trajs}
    else:
        samples = {}
        for r in rows: samples[(r[0], r[1])] = (rtg(r[0])[r[1]], r[5])
    out = {}
    for k, (s, g) in samples.items():
        xs = [v for (v, gg) in samples.values() if gg == g]
        if len(xs) == 1:
            out[k] = 0.0 if singleton == "zero" else float(s) / {"add_to_std": 1 + eps, "add_to_var": math.sqrt(1 + eps), "clamp_var": math.sqrt(max(1, eps))}[mode]
            continue
        m = mean(xs); v = var(xs, ddof)
        if v == 0: out[k] = 0.0; continue
        d = float(s - m)
        out[k] = d / {"add_to_std": math.sqrt(v) + eps, "add_to_var": math.sqrt(float(v) + eps), "clamp_var": math.sqrt(max(float(v), eps))}[mode]
    if unit == "trajectory": return per_row(out)
    return [out[(r[0], r[1])] for r in rows]

print("grpo default", fmt(grpo()))
print("grpo ddof0 add_to_var eps1e-4 singleton zero", fmt(grpo(eps=1e-4, ddof=0, mode="add_to_var", singleton="zero")))
print("grpo clamp_var eps 0.5", fmt(grpo(eps=0.5, mode="clamp_var")))
print("grpo unit turn", fmt(grpo(unit="turn")))
print("returns trajectory", fmt(per_row(score)))
print("returns turn", fmt([rtg(r[0])[r[1]] for r in rows]))

def dr_grpo(scale=1, singleton="raw"):
    out = {}
    for t in trajs:
        xs = [score[u] for u in trajs if group[u] == group[t]]
        out[t] = (score[t] if singleton == "raw" else 0) / F(scale) if len(xs) == 1 else (score[t] - mean(xs)) / F(scale)
    return per_row(out)
print("dr_grpo default", fmt(dr_grpo()))
print("dr_grpo scale 4 zero", fmt(dr_grpo(4, "zero")))

def rloo(singleton="raw"):
    out = {}
    for t in trajs:
        xs = [score[u] for u in trajs if group[u] == group[t]]
        n = len(xs)
        out[t] = (score[t] if singleton == "raw" else 0) if n == 1 else score[t] - (sum(xs) - score[t]) / (n - 1)
    return per_row(out)
print("rloo default", fmt(rloo()))
print("rloo zero", fmt(rloo("zero")))

def whiten(values, weights, eps=1e-8, ddof=1):
    W = sum(weights); m = sum((w * v for v, w in zip(values, weights)), F(0)) / W
    v = sum((w * (x - m) ** 2 for x, w in zip(values, weights)), F(0)) / (W - ddof)
    if v == 0: return [0.0] * len(values)
    return [float(x - m) / math.sqrt(float(v) + eps) for x in values]

toks = [F(r[6]) for r in rows]
ones = [F(1)] * len(rows)
G = [rtg(r[0])[r[1]] for r in rows]
print("reinforce_pp tokens", fmt(whiten(G, toks)))
print("reinforce_pp no tokens", fmt(whiten(G, ones)))
Gg = [rtg(r[0], 0.5)[r[1]] for r in rows]
print("reinforce_pp gamma .5 returns", fmt(Gg))
print("reinforce_pp gamma .5 tokens", fmt(whiten(Gg, toks)))

def rfb(singleton="raw"):
    c = {}
    for t in trajs:
        xs = [score[u] for u in trajs if group[u] == group[t]]
        c[t] = (score[t] if singleton == "raw" else F(0)) if len(xs) == 1 else score[t] - mean(xs)
    return per_row(c)
print("rf++b tokens", fmt(whiten(rfb(), toks)))
print("rf++b zero, no tokens", fmt(whiten(rfb("zero"), ones)))

def stratified(alpha=0.8, key=lambda t: len(turns_of(t)), eps=1e-6):
    out = {}
    for t in trajs:
        g = [u for u in trajs if group[u] == group[t]]
        h = [u for u in g if key(u) == key(t)]
        def z(members, singleton_raw):
            xs = [score[u] for u in members]
            if len(xs) == 1: return float(score[t]) / (1 + eps) if singleton_raw else 0.0
            v = var(xs, 1)
            if v == 0: return 0.0
            return float(score[t] - mean(xs)) / (math.sqrt(v) + eps)
        out[t] = alpha * z(h, False) + (1 - alpha) * z(g, True)
    return per_row(out)
print("stratified num_turns", fmt(stratified()))
role = {t: turns_of(t)[0][4] for t in trajs}
print("stratified role alpha .5", fmt(stratified(0.5, key=lambda t: role[t])))
print("stratified alpha 0 == grpo", fmt(stratified(0.0)))

# ---------- BNPO ----------
print("// bnpo")
bn = {0: [1, 0, 0, 1], 1: [1, 1, 1, 0], 2: [0, 0, 0, 1], 3: [1]}
def beta_pdf(p, a, b):
    logn = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    return math.exp(logn) * (p ** (a - 1) if a != 1 else 1) * ((1 - p) ** (b - 1) if b != 1 else 1)
def bnpo(bn, singleton="raw", maxw=1e6):
    p = {g: (F(0) if len(v) == 1 else mean([F(x) for x in v])) for g, v in bn.items()}
    ps = list(p.values())
    if len(ps) == 1: mu, v = F(0), F(1)
    else: mu, v = mean(ps), var(ps, 1)
    if v == 0: a_ = b_ = 1.0
    else:
        k = mu * (1 - mu) / v - 1
        a_ = max(1 + float(k * mu) / 3, 1.0); b_ = max(1 + float(k * (1 - mu)) / 3, 1.0)
    print("  alpha beta", a_, b_, "mu var", float(mu), float(v))
    out = []
    for g, xs in bn.items():
        pdf = beta_pdf(float(p[g]), a_, b_)
        w = min(1 / pdf, maxw) if pdf > 0 else maxw
        for x in xs: out.append(0.0 if (len(xs) == 1 and singleton == "zero") else w * float(x - p[g]))
    return out
print("bnpo", fmt(bnpo(bn)))
print("bnpo zero", fmt(bnpo(bn, "zero")))
bn2 = {0: [1, 0], 1: [0, 1]}
print("bnpo equal p", fmt(bnpo(bn2)))
bn3 = {0: [1, 0, 1]}
print("bnpo one group", fmt(bnpo(bn3)))


# ---------- RAE ----------
print("// rae")
# batch 1 rows: (traj, turn, reward, game, role)
b1 = [(1, 0, 0, 0, 0), (1, 1, 0, 0, 0), (1, 2, 1, 0, 0), (2, 0, 0, 0, 1), (2, 1, -1, 0, 1),
      (3, 0, F(1, 2), 1, 0), (4, 0, 1, 0, 0)]
b2 = [(5, 0, 0, 0, 0), (5, 1, 0, 0, 0), (6, 0, 1, 0, 1), (7, 0, 0, 2, 0)]
def rae(batches, alpha=F(95, 100), post=False, per_game=True, gamma=1):
    B = {}
    outs = []
    for b in batches:
        trajs = sorted({r[0] for r in b})
        A = {}
        for t in trajs:
            ts = [r for r in b if r[0] == t]
            R = sum((r[2] for r in ts), F(0))
            key = (ts[0][3] if per_game else 0, ts[0][4])
            pre = B.get(key, F(0))
            B[key] = alpha * pre + (1 - alpha) * R
            A[t] = R - (B[key] if post else pre)
        out = []
        for r in b:
            ts = sorted(x[1] for x in b if x[0] == r[0]); n = len(ts); k = ts.index(r[1])
            out.append(A[r[0]] * F(gamma) ** (n - 1 - k))
        outs.append(out)
    return outs, B
o, B = rae([b1, b2]); print("pre b1", fmt(o[0]), "\npre b2", fmt(o[1]), "\nB", {k: float(v) for k, v in B.items()})
o, B = rae([b1, b2], post=True); print("post b1", fmt(o[0]), "\npost b2", fmt(o[1]))
o, B = rae([b1, b2], per_game=False); print("role b1", fmt(o[0]), "\nrole b2", fmt(o[1]))
o, B = rae([b1], gamma=F(1, 2), alpha=F(1, 2)); print("gamma .5 alpha .5 b1", fmt(o[0]))

# ---------- SPO single ----------
print("// spo_single")
def z(a, eps=1e-8):
    m = mean(a); v = sum(((x - m) ** 2 for x in a), F(0)) / (len(a) - 1)
    return [float(x - m) / (math.sqrt(v) + eps) for x in a]
T = {}
def ab(x): return T.get(x, (0.5, 0.5))
def phat(x): a, b = ab(x); return a / (a + b)
n_init = 1 / (1 - 0.875)
T[9] = (n_init * 6.5 / 9, n_init * 2.5 / 9)
# step 1: (prompt, R)
s1 = [(7, 1), (8, 0), (9, 1)]
print("step1 A", fmt(z([F(r) - F(phat(p)) for p, r in s1])))
def rho(D): return min(max(2 ** (-D / 0.06), 0.875), 0.96)
D = {7: 0.01, 8: 0.5}
for p, r in s1:
    q = rho(D.get(p, 0.0)); a, b = ab(p); T[p] = (q * a + r, q * b + (1 - r))
print("trackers after step1", T)
s2 = [(7, 0), (7, 1), (8, 1)]
print("step2 A", fmt(z([F(r) - F(phat(p)) for p, r in s2])))
T_last = copy.deepcopy(T); T_seq = copy.deepcopy(T)
# last wins, D = 0 -> rho .96
for p, r in {7: 1, 8: 1}.items():
    a, b = T_last[p]; T_last[p] = (0.96 * a + r, 0.96 * b + 1 - r)
for p, r in s2:
    a, b = T_seq[p]; T_seq[p] = (0.96 * a + r, 0.96 * b + 1 - r)
s3 = [(7, 0), (8, 0), (10, 1)]
for name, TT in (("last", T_last), ("sequential", T_seq)):
    T = TT
    print("step3", name, "A", fmt(z([F(r) - F(phat(p)) for p, r in s3])), "trackers", TT)

# ---------- mars (worked example) ----------
# MARS worked example (mars.md §4.2). Rows in test order: (traj, role, rewards)
T = [(0, 0, ["0.05", "0.05", "1.05"]), (1, 1, ["0.05", "-0.95"]),
     (2, 0, ["0.05"] * 4 + ["0.15"]), (3, 1, ["0.05"] * 3 + ["0.15"])]
rows = [(t, k, r, F(x)) for t, r, xs in T for k, x in enumerate(xs)]
roles = [0, 1]
mu = {p: mean([x for (_, _, r, x) in rows if r == p]) for p in roles}
print("mu", {p: float(v) for p, v in mu.items()})
c1 = [x - mu[r] for (_, _, r, x) in rows]
print("step1", fmt(c1))
def rtg(vals):
    out = [None] * len(rows)
    for t, _, _ in T:
        idx = [i for i, row in enumerate(rows) if row[0] == t]
        acc = 0
        for i in reversed(idx): acc = vals[i] + acc; out[i] = acc
    return out
def code(tokens_per_turn, step2):
    s = 1
    if step2:
        N = tokens_per_turn * len(rows)
        s = 1 / math.sqrt(float(sum(v * v for v in c1)) / (N - 1) + 1e-8)
    G = rtg([F(s) * v if step2 else v for v in c1])
    c = {}
    for p in roles:
        U = sorted(set([G[i] for i, row in enumerate(rows) if row[2] == p] + [0]))
        c[p] = mean(U)
    Gp = [G[i] - c[rows[i][2]] for i in range(len(rows))]
    W = tokens_per_turn * len(rows)
    m = sum(Gp, F(0)) * tokens_per_turn / W
    v = sum(((g - m) ** 2 * tokens_per_turn for g in Gp), F(0)) / (W - 1)
    A = [float(g - m) / math.sqrt(float(v) + 1e-8) for g in Gp]
    return s, G, c, Gp, A
s, G, c, Gp, A = code(1, False)
print("G", fmt(G)); print("c", {p: float(v) for p, v in c.items()}); print("G-c", fmt(Gp)); print("A (1 token/turn)", fmt(A))
s, G, c, Gp, A = code(10, False); print("A (10 tokens/turn, no step 2)", fmt(A))
s, G, c, Gp, A10 = code(10, True); print("s", s, "A (10 tokens, step2)", fmt(A10))
print("max diff", max(abs(a - b) for a, b in zip(A, A10)))
# paper mode
R = rtg([x for (_, _, _, x) in rows])
print("paper R", fmt(R))
for p in roles:
    xs = [R[i] for i in range(len(rows)) if rows[i][2] == p]
    m = mean(xs); v = sum(((x - m) ** 2 for x in xs), F(0)) / (len(xs) - 1)
    print("paper", p, float(m), math.sqrt(v))
def paper(eps=1e-6):
    out = []
    for i, row in enumerate(rows):
        xs = [R[j] for j in range(len(rows)) if rows[j][2] == row[2]]
        m = mean(xs); v = sum(((x - m) ** 2 for x in xs), F(0)) / (len(xs) - 1)
        out.append(float(R[i] - m) / (math.sqrt(v) + eps))
    return out
print("paper A", fmt(paper()))
# paper, turn_level off: every turn gets R of the first turn
Rt = [R[[j for j in range(len(rows)) if rows[j][0] == row[0]][0]] for row in rows]
def z_pool(vals, pool):
    out = []
    for i in range(len(rows)):
        xs = [vals[j] for j in range(len(rows)) if pool(j) == pool(i)]
        m = mean(xs); v = sum(((x - m) ** 2 for x in xs), F(0)) / (len(xs) - 1)
        out.append(float(vals[i] - m) / (math.sqrt(v) + 1e-6))
    return out
print("paper turn_level off", fmt(z_pool(Rt, lambda j: rows[j][2])))
print("paper agent_specific off", fmt(z_pool(R, lambda j: 0)))
# code, agent_specific off: step1 one pool (one game), step3 one pool
muall = mean([x for *_, x in rows]); c1b = [x - muall for *_, x in rows]
Gb = rtg(c1b); U = sorted(set(Gb + [0])); cb = mean(U); Gpb = [g - cb for g in Gb]
m = mean(Gpb); v = sum(((g - m) ** 2 for g in Gpb), F(0)) / (len(rows) - 1)
print("code agent_specific off (no step2, 1 tok)", "mu", float(muall), "c", float(cb), fmt([float(g - m) / math.sqrt(float(v) + 1e-8) for g in Gpb]))
# code, turn_level off (no step 2, 1 token)
G = rtg(c1)
Gt = [G[[j for j in range(len(rows)) if rows[j][0] == row[0]][0]] for row in rows]
ct = {p: mean(sorted(set([Gt[i] for i in range(len(rows)) if rows[i][2] == p] + [0]))) for p in roles}
Gpt = [Gt[i] - ct[rows[i][2]] for i in range(len(rows))]
m = mean(Gpt); v = sum(((g - m) ** 2 for g in Gpt), F(0)) / (len(rows) - 1)
print("code turn_level off", "c", {p: float(x) for p, x in ct.items()}, fmt([float(g - m) / math.sqrt(float(v) + 1e-8) for g in Gpt]))
