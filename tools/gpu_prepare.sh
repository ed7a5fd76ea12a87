#!/usr/bin/env bash
# On the development machine: fetches what the GPU machine's image lacks into .deps/ (git-ignored; carried with the
# tree): the SQLite header and static library (libsqlite3-dev) and the sqlite3 command-line shell that the CLI tests
# use, extracted from Debian packages. Run once; tools/gpu_build.sh uses them.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .deps/debs
(cd .deps/debs && apt-get download libsqlite3-dev libsqlite3-0 sqlite3 > /dev/null 2>&1)
for deb in .deps/debs/*.deb; do dpkg -x "$deb" .deps/root; done
rm -rf .deps/debs
# The shell must run with the library it was built against (the image's own libsqlite3.so.0 is newer, and the
# shell refuses a version mismatch).
mkdir -p .deps/bin
cat > .deps/bin/sqlite3 <<'SH'
#!/usr/bin/env bash
root="$(cd "$(dirname "$0")/../root" && pwd)"
LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$root/usr/bin/sqlite3" "$@"
SH
chmod +x .deps/bin/sqlite3
ls -l .deps/root/usr/include/sqlite3.h .deps/bin/sqlite3
du -sh .deps
