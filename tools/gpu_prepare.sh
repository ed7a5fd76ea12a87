#!/usr/bin/env bash
# On the development machine: fetches what the GPU machine's image lacks into .deps/ (git-ignored; carried with the
# tree): the SQLite header and static library (libsqlite3-dev) and the sqlite3 command-line shell that the CLI tests
# use, extracted from Debian packages. Run once; tools/gpu_build.sh uses them.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .deps/debs
(cd .deps/debs && apt-get download libsqlite3-dev sqlite3 > /dev/null)
for deb in .deps/debs/*.deb; do dpkg -x "$deb" .deps/root; done
rm -rf .deps/debs
ls -l .deps/root/usr/include/sqlite3.h .deps/root/usr/bin/sqlite3
du -sh .deps
