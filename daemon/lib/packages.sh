# Sourced by Berth's scripts: installs the Debian packages named that are missing. The packages' own
# services stay down while they install (a policy-rc.d that refuses every start, removed again):
# docker.io brings the docker CLI the tests use, and its dockerd must not take over the host.
berth_install_packages() { # who (for messages), then package names
  local who=$1 p missing=() policy=/usr/sbin/policy-rc.d created_policy=
  shift
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "$who: missing Debian packages: ${missing[*]}; run as root to install them" >&2
    return 1
  fi
  echo "$who: installing ${missing[*]}"
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
    [ -n "$created_policy" ] && rm -f "$policy"
    return 1
  }
  [ -n "$created_policy" ] && rm -f "$policy"
  return 0
}

# A docker CLI: /usr/local/bin/docker where one was put there, else the one on PATH.
berth_has_docker_cli() {
  [ -x /usr/local/bin/docker ] || command -v docker >/dev/null 2>&1
}

# Compose v2 (Debian 13's docker-compose) as a docker CLI plugin in /usr/local/libexec/docker/cli-plugins,
# where the CLI looks for plugins. It is not in Debian 12: the .deb comes from the next release through an
# apt list of our own, derived from the machine's Debian sources (same archive, the suite after), with a
# state of our own, so the system's sources, lists and installed packages are never touched.
berth_install_compose_v2() { # who
  local who=$1 dest=/usr/local/libexec/docker/cli-plugins/docker-compose work src apt
  [ -x "$dest" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "$who: compose v2 is missing; run as root to install it in $dest" >&2
    return 1
  fi
  src=/etc/apt/sources.list.d/debian.sources
  [ -f "$src" ] || { echo "$who: no $src to derive Debian 13's archive from: compose v2 not installed" >&2; return 1; }
  work=$(mktemp -d)
  # the first stanza is the main archive (the others are security and updates); only its suite changes
  sed -n '1,/^$/p' "$src" | sed -E 's/^Suites:.*/Suites: trixie/' > "$work/next.sources"
  apt=(-o "Dir::Etc::SourceList=$work/next.sources" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$work/lists"
       -o Dir::State::status=/dev/null -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  echo "$who: installing compose v2 (Debian 13's docker-compose) in $dest"
  if apt-get "${apt[@]}" update -qq && (cd "$work" && apt-get "${apt[@]}" download -qq docker-compose) \
      && dpkg-deb -x "$work"/docker-compose_*.deb "$work/x"; then
    install -D -m 0755 "$work/x/usr/libexec/docker/cli-plugins/docker-compose" "$dest"
  fi
  rm -rf "$work"
  [ -x "$dest" ] || { echo "$who: could not install compose v2" >&2; return 1; }
}
