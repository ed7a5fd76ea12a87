#!/usr/bin/env bash
# On the development machine: fetches what the GPU machine's image lacks into .deps/ (git-ignored; carried with the
# tree): the SQLite header and static library (libsqlite3-dev) and the sqlite3 command-line shell that the CLI tests
# use, and the headers and static archives of PCRE2 and utf8proc (libpcre2-dev, libutf8proc-dev) that the tokenizers
# link, extracted from Debian packages. Run once; tools/gpu_build.sh uses them.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .deps/debs
(cd .deps/debs && apt-get download libsqlite3-dev libsqlite3-0 sqlite3 libpcre2-dev libutf8proc-dev > /dev/null 2>&1)
for deb in .deps/debs/*.deb; do dpkg -x "$deb" .deps/root; done
rm -rf .deps/debs
# Only the headers and static archives are used; documentation and the 16/32-bit PCRE2 variants only add weight to
# what is carried.
rm -rf .deps/root/usr/share/doc .deps/root/usr/share/man
rm -f .deps/root/usr/lib/x86_64-linux-gnu/libpcre2-{16,32,posix}* \
  .deps/root/usr/lib/x86_64-linux-gnu/{libpcre2-8,libutf8proc}.so  # links to runtimes that are not fetched
# The shell must run with the library it was built against (the image's own libsqlite3.so.0 is newer, and the
# shell refuses a version mismatch).
mkdir -p .deps/bin
cat > .deps/bin/sqlite3 <<'SH'
#!/usr/bin/env bash
root="$(cd "$(dirname "$0")/../root" && pwd)"
LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$root/usr/bin/sqlite3" "$@"
SH
chmod +x .deps/bin/sqlite3
ls -l .deps/root/usr/include/sqlite3.h .deps/bin/sqlite3 .deps/root/usr/include/pcre2.h \
  .deps/root/usr/lib/x86_64-linux-gnu/libpcre2-8.a .deps/root/usr/include/utf8proc.h \
  .deps/root/usr/lib/x86_64-linux-gnu/libutf8proc.a
du -sh .deps
