#include "arena/store.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

namespace arena {
namespace {

// Schema version 1. Later versions append a migration step; never edit a released step.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,              -- tournament, eval, train, play
  config TEXT NOT NULL,            -- JSON
  code_version TEXT NOT NULL,
  seed INTEGER NOT NULL,
  status TEXT NOT NULL,            -- running, done
  created_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE TABLE agents (
  id INTEGER PRIMARY KEY,
  spec TEXT NOT NULL UNIQUE
);
CREATE TABLE matches (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  idx INTEGER NOT NULL,            -- position in the run's schedule
  game TEXT NOT NULL,              -- canonical game string
  seed INTEGER NOT NULL,
  status TEXT NOT NULL,            -- pending, running, done
  returns TEXT,                    -- JSON array, one per seat
  outcome TEXT,                    -- normal, or why the match ended early
  num_turns INTEGER,
  started_at TEXT,
  finished_at TEXT,
  UNIQUE (run_id, idx)
);
CREATE INDEX matches_by_game ON matches(game);
CREATE TABLE seats (
  match_id INTEGER NOT NULL REFERENCES matches(id),
  seat INTEGER NOT NULL,
  agent_id INTEGER NOT NULL REFERENCES agents(id),
  PRIMARY KEY (match_id, seat)
) WITHOUT ROWID;
CREATE INDEX seats_by_agent ON seats(agent_id);
CREATE TABLE turns (
  match_id INTEGER NOT NULL REFERENCES matches(id),
  ply INTEGER NOT NULL,            -- 0-based position in the history, chance outcomes included
  player INTEGER NOT NULL,         -- -1 for chance
  action INTEGER NOT NULL,
  action_text TEXT NOT NULL,
  observation TEXT,                -- what the acting player saw (observation text)
  rewards TEXT NOT NULL,           -- JSON array: every player's per-step reward after this move
  logprob REAL,
  raw_response TEXT,
  latency_ms REAL,
  retries INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (match_id, ply)
) WITHOUT ROWID;
CREATE TABLE metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  step INTEGER NOT NULL,
  key TEXT NOT NULL,
  value REAL,
  PRIMARY KEY (run_id, step, key)
) WITHOUT ROWID;
CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  step INTEGER NOT NULL,
  path TEXT NOT NULL,
  created_at TEXT NOT NULL
);
)sql";

// Schema version 2: answers the runner refused, so every raw response of a text agent is stored.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE rejected_responses (
  match_id INTEGER NOT NULL REFERENCES matches(id),
  ply INTEGER NOT NULL,            -- the decision's position in the history (the accepted answer's ply in turns)
  attempt INTEGER NOT NULL,        -- 0 = the first answer to this decision
  player INTEGER NOT NULL,
  raw_response TEXT,
  error TEXT NOT NULL,             -- why the runner refused it
  PRIMARY KEY (match_id, ply, attempt)
) WITHOUT ROWID;
)sql";

// "[1,-1]": %.17g keeps every double exact; integers (the common case) print without a fraction.
std::string to_json_array(const std::vector<double>& v) {
  std::string out = "[";
  char buf[32];
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    const double x = v[i];
    if (x == static_cast<double>(static_cast<long long>(x)) && x > -1e15 && x < 1e15)
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(x));
    else
      std::snprintf(buf, sizeof buf, "%.17g", x);
    out += buf;
  }
  return out + "]";
}
std::vector<double> from_json_array(const std::string& s) {
  if (s.empty()) return {};
  return nlohmann::json::parse(s).get<std::vector<double>>();
}

#ifndef ARENA_VERSION
#define ARENA_VERSION "unknown"
#endif

}  // namespace

