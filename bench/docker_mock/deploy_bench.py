#!/usr/bin/python3
"""deploy_bench.py: a fresh `openshell gateway start` and its `gateway destroy`, on the real
dockerd (with the fake cluster image, through a request-counting relay) and on the mock
(openshell-mockd, counted by its journal), in the same run: wall time and Docker request
count of each (issue 7). The real side needs exec into privileged containers (see
docs/docker-fidelity.md); a side that cannot run is reported and left out.
Usage: deploy_bench.py --openshell PATH --mockd PATH [--poll-ms 300]"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "real_docker"))
import fake_cluster_test as fct  # noqa: E402
import request_counter  # noqa: E402
import sides  # noqa: E402


def run(openshell, env, *args):
    t0 = time.monotonic()
    r = subprocess.run([openshell] + list(args), env=env, capture_output=True, text=True, timeout=900)
    return r, time.monotonic() - t0


def deploy_and_destroy(openshell, docker_host, name, image, port, poll_ms, count):
    """[(step, exit, seconds, requests)] for start then destroy; count() gives the running total."""
    cfg = tempfile.mkdtemp(prefix="oshbench-cfg-")
    env = dict(os.environ, DOCKER_HOST=docker_host, XDG_CONFIG_HOME=cfg, OPENSHELL_POLL_INTERVAL_MS=str(poll_ms))
    out = []
    try:
        n0 = count()
        args = ["gateway", "start", "--name", name, "--port", str(port)] + (["--image", image] if image else [])
        r, dt = run(openshell, env, *args)
        out.append(("start", r.returncode, dt, count() - n0, r.stderr.strip().splitlines()[-1:]))
        n0 = count()
        r, dt = run(openshell, env, "gateway", "destroy", "--name", name)
        out.append(("destroy", r.returncode, dt, count() - n0, r.stderr.strip().splitlines()[-1:]))
    finally:
        shutil.rmtree(cfg, ignore_errors=True)
    return out


def real_side(args, prefix):
    url = sides.find_real_daemon()
    if not url or not url.startswith("unix://"):
        print("real: no real dockerd on a unix socket (OSH_REAL_DOCKER_HOST / scripts/real-dockerd.sh)")
        return None
    side = sides.RealSide(url, prefix)
    d = fct.Daemon(url)
    relay = None
    try:
        side.setup()
        if not fct.privileged_exec_works(d, prefix):
            print("real: skipped: the daemon cannot exec into privileged containers")
            return None
        image = prefix + "/cluster:dev"
        fct.build(url, image, "--health-interval", "1s", "--health-start-period", "1ms")
        tmp = tempfile.mkdtemp(prefix="oshbench-relay-")
        relay = request_counter.RequestCounter(url[len("unix://"):], os.path.join(tmp, "docker.sock"))
        rows = deploy_and_destroy(args.openshell, "unix://" + relay.path, prefix, image,
                                  sides.free_port(), args.poll_ms, lambda: relay.count)
        if args.verbose:
            print("\n".join("real request: " + line for line in relay.lines))
        return rows
    finally:
        if relay:
            relay.close()
        side.cleanup()


def scripted_cluster(name):
    """openshell-mockd serves the Docker mock alone (no k3s simulator), so the cluster's part
    is scripted: the default pullable image, a health sequence (starting twice, then healthy)
    and the exec answers of S1, hostname and M1 (docs/scenarios.md, "docker")."""
    node = "openshell-" + name.lower()
    ca = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nmock\n-----END CERTIFICATE-----\n").decode()
    return {"docker": {
        "scripts": {"openshell-cluster-" + name: {"health": ["starting", "starting", "healthy"]}},
        "execs": [{"script": fct.S1, "stdout": node + "\n"},
                  {"argv": ["hostname"], "stdout": node + "\n"},
                  {"script": fct.M1, "stdout": "%s\n%s\n%s" % (ca, ca, ca)}]}}


def mock_side(args, prefix):
    if not os.access(args.mockd, os.X_OK):
        print("mock: %s is not built" % args.mockd)
        return None
    mock = sides.MockSide(args.mockd, prefix)
    mock.scenario = lambda: scripted_cluster(prefix)
    try:
        mock.setup()

        def count():
            r = mock.client.json("GET", "/_mock/journal")
            return len(r.json()) if r.status == 200 else -1
        rows = deploy_and_destroy(args.openshell, mock.client.url, prefix, None, 8080, args.poll_ms, count)
        if args.verbose:
            journal = mock.client.json("GET", "/_mock/journal").json()
            for e in journal[1:] if journal and journal[0]["path"] == "/info" else journal:  # [0]: setup's
                q = ("?" + e["query"]) if e.get("query") else ""
                print("mock request: %s %s%s" % (e["method"], e["path"], q))
        return rows
    finally:
        mock.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--openshell", required=True)
    ap.add_argument("--mockd", required=True)
    ap.add_argument("--poll-ms", type=int, default=300)
    ap.add_argument("--verbose", "-v", action="store_true", help="list both sides' requests")
    args = ap.parse_args()
    if not os.access(args.openshell, os.X_OK):
        print("SKIP: %s is not built" % args.openshell)
        return 77
    prefix = "oshdb%d" % os.getpid()
    results = {"real": real_side(args, prefix), "mock": mock_side(args, prefix)}
    rc = 77
    for side, rows in results.items():
        for step, code, secs, reqs, last in rows or []:
            print("%-4s %-7s exit=%d seconds=%.2f docker_requests=%d  %s" % (side, step, code, secs, reqs, " ".join(last)))
            rc = 1 if code != 0 else (0 if rc == 77 else rc)
    print("OPENSHELL_POLL_INTERVAL_MS=%d; real: fake cluster image with a 1 s HEALTHCHECK interval" % args.poll_ms)
    return rc


if __name__ == "__main__":
    sys.exit(main())
