#!/usr/bin/python3
"""run_bench.py: GET /containers/{id}/json requests/s on the mock Docker Engine and on the real
dockerd, same machine, same run, same client (osh-bench-inspect), same connection count.
Each side gets one running container made for the run; the real daemon's is removed after.
Prints one line per side and a summary. Exit 77 when neither side can be measured."""

import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "real_docker"))
import sides  # noqa: E402


def make_container(side):
    c = side.client
    r = c.json("POST", "/containers/create", [("name", side.prefix + "-bench")],
               {"Image": side.vars["IMAGE"], "Cmd": ["sleep", "100000"], "Hostname": "bench",
                "Env": ["A=b"], "HostConfig": {"RestartPolicy": {"Name": "unless-stopped"}}})
    if r.status != 201:
        raise sides.ScriptError("%s: create: %d %r" % (side.name, r.status, r.body[:200]))
    cid = r.json()["Id"]
    r = c.request("POST", "/containers/%s/start" % cid)
    if r.status not in (204, 304):
        raise sides.ScriptError("%s: start: %d %r" % (side.name, r.status, r.body[:200]))
    return cid


def measure(client, side, cid, args):
    cmd = [client, "--docker", side.client.url, "--path", "/containers/%s/json" % cid,
           "--connections", str(args.connections), "--requests", str(args.requests),
           "--seconds", str(args.seconds)]
    subprocess.run(cmd[:-6] + ["--connections", "4", "--requests", "200", "--seconds", "5"],
                   capture_output=True)  # warm-up
    r = subprocess.run(cmd, capture_output=True, text=True)
    line = r.stdout.strip()
    print("%-5s %s%s" % (side.name, line, (" (" + r.stderr.strip() + ")") if r.returncode else ""))
    fields = dict(kv.split("=") for kv in line.split()) if line else {}
    return float(fields.get("rps", 0)) if r.returncode == 0 else None


def open_sides(args, prefix):
    """[(side, container id)] for each daemon that can be measured."""
    out = []
    real_url = sides.find_real_daemon()
    if real_url:
        real = sides.RealSide(real_url, prefix)
        out.append(real)
        real.setup()
    else:
        print("real: no real dockerd reachable (OSH_REAL_DOCKER_HOST / scripts/real-dockerd.sh)")
    if os.access(args.mockd, os.X_OK):
        mock = sides.MockSide(args.mockd, prefix)
        out.append(mock)
        mock.setup()
        ldd = subprocess.run(["ldd", args.mockd], capture_output=True, text=True).stdout
        if "libasan" in ldd:
            print("note: %s is built with AddressSanitizer; for representative figures build it "
                  "without OSH_SANITIZE and pass --mockd" % args.mockd)
    else:
        print("mock: %s is not built" % args.mockd)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", required=True)
    ap.add_argument("--mockd", required=True)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternate the daemons this many times (the machine's load varies)")
    args = ap.parse_args()
    prefix = "oshbench-%d" % os.getpid()
    opened = []
    results = {}
    try:
        opened = open_sides(args, prefix)
        targets = [(side, make_container(side)) for side in opened]
        for _ in range(args.rounds):
            for side, cid in targets:
                results.setdefault(side.name, []).append(measure(args.client, side, cid, args))
    finally:
        for side in opened:
            side.cleanup()
    if not results:
        print("SKIP: nothing to measure")
        return 77
    failed = any(None in v for v in results.values())
    print("GET /containers/{id}/json, %d connections, up to %d requests or %d s per run, median of %d: %s" % (
        args.connections, args.requests, args.seconds, args.rounds,
        ", ".join("%s %s req/s" % (k, "failed" if None in v else "%.0f" % statistics.median(v))
                  for k, v in results.items())))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
