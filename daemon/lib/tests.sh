# Sourced by daemon/setup: a skipped test is not a passed one. After `mvnw verify`, fails when any test of
# these report folders (surefire's, failsafe's) was skipped, naming each: a test that could not run (a
# client or tool missing) must not let the suite pass.
berth_no_skipped_tests() { # report folders
  local dir report found=0
  for dir in "$@"; do
    for report in "$dir"/TEST-*.xml; do
      [ -f "$report" ] || continue
      if grep -q '<skipped' "$report"; then
        found=1
        echo "skipped in $(basename "$report" .xml | sed 's/^TEST-//'):" >&2
        awk '/<testcase /{ match($0, /name="[^"]*"/); name = substr($0, RSTART + 6, RLENGTH - 7) }
             /<skipped/{ why = ""; if (match($0, /message="[^"]*"/)) why = substr($0, RSTART + 9, RLENGTH - 10); print "  " name ": " why }' "$report" >&2
      fi
    done
  done
  [ "$found" = 0 ] || { echo "daemon/setup: tests were skipped (see above): the suite fails" >&2; return 1; }
}
