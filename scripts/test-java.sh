#!/usr/bin/env bash
# Java binding: `mvn verify` on bindings/java runs SWIG, builds libcivicjni.so
# from libcivic/*.c (CMake, in bindings/java/target/native-build), packages
# the jar with the native library inside and runs the JUnit 5 suite,
# including every golden vector. The Java vector report goes to
# build/vector-report-java.jsonl (override with CIVIC_VECTOR_REPORT).
# Needs a JDK >= 17, Maven, SWIG, CMake, libsodium-dev and libjansson-dev
# (scripts/install-deps.sh) and Maven Central for the first run's plugins.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$root/build"
report="${CIVIC_VECTOR_REPORT:-$root/build/vector-report-java.jsonl}"
case "$report" in /*) ;; *) report="$PWD/$report" ;; esac
export CIVIC_VECTOR_REPORT="$report"

reports="$root/bindings/java/target/surefire-reports"
rm -rf "$reports"
status=0
mvn -B -q -Dstyle.color=never -f "$root/bindings/java/pom.xml" verify "$@" || status=$?

# Maven -q prints nothing on success: sum Surefire's reports into one line.
if compgen -G "$reports/*.txt" >/dev/null; then
  awk -F'[:,]' '/^Tests run:/ { run += $2; fail += $4 + $6; skip += $8 }
    END { printf "java: %d passed, %d failed, %d skipped\n", run - fail - skip, fail, skip }' \
    "$reports"/*.txt
fi
if [ -f "$report" ]; then
  echo "java vector report: $report ($(wc -l <"$report") cases)"
fi
exit "$status"
