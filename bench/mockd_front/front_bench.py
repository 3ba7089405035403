#!/usr/bin/python3
"""front_bench.py: the figures of issue 12 for openshell-mockd's HTTP front, in one run.

  1. Throughput ratios, interleaved rounds (the machine is shared; ratios of one round are
     what is reported): GET /containers/{id}/json and GET /_ping
       - mock over unix / the real dockerd over unix (a running container on each);
       - mock over TCP / nginx over TCP serving the very bytes the mock answered, as static
         files (worker_processes auto, keep-alive, no access log).
     Same client (osh-bench-inspect: libcurl multi, N keep-alive connections) for every side.
  2. mockd's resident memory (VmRSS, VmHWM from /proc) before and after --rss-requests
     inspect requests, and what GET /_mock/journal then weighs.

The real dockerd is shared with other work: its part runs under flock(/tmp/osh-real-docker.lock)
and is skipped (ratio "n/a") when no daemon answers. Prints one line per measurement, then a
summary with the load average at start and end. Exit 77 when nothing could be measured."""

import argparse
import fcntl
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "real_docker"))
import dockerapi  # noqa: E402
import sides  # noqa: E402

IMAGE = "oshbench/front:1"
LOCK = "/tmp/osh-real-docker.lock"


def loadavg():
    return "%.2f %.2f %.2f" % os.getloadavg()


