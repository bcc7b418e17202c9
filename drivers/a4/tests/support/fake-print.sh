#!/bin/sh
# Job command for ippeveprinter (-c): plays one printer behaviour per $SCENARIO by
# reporting progress (ATTR:) and printer-state-reasons (STATE:) on stderr, as a real
# printer's status would change. $1 is the spooled document; $PAGES the page count;
# $WORK the test's folder (jobs.log: what each job printed; `fixed`: a technician has
# cleared the fault).
pages=${PAGES:-1}

# A retry asks for the rest of the document with IPP page-ranges, which ippeveprinter
# hands to its command as IPP_PAGE_RANGES ("2-3").
if [ -n "$IPP_PAGE_RANGES" ]; then
  first=${IPP_PAGE_RANGES%%-*}
  last=${IPP_PAGE_RANGES##*-}
  [ "$last" -gt "$pages" ] && last=$pages
  pages=$((last - first + 1))
fi
[ -n "$WORK" ] && echo "range=${IPP_PAGE_RANGES:-all} pages=$pages" >> "$WORK/jobs.log"

# Stay "processing" until ippeveprinter goes away (bounded: 60 s). ippeveprinter never
# stops a running command, even when the job is cancelled.
hold() {
  i=0
  while [ $i -lt 300 ] && kill -0 "$PPID" 2>/dev/null; do sleep 0.2; i=$((i + 1)); done
}

success() {
  n=1
  while [ $n -le "$pages" ]; do
    sleep 0.1
    echo "ATTR: job-impressions-completed=$n" >&2
    n=$((n + 1))
  done
  exit 0
}

# The first job stops after one page with printer-state-reason $1, which stands until
# the test creates $WORK/fixed (a technician clears it). Later jobs print normally.
fault_until_fixed() {
  [ -f "$WORK/faulted" ] && success
  : > "$WORK/faulted"
  sleep 0.1
  echo "ATTR: job-impressions-completed=1" >&2
  echo "STATE: +$1" >&2
  i=0
  while [ ! -f "$WORK/fixed" ] && [ $i -lt 300 ] && kill -0 "$PPID" 2>/dev/null; do sleep 0.2; i=$((i + 1)); done
  echo "STATE: -$1" >&2
  exit 1
}

echo "ATTR: job-impressions=$pages" >&2
case "$SCENARIO" in
  success)
    success ;;
  jam-until-fixed)
    fault_until_fixed media-jam ;;
  empty-until-fixed)
    fault_until_fixed media-empty ;;
  media-empty)
    echo "STATE: +media-empty" >&2
    hold; exit 1 ;;
  media-jam)
    sleep 0.1
    echo "ATTR: job-impressions-completed=1" >&2
    sleep 0.3
    echo "STATE: +media-jam" >&2
    exit 1 ;;
  cover-open)
    sleep 0.1
    echo "ATTR: job-impressions-completed=1" >&2
    echo "STATE: +cover-open" >&2
    hold; exit 1 ;;
  disappear)
    sleep 0.1
    echo "ATTR: job-impressions-completed=1" >&2
    hold; exit 1 ;;
  never)
    hold; exit 1 ;;
  *)
    echo "ERROR: unknown scenario $SCENARIO" >&2
    exit 2 ;;
esac
