# shellcheck shell=bash
# Sourced by submit/lethe-submit and submit/cluster/*: a Spark 4.1 runtime assembled from Maven, for machines
# without a Spark distribution. submit/spark-runtime/pom.xml names the jars (spark-core and spark-sql at the
# project's Spark version); lethe_spark_home DIR lays them out the way a distribution does, which is all that
# Spark's launcher, Master, Worker and executors need:
#   DIR/jars/*.jar               symlinks into the local Maven repository
#   DIR/conf/log4j2.properties   the project's operator logging (on the classpath of drivers and executors)
# Callers set lethe_root (the project root) before sourcing.
# shellcheck disable=SC2154  # lethe_root comes from the caller

# The java to run: $JAVA_HOME/bin/java, else the one on PATH.
lethe_java() {
  if [ -n "${JAVA_HOME:-}" ]; then
    [ -x "$JAVA_HOME/bin/java" ] || { echo "JAVA_HOME=$JAVA_HOME has no bin/java" >&2; return 1; }
    echo "$JAVA_HOME/bin/java"
  else
    command -v java || { echo "java not found: install Java 17 or set JAVA_HOME" >&2; return 1; }
  fi
}

# Prints the Spark runtime classpath, resolving it with Maven when the poms changed since the last resolution.
lethe_spark_classpath() {
  local pom="$lethe_root/submit/spark-runtime/pom.xml"
  local cache="$lethe_root/spark-jobs/target/spark-runtime/classpath.txt"
  if [ ! -s "$cache" ] || [ "$pom" -nt "$cache" ] || [ "$lethe_root/pom.xml" -nt "$cache" ]; then
    command -v mvn >/dev/null || { echo "mvn not found: Maven is needed to resolve the Spark jars" >&2; return 1; }
    mkdir -p "$(dirname "$cache")"
    echo "Resolving the Spark runtime jars (mvn dependency:build-classpath -f $pom) ..." >&2
    # Offline first: the jars are usually in the local repository already (the build resolved them).
    local goal=(-B -q -f "$pom" dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$cache.tmp")
    if ! mvn -o "${goal[@]}" > "$cache.log" 2>&1; then
      mvn "${goal[@]}" >&2 || { echo "Could not resolve the Spark jars of $pom (see Maven's output above)" >&2; return 1; }
    fi
    mv "$cache.tmp" "$cache"
    rm -f "$cache.log"
  fi
  cat "$cache"
}

# Assembles (or refreshes) a SPARK_HOME in DIR. Idempotent: an unchanged classpath leaves jars/ as it is, a changed
# one replaces jars/ as a whole.
lethe_spark_home() {
  local home=$1 classpath
  classpath=$(lethe_spark_classpath) || return 1
  mkdir -p "$home/conf"
  ln -sfn "$lethe_root/conf/log4j2.properties" "$home/conf/log4j2.properties"
  if [ -d "$home/jars" ] && [ "$(cat "$home/jars/.classpath" 2>/dev/null)" = "$classpath" ]; then
    return 0
  fi
  local staged
  staged=$(mktemp -d "$home/.jars.XXXXXX")
  chmod 755 "$staged"
  local jar
  local IFS=:
  for jar in $classpath; do
    [ -f "$jar" ] || { echo "Spark runtime jar $jar is missing; delete $lethe_root/spark-jobs/target/spark-runtime" \
      "and retry" >&2; rm -rf "$staged"; return 1; }
    ln -s "$jar" "$staged/$(basename "$jar")"
  done
  printf '%s' "$classpath" > "$staged/.classpath"
  rm -rf "$home/jars.old"
  if [ -d "$home/jars" ]; then
    mv "$home/jars" "$home/jars.old"
  fi
  mv "$staged" "$home/jars"
  rm -rf "$home/jars.old"
}
