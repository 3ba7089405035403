#!/usr/bin/python3
"""make_seeds.py: writes the seed corpus of every harness into tests/fuzz/corpus/<target>/.

Seeds are real documents: fixtures/ (scenarios, Sandbox goldens), rules examples and Docker
answers as dockerd 20.10 sends them. Run it again after changing a seed; the files are
committed so the default build needs no Python."""
import base64, glob, io, json, os, struct, tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def frame(stream, payload):
    return struct.pack(">BxxxI", stream, len(payload)) + payload


# docker_stream: first byte = chunk size selector
put("docker_stream", "logs", b"\x03" + frame(1, b"k3s starting\n") + frame(2, b"warn: x\r\n") + frame(1, b"half"))
put("docker_stream", "exec", b"\x00" + frame(1, b"ca\ntls\nkey") + frame(0, b"ignored") + frame(3, b"syserr"))
put("docker_stream", "truncated", b"\x07" + frame(1, b"abc")[:9])
put("docker_stream", "badtype", b"\x01" + b"\x05\x00\x00\x00\x00\x00\x00\x01x")
put("docker_stream", "utf8", b"\x02" + frame(1, "caf\u00e9 \u2603 \U0001F600\n".encode() + b"\xff\xc3(\xe2\x82\n\xf0\x9f\x98"))

inspect = {"Id": "a" * 64, "State": {"Status": "exited", "Running": False, "ExitCode": 137, "Error": "",
           "OOMKilled": True, "Health": {"Status": "unhealthy"}}, "Image": "sha256:" + "b" * 64,
           "HostConfig": {"PortBindings": {"30051/tcp": [{"HostIp": "", "HostPort": "8080"}]}}}
put("docker_answers", "inspect.json", json.dumps(inspect))
put("docker_answers", "info.json", json.dumps({"ID": "x", "CDISpecDirs": ["/etc/cdi", "/var/run/cdi"], "Architecture": "x86_64"}))
put("docker_answers", "pull.jsonl", "\n".join(json.dumps(o) for o in [
    {"status": "Pulling from nvidia/openshell/cluster", "id": "dev"},
    {"status": "Downloading", "progressDetail": {"current": 1048576, "total": 52428800}, "id": "a1"},
    {"status": "Digest: sha256:" + "c" * 64},
    {"status": "Status: Downloaded newer image for ghcr.io/nvidia/openshell/cluster:dev"}]) + "\r\n")
put("docker_answers", "pull-error.jsonl", json.dumps({"errorDetail": {"message": "manifest unknown"}, "error": "manifest unknown"}) + "\n")
put("docker_answers", "secret.txt", "\n".join(base64.b64encode(x).decode() for x in [b"CA PEM", b"CRT PEM", b"KEY PEM"]))
put("docker_answers", "secret-notfound.txt", 'Error from server (NotFound): secrets "openshell-cli-client" not found\n')

put("gw_config", "local.json", json.dumps({"name": "openshell", "gateway_endpoint": "https://127.0.0.1:8080",
    "is_remote": False, "gateway_port": 8080}, indent=2))
put("gw_config", "remote.json", json.dumps({"name": "prod", "gateway_endpoint": "https://10.0.0.5:8080", "is_remote": True,
    "gateway_port": 8080, "remote_host": "user@box", "resolved_host": "10.0.0.5", "auth_mode": "mtls"}, indent=2))
put("gw_config", "bad-port.json", '{"name":"a","gateway_endpoint":"e","gateway_port":1e300}')

for i, v in enumerate(["unix:///var/run/docker.sock", "tcp://10.1.2.3:2376", "tcp://[fe80::1]:2375/",
                       "tcp://localhost:2375", "ssh://me@box", "tcp://:2375", " unix:// "]):
    put("docker_host", "host%d" % i, v + "\0" + ("~/.ssh/id_ed25519" if i == 4 else ""))
put("docker_host", "remote", "ssh://admin@gpu-box:2222\0/root/key")

for i, v in enumerate(["ghcr.io/nvidia/openshell/cluster:dev", "busybox", "localhost:5000/img",
                       "repo@sha256:" + "d" * 64, "registry:5000/ns/img:1.2", "repo:", ":"]):
    put("image_ref", "ref%d" % i, v + ("\0ghp_token" if i == 0 else ""))

for i, v in enumerate(["openshell", "My_Gateway.Prod", "--x--", "", "..", "a" * 300, "\u00e9t\u00e9-\x00-x"]):
    put("node_name", "name%d" % i, v)

for i, v in enumerate([b"", b"f", b"fo", b"foo", b"Zm9v", b"Zm8=", b"Zg==", b"Zm9v\n", b"\x00\xff"]):
    put("base64", "b%d" % i, v)

for path in sorted(glob.glob(os.path.join(ROOT, "fixtures/golden/sandbox/*.input.json"))):
    spec = json.load(open(path)).get("spec")
    if spec is not None:
        put("sandbox_spec", os.path.basename(path).replace(".input.json", ""), json.dumps(spec))
put("sandbox_spec", "bad-label", '{"template":{"labels":{"team":7}}}')

