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
