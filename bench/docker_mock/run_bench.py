#!/usr/bin/python3
"""run_bench.py: GET /containers/{id}/json requests/s on the mock Docker Engine and on the real
dockerd, same machine, same run, same client (osh-bench-inspect), same connection count.
Each side gets one running container made for the run; the real daemon's is removed after.
Prints one line per side and a summary. Exit 77 when neither side can be measured."""

import argparse
import os
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", required=True)
    ap.add_argument("--mockd", required=True)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--seconds", type=int, default=30)
    args = ap.parse_args()
    prefix = "oshbench-%d" % os.getpid()
    results = {}
    real_url = sides.find_real_daemon()
    if real_url:
        real = sides.RealSide(real_url, prefix)
        try:
            real.setup()
            results["real"] = measure(args.client, real, make_container(real), args)
        finally:
            real.cleanup()
    else:
        print("real: no real dockerd reachable (OSH_REAL_DOCKER_HOST / scripts/real-dockerd.sh)")
    if os.access(args.mockd, os.X_OK):
        mock = sides.MockSide(args.mockd, prefix)
        try:
            mock.setup()
            results["mock"] = measure(args.client, mock, make_container(mock), args)
        finally:
            mock.cleanup()
    else:
        print("mock: %s is not built" % args.mockd)
    if os.access(args.mockd, os.X_OK):
        ldd = subprocess.run(["ldd", args.mockd], capture_output=True, text=True).stdout
        if "libasan" in ldd:
            print("note: %s is built with AddressSanitizer; for representative figures build it "
                  "without OSH_SANITIZE and pass --mockd" % args.mockd)
    if not results:
        print("SKIP: nothing to measure")
        return 77
    print("GET /containers/{id}/json, %d connections, up to %d requests or %d s per side: %s" % (
        args.connections, args.requests, args.seconds,
        ", ".join("%s %s req/s" % (k, "failed" if v is None else "%.0f" % v) for k, v in results.items())))
    return 1 if None in results.values() else 0


if __name__ == "__main__":
    sys.exit(main())