kc = """apiVersion: v1
kind: Config
current-context: k3s
clusters:
- name: k3s
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: %s
    tls-server-name: kubernetes
contexts:
- name: k3s
  context: {cluster: k3s, user: admin, namespace: openshell}
users:
- name: admin
  user:
    client-certificate-data: %s
    client-key-data: %s
""" % tuple(base64.b64encode(x).decode() for x in [b"CA", b"CRT", b"KEY"])
put("kubeconfig", "k3s.yaml", kc)
put("kubeconfig", "token.json", json.dumps({"current-context": "c", "clusters": [{"name": "x", "cluster": {
    "server": "http://127.0.0.1:8001", "insecure-skip-tls-verify": True}}], "contexts": [{"name": "c", "context": {
    "cluster": "x", "user": "u"}}], "users": [{"name": "u", "user": {"token": "abc"}}]}))
put("kubeconfig", "alias.yaml", "a: &x [1]\nb: *x\n")

for i, v in enumerate(["app=openshell", "app!=x,tier in (gateway,web)", "!missing,openshell.ai/sandbox-id",
                       "tier notin (a)", "metadata.name=openshell-0", "status.phase==Running,spec.nodeName!=x",
                       "a in (", "=x"]):
    put("kube_selector", "sel%d" % i, v)

patches = [{"metadata": {"labels": {"a": None, "c": "d"}}},
           {"spec": {"template": {"spec": {"containers": [{"name": "openshell", "image": "x:2"}]}}}},
           {"spec": {"template": {"spec": {"containers": [{"name": "openshell", "$patch": "delete"}]}}}},
           [{"op": "replace", "path": "/spec/replicas", "value": 0}, {"op": "add", "path": "/metadata/labels/x~1y", "value": "1"}],
           [{"op": "move", "from": "/metadata/labels", "path": "/spec/l"}, {"op": "test", "path": "/kind", "value": "StatefulSet"}],
           [{"op": "copy", "from": "/spec", "path": "/spec/template/x"}, {"op": "remove", "path": "/spec/template/spec/containers/0"}]]
for i, p in enumerate(patches):
    put("kube_patch", "p%d" % i, json.dumps(p))

for i, t in enumerate(["{.items[0].data.ca\\.crt}{\"\\n\"}{.items[0].data.tls\\.crt}",
                       "{range .items[*]}{.metadata.name}{\"\\t\"}{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}",
                       "{.items[*].metadata.labels['a.b/c']}", "{.items[-1:]}", "{.missing}",
                       "NAME:.metadata.name,READY:.status.conditions[0].status", "{range .items[*]}"]):
    put("kubectl_jsonpath", "t%d" % i, t)


def tar(entries):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, kind, data in entries:
            ti = tarfile.TarInfo(name)
            if kind == "d":
                ti.type = tarfile.DIRTYPE
            elif kind == "l":
                ti.type, ti.linkname = tarfile.SYMTYPE, data
                data = b""
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data) if data else None)
    return b.getvalue()


put("docker_archive", "files.tar", tar([("./", "d", b""), ("etc", "d", b""), ("etc/k3s.yaml", "f", b"x: 1\n"),
                                        ("link", "l", "etc/k3s.yaml")]))
put("docker_archive", "escape.tar", tar([("../escape", "f", b"no")]))
# a/../../xz escapes into /tmp/xz: an open bug, kept in regressions/open/docker_archive/
put("docker_archive", "cut.tar", tar([("big", "f", b"y" * 2000)])[:700])

for path in sorted(glob.glob(os.path.join(ROOT, "fixtures/scenarios/*.json"))):
    put("world_scenario", os.path.basename(path), open(path, "rb").read())
put("world_scenario", "bad-type.json", '{"docker":{"containers":[{"name":7}]}}')

put("kube_yaml", "sts.yaml", """apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: openshell
  namespace: openshell
  labels: {app: openshell, "on": "yes"}
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: openshell
        image: ghcr.io/nvidia/openshell/server:dev
        args: ["--port", "8080", '0x1F', 1e3, ~, true, no]
        env:
        - {name: A, value: "1"}
---
apiVersion: v1
kind: Namespace
metadata: {name: x}
""")
put("kube_yaml", "scalars.yaml", 'a: |\n  multi\n  line\nb: >\n  folded text\nc: "quoted: \\u00e9"\nd: 0o17\ne: .inf\nf: -12.5\ng: null\nh: 2024-01-01\n')
put("kube_yaml", "json.yaml", '{"kind":"Secret","data":{"ca.crt":"Q0E="},"n":[1,2,{"x":null}]}')

for i, a in enumerate([["gateway", "start", "--name", "dev", "--port", "8080", "--gpu", "--recreate"],
                       ["gateway", "start", "--remote", "ssh://me@box:22", "--ssh-key", "/k", "--image", "x:1"],
                       ["doctor", "exec", "-g", "dev", "--", "kubectl", "get", "pods"], ["doctor", "logs", "--tail", "20", "-f"],
                       ["gateway", "select", "prod"], ["--help"], ["gateway", "start", "--help"], ["gateway", "start", "--port", "0"],
                       ["gateway", "start", "--port=65536"], ["sandbox", "create", "--spec", "x.json"],
                       ["debug", "node-name", "A B"], ["--version"], ["8080"], ["00443"]]):
    put("cli_args", "a%d" % i, "\0".join(a))
