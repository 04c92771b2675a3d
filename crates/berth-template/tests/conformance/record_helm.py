#!/usr/bin/env python3
"""Records helm_expected.jsonl: the cases of helm_cases.jsonl (oracle format:
name, values, templates{main}) rendered by the real Helm 4.3 library through
shared/tools/helm-oracle (`helm template` of a chart with one ConfigMap per
case whose data holds the template's output). Run from this directory:

    HELM_ORACLE=/path/to/shared/tools/helm-oracle/realhelm.py python3 record_helm.py

Cases that fail are rendered alone and their error is Helm's whole message
(the conformance test only compares outputs and whether there was an error).
Never edit helm_expected.jsonl by hand."""
import json, os, subprocess, sys, tempfile, yaml, re
HELM = os.environ.get("HELM_ORACLE", "../../../../../shared/tools/helm-oracle/realhelm.py")

def render(cases):
    d = tempfile.mkdtemp()
    os.makedirs(d + "/templates")
    open(d + "/Chart.yaml", "w").write("apiVersion: v2\nname: oracle\nversion: 0.1.0\nappVersion: 1.0.0\n")
    vals = cases[0].get("values", "")
    open(d + "/values.yaml", "w").write(vals)
    for i, c in enumerate(cases):
        body = c["templates"]["main"]
        open(f"{d}/templates/_c{i}.tpl", "w").write('{{- define "body%d" }}%s{{ end }}' % (i, body))
        open(f"{d}/templates/c{i}.yaml", "w").write(
            'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c%d\ndata:\n  out: {{ include "body%d" . | toJson }}\n' % (i, i))
    p = subprocess.run([sys.executable, HELM, "rel", d], capture_output=True, text=True)
    return p

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    cases = [json.loads(l) for l in open(os.path.join(here, "helm_cases.jsonl")) if l.strip()]
    # group by values
    out = {}
    def run(group):
        p = render(group)
        if p.returncode == 0:
            docs = [x for x in yaml.safe_load_all(p.stdout) if x]
            byname = {x["metadata"]["name"]: x["data"]["out"] for x in docs}
            for i, c in enumerate(group):
                out[c["name"]] = {"name": c["name"], "output": byname.get(f"c{i}", ""), "error": ""}
        elif len(group) == 1:
            err = (p.stdout + p.stderr).strip()
            out[group[0]["name"]] = {"name": group[0]["name"], "output": "", "error": err}
        else:
            mid = len(group) // 2
            run(group[:mid]); run(group[mid:])
    groups = {}
    for c in cases:
        groups.setdefault(c.get("values", ""), []).append(c)
    for g in groups.values():
        run(g)
    with open(os.path.join(here, "helm_expected.jsonl"), "w") as f:
        f.write(json.dumps({"provenance": "helm-oracle: the real Helm 4.3 library (helm-sdkpy 0.1.32), helm template"}) + "\n")
        for c in cases:
            f.write(json.dumps(out[c["name"]], ensure_ascii=False) + "\n")
    print("recorded", len(cases), "cases")


main()
