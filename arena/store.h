// The SQLite trajectory store. Schema (documented in docs/database.md), versioned with PRAGMA user_version and
// migrated forward on open; WAL mode so readers never block the writer. During a run a single writer thread
// (StoreWriter) commits batched transactions with prepared statements. A match is written `running` when it starts
// and `done`, with all its turns, in one transaction when it ends, so a killed run resumes without losing or
// duplicating matches.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "arena/sqlite.h"

namespace arena {

inline constexpr int kSchemaVersion = 2;

struct TurnRow {
  int ply = 0;
  int player = 0;                          // -1 for chance
  std::int64_t action = 0;
  std::string action_text;
  std::optional<std::string> observation;  // the acting player's observation text (none for chance)
  std::vector<double> rewards;             // per-step rewards of every player after this move
  std::optional<double> logprob;
  std::optional<std::string> raw_response;
  double latency_ms = 0;
  int retries = 0;
};

struct PlannedMatch {
  std::int64_t idx = 0;           // position in the run's schedule
  std::string game;               // canonical game string
  std::uint64_t seed = 0;
  std::vector<std::int64_t> seat_agent_ids;
};

struct MatchRow {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  std::int64_t idx = 0;
  std::string game;
  std::uint64_t seed = 0;
  std::string status;             // pending, running, done
  std::vector<std::string> seat_specs;
  std::vector<double> returns;    // empty unless done
  std::string outcome;            // "normal", "forfeit: ...", ...
  int num_turns = 0;
};

// An answer the runner refused (a text agent's unparsable or illegal response, or a timeout): kept so that every raw
// response of a match is in the database, the accepted ones in `turns`, these in `rejected_responses`.
struct RejectedRow {
  int ply = 0;                              // the decision's position in the history
  int player = 0;
  int attempt = 0;                          // 0 = the first answer to this decision
  std::optional<std::string> raw_response;  // none when the agent gave no text (e.g. a timeout)
  std::string error;                        // why it was refused
};

struct CompletedMatch {
  std::int64_t match_id = 0;
  std::vector<double> returns;
  std::string outcome;
  std::vector<TurnRow> turns;
  std::vector<RejectedRow> rejected;
};

struct RunRow {
  std::int64_t id = 0;
  std::string kind;
  std::string config;
  std::string status;
  std::uint64_t seed = 0;
  std::string created_at;
};

struct MatchFilter {
  std::optional<std::int64_t> run_id;
  std::optional<std::string> game;   // short name or full game string
  std::optional<std::string> agent;  // spec
  std::optional<std::string> status;
  int limit = 0;                     // 0: all
};

class Store {
 public:
  // Opens or creates `path`; refuses a file that is not an SQLite database, a corrupt one, an SQLite file that is not
  // an Arena database, or one written by a newer schema, each with a clear arena::Error.
  explicit Store(const std::string& path, bool read_only = false);
  ~Store();

  const std::string& path() const { return db_->path(); }
  sql::Db& db() { return *db_; }

  std::int64_t create_run(const std::string& kind, const std::string& config_json, std::uint64_t seed);
  void finish_run(std::int64_t run_id);
  std::optional<RunRow> run(std::int64_t run_id);
  std::vector<RunRow> runs();
  // The newest run of `kind` with exactly this config that has not finished.
  std::optional<std::int64_t> find_unfinished_run(const std::string& kind, const std::string& config_json);

  std::int64_t agent_id(const std::string& spec);
  // Inserts the run's schedule as pending matches, in index order; returns their ids.
  std::vector<std::int64_t> add_matches(std::int64_t run_id, const std::vector<PlannedMatch>& matches);

  std::vector<MatchRow> matches(const MatchFilter& filter);
  std::optional<MatchRow> match(std::int64_t match_id);
  std::vector<TurnRow> turns(std::int64_t match_id);
  std::vector<RejectedRow> rejected(std::int64_t match_id);

  // Writer-side operations (used by StoreWriter's thread, or directly when no writer runs).
  void mark_running(const std::vector<std::int64_t>& match_ids);
  void write_completed(const std::vector<CompletedMatch>& done);
  void write_metric(std::int64_t run_id, std::int64_t step, const std::string& key, double value);
  // Many metrics of one step in one transaction.
  void write_metrics(std::int64_t run_id, std::int64_t step, const std::vector<std::pair<std::string, double>>& values);
  // (step, key, value) rows of a run, by step then key.
  struct MetricRow {
    std::int64_t step = 0;
    std::string key;
    double value = 0;
  };
  std::vector<MetricRow> metrics(std::int64_t run_id);
  void add_checkpoint(std::int64_t run_id, std::int64_t step, const std::string& path);
  // Resuming a training run from a checkpoint: forgets what was written after it (matches with idx >= first_idx with
  // their seats and turns; metrics and checkpoints after `step`), in one transaction.
  void truncate_run(std::int64_t run_id, std::int64_t first_idx, std::int64_t step);

 private:
  void migrate();
  std::unique_ptr<sql::Db> db_;
  bool read_only_;
};

// The single writer thread of a run: queues match starts and completions and commits them in batches.
class StoreWriter {
 public:
  explicit StoreWriter(Store& store, int batch_size = 512);
  ~StoreWriter();  // flushes and joins
  void match_started(std::int64_t match_id);
  void match_completed(CompletedMatch m);
  void flush();    // returns once everything queued so far is committed
  // The first error the writer hit, rethrown here (and from flush()).
  void check();

 private:
  void loop();
  Store& store_;
  int batch_size_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::vector<std::int64_t> started_;
  std::vector<CompletedMatch> completed_;
  std::int64_t submitted_ = 0, committed_ = 0;
  bool stop_ = false;
  bool flush_requested_ = false;
  std::string error_;
  std::thread thread_;
};

std::string now_iso8601();

}  // namespace arena
