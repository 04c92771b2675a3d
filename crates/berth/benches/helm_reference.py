"""Real Helm 4.3 timings for the template bench (benches/template.rs runs this).

    python3 helm_reference.py ORACLE_DIR CHART RUNS

Prints `lint <median ms>`: Helm's lint of CHART in the oracle's process (load, values,
schema, render every template, parse the output; no API server). The oracle's library
exposes no render-only call and its `helm template` goes through an install into a mock
API server (about 20 s for kube-prometheus-stack, almost all mock), so lint is the
closest measure of Helm's own load and render.
"""
import ctypes, os, statistics, sys, time

oracle, chart, runs = sys.argv[1], os.path.abspath(sys.argv[2]), int(sys.argv[3])
sys.path.insert(0, oracle)
import realhelm  # noqa: E402

renderer = realhelm.Renderer()
try:
    helm = realhelm.Helm(renderer.kubeconfig, "default")
    out = ctypes.c_char_p()

    def lint():
        helm._check(helm.lib.helm_sdkpy_lint(helm.handle, chart.encode(), ctypes.byref(out)), "lint")

    lint()  # warm-up: caches, first-use initialisation
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        lint()
        times.append((time.perf_counter() - t) * 1000)
    print(f"lint {statistics.median(times):.1f}")
finally:
    renderer.close()