std::string now_iso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Store::Store(const std::string& path, bool read_only)
    : db_(std::make_unique<sql::Db>(path, read_only ? sql::Db::Mode::kReadOnly : sql::Db::Mode::kReadWrite)),
      read_only_(read_only) {
  // The first read of the header tells a non-database or corrupt file apart.
  const auto version = db_->query_int("PRAGMA user_version");
  if (version > kSchemaVersion)
    throw Error("database '" + path + "' was written by a newer Arena (schema version " + std::to_string(version) +
                "; this build reads up to " + std::to_string(kSchemaVersion) + ")");
  const auto tables = db_->query_int("SELECT count(*) FROM sqlite_master WHERE type='table'");
  if (version == 0 && tables > 0)
    throw Error("'" + path + "' is an SQLite database but not an Arena database (it has tables and no Arena schema)");
  if (!read_only) {
    if (version == 0) db_->exec("PRAGMA page_size=16384");
    db_->exec("PRAGMA journal_mode=WAL");
    db_->exec("PRAGMA wal_autocheckpoint=4000");
    db_->exec("PRAGMA synchronous=NORMAL");
    db_->exec("PRAGMA cache_size=-65536");
    // REFERENCES clauses document the schema; enforcing them would cost an index probe per turn row, and every
    // write goes through this class, which keeps them consistent.
    migrate();
  } else if (version == 0) {
    throw Error("database '" + path + "' is empty: no Arena runs recorded yet");
  }
}

