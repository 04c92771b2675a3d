#!/bin/sh
# Re-records the goldens with the real Helm 4.3 (shared/tools/helm-oracle).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
oracle=${HELM_ORACLE:-/work/shared/tools/helm-oracle/realhelm.py}
cd "$here/../render-charts"
grep -v '^#' "$here/cases.txt" | while read -r name args; do
    [ -n "$name" ] || continue
    # shellcheck disable=SC2086
    python3 "$oracle" $args > "$here/$name.txt" 2> "$here/$name.stderr" || { cat "$here/$name.stderr"; exit 1; }
    rm -f "$here/$name.stderr"
    echo "recorded $name"
done
