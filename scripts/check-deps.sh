#!/bin/sh
# check-deps.sh: subsystems depend one way only:
#   core <- ref <- {layer, vulndb} <- source <- {analyze, report} <- policy <- scan <- {cli, server}
# (analyze and report are one tier: analyzers fill the report model, renderers read findings)
# A file may include headers of its own subsystem and of those left of it.
set -eu
cd "$(dirname "$0")/.."
rank() {
    case "$1" in
    core) echo 0 ;; ref) echo 1 ;; layer|vulndb) echo 2 ;; source) echo 3 ;;
    analyze|report) echo 4 ;; policy) echo 5 ;; scan) echo 6 ;; server) echo 7 ;; *) echo 99 ;;
    esac
}
status=0
for f in $(find src -name '*.[ch]' | sort); do
    sub=$(echo "$f" | cut -d/ -f2)
    [ "$sub" = cli ] && {
        if grep -nE '#include "(core|ref|source|layer|vulndb|analyze|policy|report|scan|server)/' "$f"; then
            echo "check-deps: $f: the CLI uses the public API (include/imagevet/) only" >&2
            status=1
        fi
        continue
    }
    mine=$(rank "$sub")
    for inc in $(grep -oE '#include "[a-z]+/' "$f" | sed 's/#include "//; s|/||' | sort -u); do
        [ "$inc" = imagevet ] && continue
        theirs=$(rank "$inc")
        if [ "$theirs" -gt "$mine" ]; then
            echo "check-deps: $f ($sub) includes $inc/: dependencies go one way only" >&2
            status=1
        fi
    done
done
exit $status
