#!/usr/bin/env bash
# Records expected outputs with the real Go oracle (shared/tools/gotemplate-oracle):
#   ORACLE=/path/to/gotemplate-oracle ./record.sh
# Writes expected.jsonl: a provenance header line, then one line per case with
# the oracle's output and error. Never edit expected.jsonl by hand.
set -euo pipefail
cd "$(dirname "$0")"
: "${ORACLE:?set ORACLE to the built gotemplate-oracle binary}"
go_version=$(go version | awk '{print $3}')
sprig_version=$(dpkg-query -W -f='${Version}' golang-github-masterminds-sprig-dev 2>/dev/null || echo unknown)
yaml_version=$(dpkg-query -W -f='${Version}' golang-k8s-sigs-yaml-dev 2>/dev/null || echo unknown)
{
  printf '{"provenance":"gotemplate-oracle (real Go text/template + Sprig, Helm-style set-up)","go":"%s","sprig":"%s","sigs_yaml":"%s"}\n' \
    "$go_version" "$sprig_version" "$yaml_version"
  "$ORACLE" < cases.jsonl
} > expected.jsonl
echo "recorded $(($(wc -l < expected.jsonl) - 1)) cases"