def start_mockd(mockd, tmp):
    scen = os.path.join(tmp, "scenario.json")
    with open(scen, "w") as f:
        json.dump({"docker": {"images": [{"ref": IMAGE, "architecture": "amd64"}]}}, f)
    proc = subprocess.Popen([mockd, "--docker", "unix://" + os.path.join(tmp, "d.sock"),
                             "--docker", "tcp://127.0.0.1:0", "--scenario", scen],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    urls = []
    for line in proc.stdout:
        line = line.strip()
        if line.startswith("docker: "):
            urls.append(line[len("docker: "):])
        if line == "ready":
            break
    if len(urls) != 2:
        proc.kill()
        raise RuntimeError("openshell-mockd did not become ready")
    return proc, urls[0], urls[1]


def make_container(client, image, name):
    r = client.json("POST", "/containers/create", [("name", name)],
                    {"Image": image, "Cmd": ["sleep", "100000"], "Hostname": "bench",
                     "Env": ["A=b"], "HostConfig": {"RestartPolicy": {"Name": "unless-stopped"}}})
    if r.status != 201:
        raise RuntimeError("create on %s: %d %r" % (client.url, r.status, r.body[:200]))
    cid = r.json()["Id"]
    r = client.request("POST", "/containers/%s/start" % cid)
    if r.status not in (204, 304):
        raise RuntimeError("start on %s: %d %r" % (client.url, r.status, r.body[:200]))
    return cid


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_nginx(tmp, files):
    """nginx serving files {url path: bytes} on 127.0.0.1:PORT; returns (proc, url)."""
    root = os.path.join(tmp, "www")
    os.chmod(tmp, 0o755)  # nginx's workers run as an unprivileged user when started as root
    for path, data in files.items():
        full = os.path.join(root, path.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
    port = free_port()
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""worker_processes auto;
error_log %(tmp)s/nginx-error.log;
pid %(tmp)s/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path %(tmp)s/ct; proxy_temp_path %(tmp)s/pt; fastcgi_temp_path %(tmp)s/ft;
  uwsgi_temp_path %(tmp)s/ut; scgi_temp_path %(tmp)s/st;
  server { listen 127.0.0.1:%(port)d; root %(root)s; default_type application/json; }
}
""" % {"tmp": tmp, "port": port, "root": root})
    proc = subprocess.Popen(["nginx", "-e", os.path.join(tmp, "nginx-error.log"), "-c", conf,
                             "-p", tmp, "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "tcp://127.0.0.1:%d" % port
    for _ in range(100):
        try:
            if dockerapi.Client(url, timeout=2).request("GET", "/_ping").status == 200:
                return proc, url
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("nginx did not start (see %s/nginx-error.log)" % tmp)


def measure(args, url, path):
    cmd = [args.client, "--docker", url, "--path", path, "--connections", str(args.connections),
           "--requests", "100000000", "--seconds", str(args.seconds)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    line = r.stdout.strip()
    fields = dict(kv.split("=") for kv in line.split()) if line else {}
    if r.returncode != 0:
        print("  %s %s: FAILED %s" % (url, path, r.stderr.strip()))
        return None
    return float(fields.get("rps", 0))


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "Threads"):
                out[k] = v.strip()
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                out["nofile"] = " ".join(line.split()[3:5])
    return out


def ratio_rounds(args, targets):
    """targets: {name: (url, path)}; returns {name: [rps per round]}."""
    res = {k: [] for k in targets}
    for rnd in range(args.rounds):
        for name, (url, path) in targets.items():
            rps = measure(args, url, path)
            res[name].append(rps)
            print("round %d %-14s %s req/s  (load %s)" % (rnd + 1, name,
                                                       "failed" if rps is None else "%.0f" % rps,
                                                       loadavg()), flush=True)
    return res


def median_ratio(res, a, b):
    rs = [x / y for x, y in zip(res.get(a, []), res.get(b, [])) if x and y]
    return ("%.2f (rounds: %s)" % (statistics.median(rs), ", ".join("%.2f" % r for r in rs))) if rs else "n/a"


def rss_run(args, mock_proc, mock_unix, cid):
    before = proc_status(mock_proc.pid)
    t0 = time.time()
    cmd = [args.client, "--docker", mock_unix, "--path", "/containers/%s/json" % cid,
           "--connections", str(args.connections), "--requests", str(args.rss_requests),
           "--seconds", "3600"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    after = proc_status(mock_proc.pid)
    j = dockerapi.Client(mock_unix, timeout=600).request("GET", "/_mock/journal")
    print("rss: %d requests in %.1f s (%s): before %s, after %s; GET /_mock/journal %d bytes" % (
        args.rss_requests, time.time() - t0, r.stdout.strip(), before, after, len(j.body)))
    return before, after, len(j.body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", required=True)
    ap.add_argument("--mockd", required=True)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rss-requests", type=int, default=1000000)
    ap.add_argument("--no-real", action="store_true", help="leave the real dockerd out")
    args = ap.parse_args()
    if shutil.which("nginx") is None and not os.access("/usr/sbin/nginx", os.X_OK):
        print("SKIP: nginx is not installed")
        return 77
    os.environ["PATH"] += ":/usr/sbin"
    print("load at start: %s" % loadavg())
    tmp = tempfile.mkdtemp(prefix="oshbench-front-")
    mock = nginx = real = lock = None
    try:
        mock, mock_unix, mock_tcp = start_mockd(args.mockd, tmp)
        mc = dockerapi.Client(mock_unix)
        cid = make_container(mc, IMAGE, "bench-front")
        print("mockd: %s" % proc_status(mock.pid))
        ipath = "/containers/%s/json" % cid
        nginx, nginx_url = start_nginx(tmp, {ipath: mc.request("GET", ipath).body,
                                             "/_ping": mc.request("GET", "/_ping").body})
        targets = {"mock-unix-insp": (mock_unix, ipath), "mock-tcp-insp": (mock_tcp, ipath),
                   "nginx-tcp-insp": (nginx_url, ipath), "mock-unix-ping": (mock_unix, "/_ping"),
                   "mock-tcp-ping": (mock_tcp, "/_ping"), "nginx-tcp-ping": (nginx_url, "/_ping")}
        real_url = None if args.no_real else sides.find_real_daemon()
        if real_url:
            lock = open(LOCK, "a")
            fcntl.flock(lock, fcntl.LOCK_EX)
            real = sides.RealSide(real_url, "oshbench-front-%d" % os.getpid())
            real.setup()
            rcid = make_container(real.client, real.vars["IMAGE"], real.prefix + "-c")
            targets["real-unix-insp"] = (real_url, "/containers/%s/json" % rcid)
            targets["real-unix-ping"] = (real_url, "/_ping")
        res = ratio_rounds(args, targets)
        if real:
            real.cleanup()
            real = None
            lock.close()
            lock = None
        rss = rss_run(args, mock, mock_unix, cid) if args.rss_requests > 0 else None
        med = {k: statistics.median([x for x in v if x] or [0]) for k, v in res.items()}
        print("\nsummary (%d connections, %d s per measurement, %d interleaved rounds; median req/s: %s)" % (
            args.connections, args.seconds, args.rounds, ", ".join("%s %.0f" % kv for kv in med.items())))
        print("inspect mock/dockerd (unix): %s" % median_ratio(res, "mock-unix-insp", "real-unix-insp"))
        print("inspect mock/nginx   (tcp):  %s" % median_ratio(res, "mock-tcp-insp", "nginx-tcp-insp"))
        print("_ping   mock/dockerd (unix): %s" % median_ratio(res, "mock-unix-ping", "real-unix-ping"))
        print("_ping   mock/nginx   (tcp):  %s" % median_ratio(res, "mock-tcp-ping", "nginx-tcp-ping"))
        if rss:
            print("mockd RSS after %d requests: %s (peak %s); journal answer %d bytes" % (
                args.rss_requests, rss[1].get("VmRSS"), rss[1].get("VmHWM"), rss[2]))
        print("load at end: %s" % loadavg())
        return 1 if any(None in v for v in res.values()) else 0
    finally:
        if real:
            real.cleanup()
        if lock:
            lock.close()
        for p in (nginx, mock):
            if p:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
