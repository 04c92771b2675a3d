#!/usr/bin/env python3
"""Re-records the goldens of examples/gitops-config with the real Helm 4.3.

For every Application under examples/gitops-config/applications/<env>/ whose source is a
Helm chart, runs shared/tools/helm-oracle/realhelm.py with what Argo CD passes to
`helm template`: the release name (helm.releaseName, else the Application name), the chart
folder (source.path), the values files (helm.valueFiles, relative to the chart) and the
destination namespace. Writes `<application name>.txt` beside this script.
"""
import glob, os, subprocess, sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "../../../../examples/gitops-config"))
ORACLE = os.environ.get("HELM_ORACLE", "/work/shared/tools/helm-oracle/realhelm.py")


def main():
    recorded = 0
    for path in sorted(glob.glob(os.path.join(REPO, "applications/*/*.yaml"))):
        app = yaml.safe_load(open(path))
        source = app["spec"]["source"]
        helm = source.get("helm")
        if helm is None:
            continue
        name = app["metadata"]["name"]
        release = helm.get("releaseName") or name
        args = [sys.executable, ORACLE, release, source["path"]]
        for f in helm.get("valueFiles", []):
            args += ["-f", os.path.join(source["path"], f)]
        args += ["-n", app["spec"]["destination"]["namespace"], "--kube-version", "v1.32.0"]
        out = subprocess.run(args, cwd=REPO, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("%s: %s" % (name, out.stderr))
        with open(os.path.join(HERE, name + ".txt"), "w") as f:
            f.write(out.stdout)
        print("recorded %s: %s" % (name, " ".join(args[2:])))
        recorded += 1
    if recorded == 0:
        sys.exit("no Helm Applications found under " + REPO)


if __name__ == "__main__":
    main()
