// Golden playthroughs: one seeded game per built-in game, stored in tests/golden/<game>.txt.
// After an intended change of a game's texts or rules, regenerate with:
//   build/bin/arena playthrough --all --seed 1 --out-dir tests/golden
#include <fstream>
#include <sstream>

#include "games/api/conformance.h"
#include "games/api/registry.h"
#include "tests/catch_compat.h"

using namespace arena;

TEST_CASE("golden playthroughs match", "[golden]") {
  for (const auto& name : GameRegistry::global().names()) {
    if (GameRegistry::global().find(name)->origin != "built-in") continue;
    SECTION(name) {
      const std::string path = std::string(ARENA_SOURCE_DIR) + "/tests/golden/" + name + ".txt";
      std::ifstream f(path);
      INFO("missing " << path << "; regenerate with: build/bin/arena playthrough --all --seed 1 --out-dir tests/golden");
      REQUIRE(f.good());
      std::stringstream ss;
      ss << f.rdbuf();
      const std::string expected = ss.str();
      const std::string actual = playthrough(name, 1);
      if (expected != actual) {
        std::istringstream a(expected), b(actual);
        std::string la, lb;
        int line = 0;
        while (true) {
          ++line;
          bool ga = static_cast<bool>(std::getline(a, la)), gb = static_cast<bool>(std::getline(b, lb));
          if (!ga && !gb) break;
          if (la != lb || ga != gb) {
            FAIL(path << ":" << line << " differs\n  golden: " << (ga ? la : "<end>") << "\n  now:    "
                      << (gb ? lb : "<end>")
                      << "\nIf the change is intended: build/bin/arena playthrough --all --seed 1 --out-dir tests/golden");
          }
        }
      }
    }
  }
}
