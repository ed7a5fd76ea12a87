#include <filesystem>
#include <fstream>
#include <sstream>

#include "agents/builtin.h"
#include "arena/replay.h"
#include "arena/sqlite.h"
#include "arena/store.h"
#include "arena/tournament.h"
#include "tests/catch_compat.h"

using namespace arena;
namespace fs = std::filesystem;

namespace {
std::string temp_db(const std::string& name) {
  auto p = fs::temp_directory_path() / ("arena_test_" + name + ".db");
  for (const char* ext : {"", "-wal", "-shm"}) fs::remove(p.string() + ext);
  return p.string();
}
std::string open_error(const std::string& path) {
  try {
    Store s(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TournamentResult small_tournament(const std::string& db, std::uint64_t seed = 3) {
  register_builtin_agents();
  TournamentConfig c;
  c.games = {"tic_tac_toe", "kuhn_poker"};
  c.agents = {"random", "mcts(sims=20)"};
  c.games_per_pair = 3;
  c.seed = seed;
  TournamentOptions o;
  o.db_path = db;
  o.threads = 2;
  return run_tournament(c, o);
}
}  // namespace

TEST_CASE("bad database files are refused with a clear error", "[store]") {
  auto text = temp_db("text");
  std::ofstream(text) << "this is not a database, just some text that is long enough to fill a header page......";
  CHECK(contains(open_error(text), "is not an Arena database (not an SQLite file)"));

  auto foreign = temp_db("foreign");
  {
    sql::Db db(foreign, sql::Db::Mode::kReadWrite);
    db.exec("CREATE TABLE something(x)");
  }
  CHECK(contains(open_error(foreign), "not an Arena database"));

  auto newer = temp_db("newer");
  {
    Store s(newer);
  }
  {
    sql::Db db(newer, sql::Db::Mode::kReadWrite);
    db.exec("PRAGMA user_version = 99");
  }
  CHECK(contains(open_error(newer), "written by a newer Arena (schema version 99"));

  auto corrupt = temp_db("corrupt");
  small_tournament(corrupt);
  {
    // Keep the 100-byte file header, overwrite every page after it with garbage.
    const auto size = fs::file_size(corrupt);
    std::fstream f(corrupt, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    std::string junk(size - 100, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  std::string err;
  try {
    Store s(corrupt);
    MatchFilter f;
    s.matches(f);
    for (const auto& m : s.matches(f)) s.turns(m.id);
  } catch (const Error& e) {
    err = e.what();
  }
  CHECK(contains(err, "corrupt"));
}

TEST_CASE("a tournament stores every match and turn, and replay verifies them", "[store]") {
  auto db = temp_db("replay");
  auto r = small_tournament(db);
  REQUIRE(r.matches.size() == 2 * 2 * 3);  // 2 games x 2 seat orders x 3
  Store store(db);
  for (const auto& m : r.matches) {
    CHECK(m.status == "done");
    auto rep = replay_stored_match(store, m.id, 0);
    for (const auto& mm : rep.mismatches) UNSCOPED_INFO(mm);
    CHECK(rep.mismatches.empty());
  }
  // Tampering is reported, not ignored.
  const auto id = r.matches.front().id;
  store.db().exec("UPDATE turns SET observation = 'tampered' WHERE match_id = " + std::to_string(id) +
                  " AND player >= 0");
  store.db().exec("UPDATE matches SET returns = '[5,-5]' WHERE id = " + std::to_string(id));
  auto rep = replay_stored_match(store, id, std::nullopt);
  CHECK(rep.mismatches.size() >= 2);
  // Export: one line per match, with its turns.
  std::ostringstream out;
  export_jsonl(store, r.run_id, out);
  int lines = 0;
  std::string line;
  std::istringstream in(out.str());
  while (std::getline(in, line)) {
    ++lines;
    CHECK(contains(line, "\"turns\":[{"));
  }
  CHECK(lines == 12);
  REQUIRE_THROWS_AS(replay_stored_match(store, 99999, std::nullopt), Error);
}

TEST_CASE("resuming refuses when there is nothing to resume", "[store]") {
  auto db = temp_db("resume_none");
  register_builtin_agents();
  TournamentConfig c;
  c.games = {"tic_tac_toe"};
  c.agents = {"random"};
  TournamentOptions o;
  o.db_path = db;
  o.resume = true;
  try {
    run_tournament(c, o);
    FAIL("resumed nothing");
  } catch (const Error& e) {
    CHECK(contains(e.what(), "no unfinished tournament with this configuration"));
  }
}

TEST_CASE("refused answers are stored, and a version-1 database gains their table", "[store]") {
  auto db = temp_db("rejected");
  {
    Store s(db);
    const auto run = s.create_run("tournament", "{}", 1);
    const auto agent = s.agent_id("stubborn");
    const auto ids = s.add_matches(run, {{0, "tic_tac_toe", 5, {agent, agent}}});
    CompletedMatch c;
    c.match_id = ids[0];
    c.returns = {-11, 0};
    c.outcome = "forfeit: player 0 (stubborn): no";
    c.rejected = {{0, 0, 0, std::string("<answer>x</answer>"), "'x' is not one of the legal actions"},
                  {0, 0, 1, std::nullopt, "no answer within the time limit of 1 s"}};
    s.write_completed({c});
    auto back = s.rejected(ids[0]);
    REQUIRE(back.size() == 2);
    CHECK(back[0].raw_response == std::optional<std::string>("<answer>x</answer>"));
    CHECK(back[1].attempt == 1);
    CHECK(!back[1].raw_response);
    CHECK(back[1].error == "no answer within the time limit of 1 s");
    std::ostringstream out;
    export_jsonl(s, run, out);
    CHECK(contains(out.str(), "\"rejected\":[{"));
    // Make it a version-1 file again.
    s.db().exec("DROP TABLE rejected_responses");
    s.db().exec("PRAGMA user_version = 1");
  }
  Store s(db);
  CHECK(s.db().query_int("PRAGMA user_version") == 2);
  CHECK(s.rejected(1).empty());
}
