#!/usr/bin/env bash
# Debian packages the project needs beyond Python: chromium and a CJK font for the browser test of the HTML
# report, and a Java 17 runtime for Spark (`make spark-check`, docs/scaling.md). Installed once, when missing.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# grep reads all of fc-list: with -q it would stop early, and pipefail would take fc-list's broken pipe for a miss
fc-list 2>/dev/null | grep -i "noto sans cjk" >/dev/null || missing+=(fonts-noto-cjk)
# Spark 4 runs on Java 17 or later; `java -version` prints e.g. openjdk version "17.0.15" on stderr
java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1; }
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ] 2>/dev/null; then
    missing+=(openjdk-17-jre-headless)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "note: ${missing[*]} not installed and cannot install here; the browser test will be skipped" \
        "without chromium, make spark-check fails without Java 17" >&2
    exit 0
fi
echo "installing ${missing[*]} (Debian packages) ..." >&2
# the JDK's post-install step writes man page links and fails where slim images have no man folder
mkdir -p /usr/share/man/man1
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig >/dev/null
