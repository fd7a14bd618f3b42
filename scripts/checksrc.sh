#!/bin/sh
# checksrc.sh: bans functions our style forbids in library code, and raw
# allocation outside src/core/alloc.c (every allocation goes through
# ivet_alloc so tests can fail the Nth one).
set -eu
cd "$(dirname "$0")/.."
status=0
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|system|popen)[[:space:]]*\('
if grep -nE "$banned" $(git ls-files 'src/*.c' 'src/*.h' 2>/dev/null || find src -name '*.[ch]') | grep -v '^src/cli/'; then
    echo "checksrc: banned function above" >&2
    status=1
fi
raw='(^|[^_a-z>.])(malloc|calloc|realloc|free|strdup|strndup)[[:space:]]*\('
if grep -nE "$raw" $(git ls-files 'src/*.c' 2>/dev/null || find src -name '*.c') | grep -vE '^src/(core/alloc\.c|cli/)' | grep -vE '//|/\*.*\*/'; then
    echo "checksrc: raw allocation outside src/core/alloc.c above (use ivet_malloc & co)" >&2
    status=1
fi
exit $status
