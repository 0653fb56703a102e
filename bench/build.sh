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

# bench_jars: builds jtuner-bench (unless SKIP_BUILD=1) and sets CP to its classpath, jtuner's own jars copied into a
# private folder WORK (removed on exit), because other builds may rewrite target/ while the benchmark runs.
bench_jars() {
  if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    echo "building jtuner-bench (mvn package -pl jtuner-bench -am, no install) ..." >&2
    bench_build jtuner-bench dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
  fi
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  CP=""
  local entry
  for entry in jtuner-bench/target/jtuner-bench-*.jar $(tr ':' ' ' < jtuner-bench/target/classpath.txt); do
    case $(basename "$entry") in
      jtuner-*.jar) cp "$entry" "$WORK/"; entry="$WORK/$(basename "$entry")" ;;
    esac
    CP="${CP:+$CP:}$entry"
  done
}
