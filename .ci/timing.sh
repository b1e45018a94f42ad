# The timing table of a CI run (sourced by .ci/run and .ci/tags).
# Each part appends "name<TAB>status<TAB>started<TAB>seconds" to $CI_TIMINGS; `started` counts
# seconds from the run's start ($CI_STARTED, epoch seconds), so parts run side by side show as
# overlapping rows.

now() { printf '%s' "$EPOCHSECONDS"; }

# record NAME STATUS STARTED_EPOCH: one row, ended now
record() {
  local status=ok
  (( $2 == 0 )) || status="FAILED ($2)"
  printf '%s\t%s\t%s\t%s\n' "$1" "$status" $(( $3 - CI_STARTED )) $(( $(now) - $3 )) \
    >> "$CI_TIMINGS"
}

# part NAME COMMAND...: run COMMAND, record its row, return its status
part() {
  local name=$1 started status=0
  started=$(now)
  shift
  "$@" || status=$?
  record "$name" "$status" "$started"
  return "$status"
}

# print_table STATUS: every recorded row, then the run's wall-clock total
print_table() {
  local total=ok
  (( $1 == 0 )) || total="FAILED ($1)"
  {
    printf '%s\t%s\t%s\t%s\n' part status "at (s)" "seconds"
    [ -s "$CI_TIMINGS" ] && cat "$CI_TIMINGS"
    printf '%s\t%s\t%s\t%s\n' "total (wall clock)" "$total" 0 $(( $(now) - CI_STARTED ))
  } | awk -F'\t' '{ printf "%-52s %-12s %7s %8s\n", $1, $2, $3, $4 }'
}
