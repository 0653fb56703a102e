# Sourced by the benchmark scripts: bench_build MODULE [GOALS...] packages MODULE and what it depends on through the
# reactor (never "mvn install": ~/.m2 stays untouched) with the tests skipped. It tries offline first, quietly: on a
# fresh machine that attempt fails for want of a plugin, and its "[ERROR]" lines would read as a failure, so its
# output is kept in a log and shown only when the online attempt fails too.
bench_build() {
  local module=$1; shift
  local log; log=$(mktemp)
  if ! mvn -q -B -o -pl "$module" -am -DskipTests package "$@" >"$log" 2>&1; then
    echo "bench: offline build of $module incomplete (dependencies not downloaded yet); building online ..." >&2
    if ! mvn -q -B -pl "$module" -am -DskipTests package "$@" >&2; then
      echo "bench: the build of $module failed; the offline attempt said:" >&2
      cat "$log" >&2
      rm -f "$log"
      return 1
    fi
  fi
  rm -f "$log"
}