Store::~Store() {
  // At rest the file goes back to a rollback journal, so that readers, which open it read-only, leave no -wal and -shm
  // files beside it (a read-only connection cannot remove them); the next writer sets WAL again. Best effort and
  // without waiting: while another connection has the file open it stays in WAL mode.
  if (!read_only_ && db_) {
    sqlite3_busy_timeout(db_->raw(), 0);
    sqlite3_exec(db_->raw(), "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
  }
}

void Store::migrate() {
  auto version = db_->query_int("PRAGMA user_version");
  if (version < 1) {
    sql::Transaction tx(*db_);
    db_->exec(kSchemaV1);
    db_->exec("PRAGMA user_version = 1");
    tx.commit();
    version = 1;
  }
  if (version < 2) {
    sql::Transaction tx(*db_);
    db_->exec(kSchemaV2);
    db_->exec("PRAGMA user_version = 2");
    tx.commit();
  }
}

std::int64_t Store::create_run(const std::string& kind, const std::string& config_json, std::uint64_t seed) {
  sql::Stmt st(*db_, "INSERT INTO runs(kind, config, code_version, seed, status, created_at) "
                     "VALUES(?, ?, ?, ?, 'running', ?)");
  st.bind(1, kind).bind(2, config_json).bind(3, ARENA_VERSION).bind(4, static_cast<std::int64_t>(seed))
      .bind(5, now_iso8601()).run();
  return db_->last_insert_id();
}

void Store::finish_run(std::int64_t run_id) {
  sql::Stmt st(*db_, "UPDATE runs SET status='done', finished_at=? WHERE id=?");
  st.bind(1, now_iso8601()).bind(2, run_id).run();
}

std::optional<RunRow> Store::run(std::int64_t run_id) {
  sql::Stmt st(*db_, "SELECT id, kind, config, status, seed, created_at FROM runs WHERE id=?");
  st.bind(1, run_id);
  if (!st.step()) return std::nullopt;
  return RunRow{st.col_int(0), st.col_text(1), st.col_text(2), st.col_text(3),
                static_cast<std::uint64_t>(st.col_int(4)), st.col_text(5)};
}

std::vector<RunRow> Store::runs() {
  sql::Stmt st(*db_, "SELECT id, kind, config, status, seed, created_at FROM runs ORDER BY id");
  std::vector<RunRow> out;
  while (st.step())
    out.push_back({st.col_int(0), st.col_text(1), st.col_text(2), st.col_text(3),
                   static_cast<std::uint64_t>(st.col_int(4)), st.col_text(5)});
  return out;
}

std::optional<std::int64_t> Store::find_unfinished_run(const std::string& kind, const std::string& config_json) {
  sql::Stmt st(*db_, "SELECT id FROM runs WHERE kind=? AND config=? AND status!='done' ORDER BY id DESC LIMIT 1");
  st.bind(1, kind).bind(2, config_json);
  if (!st.step()) return std::nullopt;
  return st.col_int(0);
}

std::int64_t Store::agent_id(const std::string& spec) {
  sql::Stmt ins(*db_, "INSERT OR IGNORE INTO agents(spec) VALUES(?)");
  ins.bind(1, spec).run();
  sql::Stmt sel(*db_, "SELECT id FROM agents WHERE spec=?");
  sel.bind(1, spec);
  sel.step();
  return sel.col_int(0);
}

std::vector<std::int64_t> Store::add_matches(std::int64_t run_id, const std::vector<PlannedMatch>& matches) {
  sql::Transaction tx(*db_);
  sql::Stmt m(*db_, "INSERT INTO matches(run_id, idx, game, seed, status) VALUES(?, ?, ?, ?, 'pending')");
  sql::Stmt s(*db_, "INSERT INTO seats(match_id, seat, agent_id) VALUES(?, ?, ?)");
  std::vector<std::int64_t> ids;
  ids.reserve(matches.size());
  for (const auto& pm : matches) {
    m.bind(1, run_id).bind(2, pm.idx).bind(3, pm.game).bind(4, static_cast<std::int64_t>(pm.seed)).run();
    const auto id = db_->last_insert_id();
    ids.push_back(id);
    for (size_t seat = 0; seat < pm.seat_agent_ids.size(); ++seat)
      s.bind(1, id).bind(2, static_cast<std::int64_t>(seat)).bind(3, pm.seat_agent_ids[seat]).run();
  }
  tx.commit();
  return ids;
}

std::vector<MatchRow> Store::matches(const MatchFilter& f) {
  std::string q =
      "SELECT m.id, m.run_id, m.idx, m.game, m.seed, m.status, m.returns, m.outcome, m.num_turns, "
      "(SELECT group_concat(spec, char(31)) FROM (SELECT a.spec FROM seats s JOIN agents a ON a.id=s.agent_id "
      "WHERE s.match_id=m.id ORDER BY s.seat)) FROM matches m WHERE 1=1";
  if (f.run_id) q += " AND m.run_id=?1";
  if (f.game) q += " AND (m.game=?2 OR m.game LIKE ?2 || '(%')";
  if (f.agent)
    q += " AND EXISTS (SELECT 1 FROM seats s JOIN agents a ON a.id=s.agent_id WHERE s.match_id=m.id AND a.spec=?3)";
  if (f.status) q += " AND m.status=?4";
  q += " ORDER BY m.id";
  if (f.limit > 0) q += " LIMIT " + std::to_string(f.limit);
  sql::Stmt st(*db_, q);
  if (f.run_id) st.bind(1, *f.run_id);
  if (f.game) st.bind(2, *f.game);
  if (f.agent) st.bind(3, *f.agent);
  if (f.status) st.bind(4, *f.status);
  std::vector<MatchRow> out;
  while (st.step()) {
    MatchRow r;
    r.id = st.col_int(0);
    r.run_id = st.col_int(1);
    r.idx = st.col_int(2);
    r.game = st.col_text(3);
    r.seed = static_cast<std::uint64_t>(st.col_int(4));
    r.status = st.col_text(5);
    r.returns = from_json_array(st.col_text(6));
    r.outcome = st.col_text(7);
    r.num_turns = static_cast<int>(st.col_int(8));
    std::string specs = st.col_text(9);
    size_t start = 0;
    while (!specs.empty() && start <= specs.size()) {
      size_t end = specs.find('\x1f', start);
      if (end == std::string::npos) end = specs.size();
      r.seat_specs.push_back(specs.substr(start, end - start));
      start = end + 1;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<MatchRow> Store::match(std::int64_t match_id) {
  sql::Stmt st(*db_, "SELECT run_id FROM matches WHERE id=?");
  st.bind(1, match_id);
  if (!st.step()) return std::nullopt;
  MatchFilter f;
  f.run_id = st.col_int(0);
  for (auto& m : matches(f))
    if (m.id == match_id) return m;
  return std::nullopt;
}

std::vector<TurnRow> Store::turns(std::int64_t match_id) {
  sql::Stmt st(*db_, "SELECT ply, player, action, action_text, observation, rewards, logprob, raw_response, "
                     "latency_ms, retries FROM turns WHERE match_id=? ORDER BY ply");
  st.bind(1, match_id);
  std::vector<TurnRow> out;
  while (st.step()) {
    TurnRow t;
    t.ply = static_cast<int>(st.col_int(0));
    t.player = static_cast<int>(st.col_int(1));
    t.action = st.col_int(2);
    t.action_text = st.col_text(3);
    if (!st.col_null(4)) t.observation = st.col_text(4);
    t.rewards = from_json_array(st.col_text(5));
    if (!st.col_null(6)) t.logprob = st.col_double(6);
    if (!st.col_null(7)) t.raw_response = st.col_text(7);
    t.latency_ms = st.col_double(8);
    t.retries = static_cast<int>(st.col_int(9));
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<RejectedRow> Store::rejected(std::int64_t match_id) {
  sql::Stmt st(*db_, "SELECT ply, player, attempt, raw_response, error FROM rejected_responses WHERE match_id=? "
                     "ORDER BY ply, attempt");
  st.bind(1, match_id);
  std::vector<RejectedRow> out;
  while (st.step()) {
    RejectedRow r;
    r.ply = static_cast<int>(st.col_int(0));
    r.player = static_cast<int>(st.col_int(1));
    r.attempt = static_cast<int>(st.col_int(2));
    if (!st.col_null(3)) r.raw_response = st.col_text(3);
    r.error = st.col_text(4);
    out.push_back(std::move(r));
  }
  return out;
}

void Store::mark_running(const std::vector<std::int64_t>& match_ids) {
  auto& st = db_->cached("UPDATE matches SET status='running', started_at=? WHERE id=? AND status!='done'");
  const auto now = now_iso8601();
  for (auto id : match_ids) st.bind_static(1, now).bind(2, id).run();
}

void Store::write_completed(const std::vector<CompletedMatch>& done) {
  auto& m = db_->cached("UPDATE matches SET status='done', returns=?, outcome=?, num_turns=?, finished_at=? WHERE id=?");
  // Turns are only ever written here, in the transaction that marks the match done, and only for matches not yet
  // done, so a match's turns are inserted exactly once.
  auto& t = db_->cached("INSERT INTO turns(match_id, ply, player, action, action_text, observation, "
                        "rewards, logprob, raw_response, latency_ms, retries) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  auto& r_st = db_->cached("INSERT INTO rejected_responses(match_id, ply, attempt, player, raw_response, error) "
                           "VALUES(?, ?, ?, ?, ?, ?)");
  const auto now = now_iso8601();
  std::string rewards;
  for (const auto& c : done) {
    for (const auto& turn : c.turns) {
      rewards = to_json_array(turn.rewards);
      t.bind(1, c.match_id).bind(2, turn.ply).bind(3, turn.player).bind(4, turn.action);
      t.bind_static(5, turn.action_text);
      if (turn.observation) t.bind_static(6, *turn.observation);
      else t.bind_null(6);
      t.bind_static(7, rewards).bind(8, turn.logprob);
      if (turn.raw_response) t.bind_static(9, *turn.raw_response);
      else t.bind_null(9);
      t.bind(10, turn.latency_ms).bind(11, turn.retries);
      t.run();
    }
    for (const auto& r : c.rejected) {
      r_st.bind(1, c.match_id).bind(2, r.ply).bind(3, r.attempt).bind(4, r.player);
      if (r.raw_response) r_st.bind_static(5, *r.raw_response);
      else r_st.bind_null(5);
      r_st.bind_static(6, r.error);
      r_st.run();
    }
    const auto returns = to_json_array(c.returns);
    m.bind_static(1, returns).bind_static(2, c.outcome).bind(3, static_cast<std::int64_t>(c.turns.size()))
        .bind_static(4, now).bind(5, c.match_id).run();
  }
}

void Store::write_metric(std::int64_t run_id, std::int64_t step, const std::string& key, double value) {
  sql::Stmt st(*db_, "INSERT OR REPLACE INTO metrics(run_id, step, key, value) VALUES(?, ?, ?, ?)");
  st.bind(1, run_id).bind(2, step).bind(3, key).bind(4, value).run();
}

void Store::write_metrics(std::int64_t run_id, std::int64_t step,
                          const std::vector<std::pair<std::string, double>>& values) {
  db_->exec("BEGIN");
  try {
    auto& st = db_->cached("INSERT OR REPLACE INTO metrics(run_id, step, key, value) VALUES(?, ?, ?, ?)");
    for (const auto& [key, value] : values) {
      st.bind(1, run_id).bind(2, step).bind(3, key);
      if (std::isfinite(value)) st.bind(4, value);
      else st.bind_null(4);
      st.run();
    }
    db_->exec("COMMIT");
  } catch (...) {
    db_->exec("ROLLBACK");
    throw;
  }
}

std::vector<Store::MetricRow> Store::metrics(std::int64_t run_id) {
  sql::Stmt st(*db_, "SELECT step, key, value FROM metrics WHERE run_id=? AND value IS NOT NULL ORDER BY step, key");
  st.bind(1, run_id);
  std::vector<MetricRow> out;
  while (st.step()) out.push_back({st.col_int(0), st.col_text(1), st.col_double(2)});
  return out;
}

void Store::add_checkpoint(std::int64_t run_id, std::int64_t step, const std::string& path) {
  sql::Stmt st(*db_, "INSERT INTO checkpoints(run_id, step, path, created_at) VALUES(?, ?, ?, ?)");
  st.bind(1, run_id).bind(2, step).bind(3, path).bind(4, now_iso8601()).run();
}

void Store::truncate_run(std::int64_t run_id, std::int64_t first_idx, std::int64_t step) {
  db_->exec("BEGIN");
  try {
    const std::string later = "(SELECT id FROM matches WHERE run_id=" + std::to_string(run_id) +
                              " AND idx>=" + std::to_string(first_idx) + ")";
    db_->exec("DELETE FROM turns WHERE match_id IN " + later);
    db_->exec("DELETE FROM rejected_responses WHERE match_id IN " + later);
    db_->exec("DELETE FROM seats WHERE match_id IN " + later);
    db_->exec("DELETE FROM matches WHERE run_id=" + std::to_string(run_id) + " AND idx>=" + std::to_string(first_idx));
    db_->exec("DELETE FROM metrics WHERE run_id=" + std::to_string(run_id) + " AND step>" + std::to_string(step));
    db_->exec("DELETE FROM checkpoints WHERE run_id=" + std::to_string(run_id) + " AND step>" + std::to_string(step));
    db_->exec("UPDATE runs SET status='running', finished_at=NULL WHERE id=" + std::to_string(run_id));
    db_->exec("COMMIT");
  } catch (...) {
    db_->exec("ROLLBACK");
    throw;
  }
}

StoreWriter::StoreWriter(Store& store, int batch_size)
    : store_(store), batch_size_(batch_size), thread_([this] { loop(); }) {}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void StoreWriter::match_started(std::int64_t match_id) {
  std::lock_guard lock(mu_);
  started_.push_back(match_id);
  ++submitted_;
  if (static_cast<int>(started_.size() + completed_.size()) >= batch_size_) cv_.notify_one();
}

void StoreWriter::match_completed(CompletedMatch m) {
  std::lock_guard lock(mu_);
  completed_.push_back(std::move(m));
  ++submitted_;
  if (static_cast<int>(started_.size() + completed_.size()) >= batch_size_) cv_.notify_one();
}

void StoreWriter::flush() {
  std::unique_lock lock(mu_);
  const auto target = submitted_;
  flush_requested_ = true;
  cv_.notify_one();
  done_cv_.wait(lock, [&] { return committed_ >= target || !error_.empty(); });
  if (!error_.empty()) throw Error(error_);
}

void StoreWriter::check() {
  std::lock_guard lock(mu_);
  if (!error_.empty()) throw Error(error_);
}

void StoreWriter::loop() {
  while (true) {
    std::vector<std::int64_t> started;
    std::vector<CompletedMatch> completed;
    bool stopping;
    {
      std::unique_lock lock(mu_);
      // Commit when a batch is full, when asked to flush, or every 100 ms: one transaction per batch.
      cv_.wait_for(lock, std::chrono::milliseconds(100),
                   [&] { return stop_ || flush_requested_ ||
                                static_cast<int>(started_.size() + completed_.size()) >= batch_size_; });
      flush_requested_ = false;
      started.swap(started_);
      completed.swap(completed_);
      stopping = stop_;
    }
    if (!started.empty() || !completed.empty()) {
      std::string err;
      try {
        sql::Transaction tx(store_.db());
        store_.mark_running(started);
        store_.write_completed(completed);
        tx.commit();
      } catch (const std::exception& e) {
        err = e.what();
      }
      std::lock_guard lock(mu_);
      if (!err.empty() && error_.empty()) error_ = err;
      committed_ += static_cast<std::int64_t>(started.size() + completed.size());
      done_cv_.notify_all();
    }
    if (stopping) {
      std::lock_guard lock(mu_);
      if (started_.empty() && completed_.empty()) return;
    }
  }
}

}  // namespace arena
