# Sourced by Berth's scripts: sets JAVA_HOME to a JDK >= 25, or stops with what to install.
# Order: $JAVA_HOME, then /usr/lib/jvm/* (highest version first).
# Bash builtins only (no sed, no subshell): the launcher runs this on every daemon start, on its critical path.
berth_java_major() { # JDK dir -> major version from its release file, 0 if none
  local line v=0
  if [ -r "$1/release" ]; then
    while IFS= read -r line; do
      if [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]]; then v=${BASH_REMATCH[1]}; break; fi
    done < "$1/release"
  fi
  REPLY=$v
}

berth_find_java() {
  local want=25 best="" best_v=0 d v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && berth_java_major "$JAVA_HOME" && [ "$REPLY" -ge "$want" ]; then
    return 0
  fi
  for d in /usr/lib/jvm/*/; do
    d=${d%/}
    [ -x "$d/bin/java" ] || continue
    berth_java_major "$d"; v=$REPLY
    if [ "$v" -ge "$want" ] && [ "$v" -gt "$best_v" ]; then best=$d; best_v=$v; fi
  done
  if [ -z "$best" ]; then
    echo "berth: needs a JDK $want or newer, and found none (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm)." >&2
    echo "berth: install one (for example Temurin 25: temurin-25-jdk, into /usr/lib/jvm) or point JAVA_HOME at it." >&2
    exit 1
  fi
  export JAVA_HOME=$best
}
