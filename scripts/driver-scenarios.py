#!/usr/bin/env python3
"""scripts/driver-scenarios.py [ROOT]: writes the DRV- scenarios (rules §13.8 and more) into
conformance/scenarios, or conformance/scenarios-pending for those listed in STILL_PENDING."""
import copy
import json
import os
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
GOLD = os.path.join(ROOT, "fixtures/golden/driver")
ID = "8f14e45f-ceea-467f-a0e6-5b7c9a1d2e3f"
NS = "openshell"
SB = "/apis/agents.x-k8s.io/%s/namespaces/openshell/sandboxes"
ANYV = SB % "*"
BASE_FLAGS = ["--default-image", "ghcr.io/nvidia/openshell/sandbox:latest", "--image-pull-policy", "IfNotPresent",
              "--grpc-endpoint", "https://openshell.openshell.svc.cluster.local:8080",
              "--client-tls-secret", "openshell-client-tls"]
LOOKUP_Q = "openshell.ai/managed-by=openshell,openshell.ai/sandbox-id=%s,openshell.ai/gateway-id=%s"
LIST_Q = "openshell.ai/managed-by=openshell,openshell.ai/sandbox-id,openshell.ai/gateway-id=openshell"
WATCH_Q = "openshell.ai/managed-by=openshell,openshell.ai/sandbox-id"
DEL_RACE_SRC = "OpenShell v0.0.111 crates/openshell-driver-kubernetes/src/driver.rs:1684-1687 (preconditions from the listed object) and 1722-1750 (404 and 409 both return Ok(false))"
STOP_RACE_SRC = "OpenShell v0.0.111 crates/openshell-driver-kubernetes/src/driver.rs:1619-1626 and 4275-4291 (the merge patch carries the listed resourceVersion), 81-86 (from_kube maps every 409 to AlreadyExists 'sandbox already exists'), crates/openshell-core/src/error.rs:130-139"

out = {}


def golden(name):
    with open(os.path.join(GOLD, name + ".json")) as f:
        return json.load(f)


def golden_input(name):
    with open(os.path.join(GOLD, name + ".input.json")) as f:
        return json.load(f)


# Scenarios our own driver does not pass on the mocks yet (conformance/scenarios-pending).
STILL_PENDING = set()


def scenario(sid, rule, spec, group, steps, pending=False, world=None, expect=None, needs=("driver",), **extra):
    pending = sid in STILL_PENDING  # every release and controller knob is served since issue 10
    doc = {"id": sid, "rule": rule, "spec": spec, "group": group, "needs": list(needs)}
    doc.update(extra)
    if world is not None:
        doc["world"] = world
    doc["steps"] = steps
    if expect:
        doc["expect"] = expect
    out[sid] = (doc, pending)


def step(args, exit_=0, stdout=None, stderr=None, journal=None, state=None, name=None, env=None, files=None):
    s = {}
    if name:
        s["name"] = name
    s["args"] = ["driver"] + args
    if env:
        s["env"] = env
    if files:
        s["files"] = files
    e = {"exit": exit_}
    if stdout is not None:
        e["stdout"] = stdout
    if stderr is not None:
        e["stderr"] = stderr
    if journal:
        e["journal"] = journal
    if state:
        e["state"] = state
    s["expect"] = e
    return s


def kj(match, **kw):
    d = {"which": "kube", "match": match}
    d.update(kw)
    return d


def kube_world(objects=None, faults=None, release=None, controller=None):
    k = {}
    if release:
        k["agent_sandbox"] = release
    if controller is not None:
        k["agent_sandbox_controller"] = controller
    if objects is not None:
        k["objects"] = objects
    if faults:
        k["faults"] = faults
    return {"kube": k}


def sandbox_obj(name, sid, gw="openshell", ws="default", labels_extra=None, drop=(), status=None, annotations=True):
    labels = {"openshell.ai/sandbox-id": sid, "openshell.ai/sandbox-name": name.split("--", 1)[-1],
              "openshell.ai/sandbox-workspace": ws, "openshell.ai/managed-by": "openshell",
              "openshell.ai/gateway-id": gw}
    if labels_extra:
        labels.update(labels_extra)
    for k in drop:
        labels.pop(k, None)
    meta = {"name": name, "namespace": NS, "labels": {k: v for k, v in labels.items() if v is not None}}
    if annotations:
        ann = {k: labels[k] for k in ("openshell.ai/sandbox-id", "openshell.ai/sandbox-name",
                                      "openshell.ai/sandbox-workspace") if k in labels and labels[k] is not None}
        meta["annotations"] = ann
    o = {"metadata": meta,
         "spec": {"podTemplate": {"spec": {"containers": [{"name": "agent", "image": "img:1"}]}}}}
    if status is not None:
        o["status"] = status
    return o


def settle(n=6):
    """Requests that let a request-driven controller (issue 10) finish reconciling seeded objects
    before the driver lists and writes, so that only the scenario's own scripting races it."""
    return [{"name": "let the controller settle (request %d of %d)" % (i + 1, n),
             "request": {"which": "kube", "method": "GET", "path": "/api/v1/namespaces/openshell"}} for i in range(n)]


def lookup_match(method="GET", sid=ID, gw="openshell"):
    return {"method": method, "path": ANYV, "query": {"labelSelector": LOOKUP_Q % (sid, gw)}}


V1A_LIST = SB % "v1alpha1"
G = {"probe": "driver: version probe", "create": "driver: create", "bad": "driver: bad input",
     "lookup": "driver: lookup, get, list", "delete": "driver: delete", "stop": "driver: stop and start",
     "phase": "driver: phases", "watch": "driver: watch", "life": "driver: lifecycle with the controller",
     "race": "driver: upstream races"}

STATUS_404_TEXT = {"status": 404, "content_type": "text/plain", "body": "404 page not found\n"}

# ---------------------------------------------------------------- probe

for rel, want in (("0.5", "v1beta1"), ("1.0", "v1beta1")):
    sid = "DRV-PROBE-BETA" if rel == "0.5" else "DRV-PROBE-BETA-ONLY"
    scenario(sid, "On agent-sandbox %s the probe selects v1beta1 with a single limit=1 list and never asks for v1alpha1." % rel,
             ["§13.2", "§14.1"], G["probe"],
             [step(["probe"], stdout={"equals": want + "\n"},
                   journal=[kj({"method": "GET", "path": SB % "v1beta1", "query": {"limit": "1"}}, count=1),
                            kj({"path": SB % "v1alpha1"}, count=0)])],
             pending=True, world=kube_world(release=rel))

scenario("DRV-PROBE-ALPHA", "On agent-sandbox 0.1 (v1alpha1 only) the probe falls back to v1alpha1 after the v1beta1 404, and create stores a v1alpha1 object.",
         ["§13.2", "§13.3", "§14.1"], G["probe"],
         [step(["probe"], stdout={"equals": "v1alpha1\n"},
               journal=[kj({"method": "GET", "path": SB % "v1beta1", "query": {"limit": "1"}, "status": 404}, count=1),
                        kj({"method": "GET", "path": SB % "v1alpha1", "query": {"limit": "1"}, "status": 200}, count=1)]),
          step(["create", "--name", "demo", "--id", ID], stdout={"matches": "created default--demo ?* v1alpha1\n"},
               journal=[kj({"method": "POST", "path": SB % "v1alpha1",
                            "body": [{"path": "apiVersion", "equals": "agents.x-k8s.io/v1alpha1"}]}, count=1)],
               state=[{"path": "kube.sandboxes[metadata.name=default--demo].apiVersion", "equals": "agents.x-k8s.io/v1alpha1"}])],
         pending=True, world=kube_world(release="0.1"))

scenario("DRV-PROBE-NONE", "Without the agent-sandbox CRD create fails with the §13.2 phrase after two probes and sends no POST.",
         ["§13.2", "§14.1"], G["probe"],
         [step(["create", "--name", "demo"], exit_=1,
               stderr={"contains": "no supported Agent Sandbox API version is available; tried v1beta1, v1alpha1"},
               journal=[kj({"method": "GET", "path": ANYV, "status": 404}, count=2), kj({"method": "POST"}, count=0)])],
         pending=True, world=kube_world(release="none"))

scenario("DRV-PROBE-PLAIN-404", "A v1beta1 probe answered by the apiserver's plain-text '404 page not found' tries v1alpha1.",
         ["§13.2"], G["probe"],
         [step(["probe"], stdout={"equals": "v1alpha1\n"},
               journal=[kj({"method": "GET", "path": SB % "v1beta1", "status": 404}, count=1),
                        kj({"method": "GET", "path": SB % "v1alpha1", "query": {"limit": "1"}}, count=1)])],
         world=kube_world(faults=[dict(STATUS_404_TEXT, method="GET", path=SB % "v1beta1")]))

scenario("DRV-PROBE-BOTH-404", "Both versions answering 404 (Status and plain text) fail create with the §13.2 phrase and no POST.",
         ["§13.2", "§13.3"], G["probe"],
         [step(["create", "--name", "demo"], exit_=1,
               stderr={"contains": "no supported Agent Sandbox API version is available; tried v1beta1, v1alpha1"},
               journal=[kj({"method": "GET", "path": ANYV}, count=2), kj({"method": "POST"}, count=0),
                        kj({"path": "/api/v1/namespaces/*"}, count=0)])],
         world=kube_world(faults=[dict(STATUS_404_TEXT, method="GET", path=SB % "v1beta1"),
                                  {"method": "GET", "path": SB % "v1alpha1", "status": 404,
                                   "body": {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                            "message": "the server could not find the requested resource",
                                            "reason": "NotFound", "details": {}, "code": 404}}]))

scenario("DRV-PROBE-403", "A probe answered 403 fails the command with the API's message; v1alpha1 is never probed and nothing is created.",
         ["§13.2", "§13.8"], G["probe"],
         [step(["create", "--name", "demo"], exit_=1,
               stderr={"contains": ["kubernetes API error 403 Forbidden:", "cannot list resource \"sandboxes\""]},
               journal=[kj({"path": SB % "v1alpha1"}, count=0), kj({"method": "POST"}, count=0)])],
         world=kube_world(faults=[{"method": "GET", "path": SB % "v1beta1", "status": 403,
                                   "body": {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                            "message": "sandboxes.agents.x-k8s.io is forbidden: User \"system:serviceaccount:openshell:openshell\" cannot list resource \"sandboxes\" in API group \"agents.x-k8s.io\" in the namespace \"openshell\"",
                                            "reason": "Forbidden", "details": {"group": "agents.x-k8s.io", "kind": "sandboxes"}, "code": 403}}]))

scenario("DRV-PROBE-500-TEXT", "An error answer that is not a Status is reported with its HTTP status, reason phrase and body text; no other version is tried.",
         ["§13.2", "§10.1"], G["probe"],
         [step(["probe"], exit_=1, stderr={"contains": "kubernetes API error 500 Internal Server Error: etcdserver: request timed out"},
               journal=[kj({"path": SB % "v1alpha1"}, count=0)])],
         world=kube_world(faults=[{"method": "GET", "path": SB % "v1beta1", "status": 500, "content_type": "text/plain",
                                   "body": "etcdserver: request timed out\n"}]))

scenario("DRV-PROBE-TIMEOUT", "A probe that stalls beyond OPENSHELL_KUBE_API_TIMEOUT_MS fails with 504 Timeout and the §10.6 message.",
         ["§13.2", "§10.6"], G["probe"],
         [step(["probe"], exit_=1, env={"OPENSHELL_KUBE_API_TIMEOUT_MS": "200"},
               stderr={"contains": "kubernetes API error 504 Timeout: timed out after 1s waiting for Kubernetes API"})],
         world=kube_world(faults=[{"path": SB % "v1beta1", "delay_ms": 3000}]))

scenario("DRV-PROBE-FIXED", "--api-version v1alpha1 skips the probe: no limit=1 list is sent.",
         ["§13.1", "§13.2"], G["probe"],
         [step(["list", "--api-version", "v1alpha1"], stdout={"equals": ""},
               journal=[kj({"path": ANYV, "query": {"limit": "1"}}, count=0),
                        kj({"method": "GET", "path": SB % "v1alpha1", "query": {"labelSelector": LIST_Q}}, count=1)])])

# ---------------------------------------------------------------- create

CASES = {  # scenario suffix -> golden case
    "G1": "minimal", "G2": "template-full", "GPU": "gpu-count-2", "NOTLS": "no-tls", "MOUNT": "mount-under-sandbox",
    "HOSTIP": "host-gateway-ip", "COMMAND": "command-tty", "STORAGE": "storage-class-size",
}


def flags_for(case):
    inp = golden_input(case)
    c = inp["config"]
    f = ["--name", inp["name"], "--id", inp["id"]]
    keymap = {"namespace": "--namespace", "gateway_id": "--gateway-id", "workspace": "--workspace",
              "default_image": "--default-image", "image_pull_policy": "--image-pull-policy",
              "grpc_endpoint": "--grpc-endpoint", "client_tls_secret": "--client-tls-secret",
              "host_gateway_ip": "--host-gateway-ip", "supervisor_image": "--supervisor-image",
              "ssh_socket_path": "--ssh-socket-path", "storage_size": "--storage-size", "storage_class": "--storage-class",
              "sandbox_uid": "--sandbox-uid", "sandbox_gid": "--sandbox-gid"}
    for k, v in c.items():
        f += [keymap[k], str(v)]
    files = []
    if "spec" in inp:
        files = [{"path": "${TMP}/spec.json", "json": inp["spec"]}]
        f += ["--spec", "${TMP}/spec.json"]
    return inp, f, files


WHAT = {"G1": "the reference's default object (minimal golden)",
        "G2": "template labels, annotations, env, runtime class, agent socket, log level (template-full golden)",
        "GPU": "gpu_count 2 next to the template's resources (gpu-count-2 golden)",
        "NOTLS": "no TLS secret: no TLS volume, mount or OPENSHELL_TLS_* (no-tls golden)",
        "MOUNT": "a claim mounted under /sandbox/: no workspace claim template, no init container, no /sandbox mount, no fsGroup (mount-under-sandbox golden)",
        "HOSTIP": "a host gateway IP: hostAliases (host-gateway-ip golden)",
        "COMMAND": "a command and tty in OPENSHELL_MAIN_PROCESS_SPEC (command-tty golden)",
        "STORAGE": "workspace, gateway id, namespace, storage size and class, supervisor image, no SSH socket path (storage-class-size golden)"}

for suffix, case in CASES.items():
    inp, f, files = flags_for(case)
    g = golden(case)
    ns = inp["config"].get("namespace", NS)
    cr = g["metadata"]["name"]
    dry = {"args": ["driver", "create"] + f + ["--dry-run"], "expect": {"exit": 0, "stdout": {"json": g}}}
    if files:
        dry["files"] = files
    scenario("DRV-DRYRUN-" + suffix, "create --dry-run prints %s and sends nothing." % WHAT[suffix],
             ["§13.3"], G["create"], [dry], expect={"journal": [{"which": "kube", "count": 0}]})
    body = copy.deepcopy(g)
    stored_checks = [{"path": "kube.sandboxes[metadata.name=%s].metadata.labels" % cr, "equals": g["metadata"]["labels"]},
                     {"path": "kube.sandboxes[metadata.name=%s].metadata.annotations" % cr, "subset": g["metadata"]["annotations"]},
                     {"path": "kube.sandboxes[metadata.name=%s].spec.podTemplate" % cr, "equals": g["spec"]["podTemplate"],
                      "what": "the CRD keeps the whole pod template (nothing pruned)"},
                     {"path": "kube.sandboxes[metadata.name=%s].spec.operatingMode" % cr, "equals": "Running"}]
    if "agentSocket" in g["spec"]:
        stored_checks.append({"path": "kube.sandboxes[metadata.name=%s].spec.agentSocket" % cr, "exists": False,
                              "what": "agentSocket is not in the CRD schema: pruned"})
    cstep = {"args": ["driver", "create"] + f,
             "expect": {"exit": 0, "stdout": {"matches": "created %s ?* v1beta1\n" % cr},
                        "journal": [kj({"method": "GET", "path": "/api/v1/namespaces/" + ns}, count=1),
                                    kj({"method": "POST", "path": SB.replace("openshell/sandboxes", ns + "/sandboxes") % "v1beta1",
                                        "body_equals": body}, count=1)],
                        "state": stored_checks}}
    if files:
        cstep["files"] = files
    create_world = kube_world(release="0.5")
    if ns != NS:  # the apiserver refuses objects in a namespace that does not exist
        create_world = kube_world(release="0.5", objects={"namespaces": [{"metadata": {"name": ns}}, {"metadata": {"name": NS}}]})
    scenario("DRV-CREATE-" + suffix, "create POSTs exactly %s on agent-sandbox 0.5 and prints 'created CRNAME UID v1beta1'; the stored object keeps labels and the pod template, prunes what the CRD does not know and gets the CRD defaults." % WHAT[suffix],
             ["§13.3", "§14.2"], G["create"], [cstep], pending=True, world=create_world)

scc_ns = {"namespaces": [{"metadata": {"name": "openshell", "annotations": {
    "openshift.io/sa.scc.uid-range": "1000680000/10000", "openshift.io/sa.scc.supplemental-groups": "1000690000/10000"}}}]}
scenario("DRV-CREATE-SCC", "create reads the namespace's OpenShift SCC annotations: UID/GID from their starts, fsGroup = GID, both annotations copied onto the Sandbox.",
         ["§13.3"], G["create"],
         [step(["create", "--name", "demo", "--id", ID, "--default-image", "img:1"], stdout={"matches": "created default--demo ?*\n"},
               journal=[kj({"method": "GET", "path": "/api/v1/namespaces/openshell"}, count=1),
                        kj({"method": "POST", "path": ANYV, "body": [
                            {"path": "metadata.annotations[\"openshift.io/sa.scc.uid-range\"]", "equals": "1000680000/10000"},
                            {"path": "metadata.annotations[\"openshift.io/sa.scc.supplemental-groups\"]", "equals": "1000690000/10000"},
                            {"path": "spec.podTemplate.spec.securityContext.fsGroup", "equals": 1000690000},
                            {"path": "spec.podTemplate.spec.containers[0].env[name=OPENSHELL_SANDBOX_UID].value", "equals": "1000680000"},
                            {"path": "spec.podTemplate.spec.containers[0].env[name=OPENSHELL_SANDBOX_GID].value", "equals": "1000690000"},
                            {"path": "spec.podTemplate.spec.containers[0].env[-1].name", "equals": "OPENSHELL_SANDBOX_GID"}]}, count=1)])],
         world=kube_world(objects=scc_ns))

scenario("DRV-CREATE-UID", "With --sandbox-uid the namespace is not read; UID and GID are the flag's value.",
         ["§13.3"], G["create"],
         [step(["create", "--name", "demo", "--id", ID, "--sandbox-uid", "4242"], stdout={"matches": "created default--demo ?*\n"},
               journal=[kj({"path": "/api/v1/namespaces/*"}, count=0),
                        kj({"method": "POST", "path": ANYV, "body": [
                            {"path": "spec.podTemplate.spec.securityContext.fsGroup", "equals": 4242},
                            {"path": "spec.podTemplate.spec.containers[0].env[name=OPENSHELL_SANDBOX_GID].value", "equals": "4242"},
                            {"path": "metadata.annotations[\"openshift.io/sa.scc.uid-range\"]", "exists": False}]}, count=1)])],
         world=kube_world(objects=scc_ns))

scenario("DRV-CREATE-NS-FORBIDDEN", "A namespace read that fails (403) falls back to UID/GID 1000 and create goes on.",
         ["§13.3"], G["create"],
         [step(["create", "--name", "demo", "--id", ID], stdout={"matches": "created default--demo ?*\n"},
               journal=[kj({"method": "POST", "path": ANYV, "body": [
                   {"path": "spec.podTemplate.spec.securityContext.fsGroup", "equals": 1000},
                   {"path": "spec.podTemplate.spec.containers[0].env[name=OPENSHELL_SANDBOX_UID].value", "equals": "1000"}]}, count=1)])],
         world=kube_world(faults=[{"method": "GET", "path": "/api/v1/namespaces/openshell", "status": 403,
                                   "body": {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                            "message": "namespaces \"openshell\" is forbidden", "reason": "Forbidden", "code": 403}}]))

scenario("DRV-CREATE-CONFLICT", "create of a CR name that exists fails with exit 1 and 'sandbox already exists' (every 409 is mapped so).",
         ["§13.3"], G["create"],
         [step(["create", "--name", "demo", "--id", "new-id"], exit_=1,
               stderr={"contains": ["kubernetes API error 409 AlreadyExists:", "sandbox already exists"]},
               journal=[kj({"method": "POST", "path": ANYV, "status": 409}, count=1)])],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--demo", "old-id")]}))

scenario("DRV-CREATE-NAME-63", "A combined name of exactly 63 characters is accepted and created.",
         ["§13.3"], G["create"],
         [step(["create", "--name", "n" * 54, "--id", ID], stdout={"matches": "created default--%s ?*\n" % ("n" * 54)},
               journal=[kj({"method": "POST", "path": ANYV}, count=1)])])

# ---------------------------------------------------------------- bad input (nothing sent)


def bad(sid, rule, args, phrase, spec=("§13.3",), files=None, env=None, code=2):
    s = step(args, exit_=code, stderr={"contains": phrase}, stdout={"equals": ""}, files=files, env=env)
    scenario(sid, rule, list(spec), G["bad"], [s], expect={"journal": [{"which": "kube", "count": 0}]})


bad("DRV-NAME-BAD", "A name that is not a DNS-1123 label is refused with exit 2 before any request.",
    ["create", "--name", "Demo_1"], "sandbox name must be a DNS-1123 label")
bad("DRV-NAME-LONG", "{WS}--{NAME} over 63 characters is refused with exit 2 and the §13.3 phrase before any request.",
    ["create", "--name", "n" * 55],
    "combined Kubernetes resource name 'default--%s' is 64 characters, exceeding the DNS-1123 limit of 63" % ("n" * 55))
bad("DRV-NAME-LONG-WORKSPACE", "The workspace counts in the combined name: a 40-character workspace and a 22-character name are refused.",
    ["create", "--name", "n" * 22, "--workspace", "w" * 40],
    "combined Kubernetes resource name '%s--%s' is 64 characters" % ("w" * 40, "n" * 22))
bad("DRV-BAD-GPU0", "gpu_count 0 is refused with exit 2 ('gpu count must be greater than 0'), checked before the name.",
    ["create", "--name", "BAD", "--spec", "${TMP}/spec.json"], "gpu count must be greater than 0",
    files=[{"path": "${TMP}/spec.json", "json": {"gpu_count": 0}}])
bad("DRV-BAD-SPEC-TYPE", "A --spec value of the wrong type is refused naming its JSON path, exit 2, nothing sent.",
    ["create", "--name", "demo", "--spec", "${TMP}/spec.json"], "spec.template.labels.team: expected string",
    files=[{"path": "${TMP}/spec.json", "json": {"template": {"labels": {"team": 5}}}}])
bad("DRV-BAD-SPEC-JSON", "A --spec file that is not JSON is refused, exit 2, nothing sent.",
    ["create", "--name", "demo", "--spec", "${TMP}/spec.json"], "not valid JSON",
    files=[{"path": "${TMP}/spec.json", "content": "{\"gpu\": tru"}])
bad("DRV-BAD-SPEC-UNKNOWN", "The driver's --spec has no template.volume_claim_templates (removed upstream): refused as an unknown field.",
    ["create", "--name", "demo", "--spec", "${TMP}/spec.json"], "spec.template.volume_claim_templates: unknown field",
    files=[{"path": "${TMP}/spec.json", "json": {"template": {"volume_claim_templates": []}}}])
bad("DRV-BAD-MOUNT-SANDBOX", "A claim mounted at /sandbox itself is refused ('is reserved for the OpenShell workspace'), exit 2.",
    ["create", "--name", "demo", "--spec", "${TMP}/spec.json"], "mount target '/sandbox' is reserved for the OpenShell workspace",
    files=[{"path": "${TMP}/spec.json", "json": {"mounts": [{"claim": "data", "path": "/sandbox"}]}}])
bad("DRV-BAD-MOUNT-TOKEN", "A claim mounted over the projected token directory is refused, exit 2.",
    ["create", "--name", "demo", "--spec", "${TMP}/spec.json"], "conflicts with reserved OpenShell path '/var/run/secrets/openshell'",
    files=[{"path": "${TMP}/spec.json", "json": {"mounts": [{"claim": "data", "path": "/var/run/secrets"}]}}])
bad("DRV-BAD-API-VERSION", "--api-version other than auto, v1beta1, v1alpha1 is refused, exit 2.",
    ["probe", "--api-version", "v1"], "--api-version must be auto, v1beta1 or v1alpha1", spec=("§13.1",))
bad("DRV-BAD-NO-ID", "get without --id is a usage error, exit 2.", ["get"], "--id is required", spec=("§13.4",))
bad("DRV-BAD-NO-NAME", "create without --name is a usage error, exit 2.", ["create"], "--name is required")
bad("DRV-BAD-UNKNOWN-FLAG", "An unknown flag is a usage error, exit 2.", ["stop", "--id", "x", "--force"], "unknown flag '--force'",
    spec=("§13.6",))
bad("DRV-BAD-UNKNOWN-COMMAND", "An unknown driver command is a usage error, exit 2.", ["scale", "--id", "x"],
    "unknown command 'driver scale'", spec=("§13",))
bad("DRV-BAD-WORKSPACE", "A workspace that is not a DNS-1123 label is refused, exit 2.", ["list", "--workspace", "Team_A"],
    "--workspace must be a DNS-1123 label", spec=("§13.1",))
bad("DRV-BAD-MAX-EVENTS", "watch --max-events 0 is refused, exit 2.", ["watch", "--max-events", "0"],
    "--max-events must be a positive integer", spec=("§13.7",))
bad("DRV-BAD-KUBECONFIG", "An unreadable kubeconfig is a runtime error (exit 1) naming the file; nothing is sent.",
    ["probe"], "${TMP}/missing-kubeconfig", spec=("§10.8", "§13.1"), env={"KUBECONFIG": "${TMP}/missing-kubeconfig"}, code=1)

help_steps = []
for cmd in ("probe", "create", "get", "list", "delete", "stop", "start", "watch"):
    help_steps.append({"args": ["driver", cmd, "--help"],
                       "expect": {"exit": 0, "stdout": {"contains": "usage: openshell driver " + cmd}}})
help_steps.append({"args": ["driver", "--help"], "expect": {"exit": 0, "stdout": {"contains": "probe|create|get|list|delete|stop|start|watch"}}})
scenario("DRV-HELP", "--help works at every level of openshell driver (exit 0, usage on stdout) and sends nothing.",
         ["§13"], G["bad"], help_steps, expect={"journal": [{"which": "kube", "count": 0}]})

# ---------------------------------------------------------------- lookup, get, list

READY = {"conditions": [{"type": "Ready", "status": "True", "reason": "DependenciesReady", "message": "Pod is Ready",
                         "lastTransitionTime": "2026-01-01T00:00:00Z"}]}


def forced_status(status, name="default--a"):
    """A fault that makes every answer about the sandbox carry this status (the controller cannot change it)."""
    return [{"method": "GET", "path": ANYV, "json_set": {"items.0.status": status}},
            {"method": "GET", "path": ANYV + "/" + name, "json_set": {"status": status}}]


scenario("DRV-GET", "get finds the sandbox by the lookup selector (managed-by, id, gateway id) and prints 'ID CRNAME PHASE READY-REASON'.",
         ["§13.4", "§13.7"], G["lookup"],
         [step(["get", "--id", ID], stdout={"equals": "%s default--a Ready DependenciesReady\n" % ID},
               journal=[kj(lookup_match(), count=1)])],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID)]}, faults=forced_status(READY)))

scenario("DRV-GET-MISSING", "get of an id nobody owns is 'sandbox not found', exit 1.", ["§13.4"], G["lookup"],
         [step(["get", "--id", "nobody"], exit_=1, stderr={"contains": "sandbox not found"})])

scenario("DRV-GET-OTHER-GATEWAY", "get does not see a sandbox of another gateway id (the lookup selector carries the gateway id).",
         ["§13.4"], G["lookup"],
         [step(["get", "--id", ID], exit_=1, stderr={"contains": "sandbox not found"},
               journal=[kj(lookup_match(), count=1)]),
          step(["get", "--id", ID, "--gateway-id", "gw-b"], stdout={"matches": ID + " default--a *\n"})],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID, gw="gw-b")]}))

foreign = [sandbox_obj("default--good", "id-good"),
           sandbox_obj("default--nomanager", "id-nm", drop=("openshell.ai/managed-by",)),
           sandbox_obj("default--other-manager", "id-om", labels_extra={"openshell.ai/managed-by": "someone-else"}),
           sandbox_obj("default--other-gw", "id-gw", gw="gw-b"),
           sandbox_obj("default--noworkspace", "id-nw", drop=("openshell.ai/sandbox-workspace",), annotations=False),
           {"metadata": {"name": "plain", "namespace": NS},
            "spec": {"podTemplate": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}}]
scenario("DRV-FOREIGN", "list shows only this gateway's OpenShell sandboxes: objects without managed-by, managed by someone else, of another gateway, or without a workspace are not listed.",
         ["§13.7"], G["lookup"],
         [step(["list"], stdout={"equals": "id-good default--good Unknown -\n"},
               journal=[kj({"method": "GET", "path": ANYV, "query": {"labelSelector": LIST_Q}}, count=1)])],
         world=kube_world(objects={"sandboxes": foreign}, faults=[{"method": "GET", "path": ANYV, "json_set": {"items.0.status": None}}]))

order = [sandbox_obj("default--c", "id-3"), sandbox_obj("default--a", "id-2"), sandbox_obj("default--b", "id-1")]
scenario("DRV-LIST-ORDER", "list prints one line per sandbox sorted by name, then id (one workspace).",
         ["§13.7"], G["lookup"],
         [step(["list"], stdout={"matches": "id-2 default--a *\nid-1 default--b *\nid-3 default--c *\n"})],
         world=kube_world(objects={"sandboxes": order}))

scenario("DRV-LIST-MALFORMED", "A 200 list answer that is not JSON fails get with exit 1 and 'malformed JSON', without crashing or deleting anything.",
         ["§13.4", "§10.1"], G["lookup"],
         [step(["get", "--id", ID, "--api-version", "v1alpha1"], exit_=1, stderr={"contains": "malformed JSON in the Kubernetes API's answer"}),
          step(["delete", "--id", ID, "--api-version", "v1alpha1"], exit_=1, stderr={"contains": "malformed JSON"},
               journal=[kj({"method": "DELETE"}, count=0)])],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                          faults=[{"method": "GET", "path": V1A_LIST, "status": 200, "body": "{\"items\": [{not json"}]))

scenario("DRV-LIST-DROPPED", "A lookup list whose connection drops without an answer fails stop with exit 1 naming the unreachable API; no patch is sent.",
         ["§13.4", "§13.6"], G["lookup"],
         [step(["stop", "--id", ID, "--api-version", "v1alpha1"], exit_=1, stderr={"contains": "cannot reach the Kubernetes API"},
               journal=[kj({"method": "PATCH"}, count=0)])],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                          faults=[{"method": "GET", "path": V1A_LIST, "drop": True}]))

# ---------------------------------------------------------------- delete

scenario("DRV-DEL-OK", "delete lists by the lookup selector, then DELETEs the CR with the listed uid and resourceVersion as preconditions and no propagation policy; prints 'deleted CRNAME'.",
         ["§13.4", "§13.5"], G["delete"],
         settle() + [step(["delete", "--id", ID], stdout={"equals": "deleted default--a\n"},
               journal=[{"which": "kube", "sequence": [lookup_match(),
                                                       {"method": "DELETE", "path": ANYV + "/default--a", "status": 200}]},
                        kj({"method": "DELETE", "body": [{"path": "preconditions.uid", "matches": "?*"},
                                                         {"path": "preconditions.resourceVersion", "matches": "?*"},
                                                         {"path": "propagationPolicy", "exists": False}]}, count=1),
                        kj({"method": "DELETE", "query": {"propagationPolicy": None}}, count=1)],
               state=[{"path": "kube.sandboxes[metadata.name=default--a]", "exists": False}])],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID)]}))

scenario("DRV-DEL-MISSING", "delete of an id with no object prints 'not found ID', exit 0, and sends no DELETE.",
         ["§13.4", "§13.5"], G["delete"],
         [step(["delete", "--id", "gone"], stdout={"equals": "not found gone\n"},
               journal=[kj({"method": "DELETE"}, count=0), kj(lookup_match(sid="gone"), count=1)])])

scenario("DRV-DEL-OTHER-GATEWAY", "delete of an object another gateway id owns is 'not found ID'; the object stays.",
         ["§13.4", "§13.5"], G["delete"],
         [step(["delete", "--id", ID], stdout={"equals": "not found %s\n" % ID}, journal=[kj({"method": "DELETE"}, count=0)])],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID, gw="gw-b")]}),
         expect={"state": [{"path": "kube.sandboxes[metadata.name=default--a].metadata.labels[\"openshell.ai/gateway-id\"]", "equals": "gw-b"}]})

scenario("DRV-DEL-404", "A DELETE answered 404 (gone between the list and the delete) is 'not found ID', exit 0.",
         ["§13.5"], G["delete"],
         [step(["delete", "--id", ID], stdout={"equals": "not found %s\n" % ID},
               journal=[kj({"method": "DELETE", "status": 404}, count=1)])],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                          faults=[{"method": "DELETE", "path": ANYV + "/default--a", "status": 404,
                                   "body": {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                            "message": "sandboxes.agents.x-k8s.io \"default--a\" not found", "reason": "NotFound",
                                            "details": {"name": "default--a", "group": "agents.x-k8s.io", "kind": "sandboxes"}, "code": 404}}]))

scenario("DRV-DEL-403", "A DELETE answered 403 fails with exit 1 and the API's message.",
         ["§13.5"], G["delete"],
         [step(["delete", "--id", ID], exit_=1, stderr={"contains": ["kubernetes API error 403 Forbidden:", "cannot delete"]})],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                          faults=[{"method": "DELETE", "path": ANYV + "/default--a", "status": 403,
                                   "body": {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                            "message": "sandboxes.agents.x-k8s.io \"default--a\" is forbidden: cannot delete", "reason": "Forbidden", "code": 403}}]),
         expect={"state": [{"path": "kube.sandboxes[metadata.name=default--a]", "exists": True}]})

scenario("DRV-DEL-RACE", "Upstream race: a Sandbox whose resourceVersion moved between the lookup list and the delete gets the apiserver's 409 precondition failure, and the reference reports it 'not found ID' (exit 0) while it still exists.",
         ["§13.5", "§13.8"], G["race"],
         [step(["delete", "--id", ID], stdout={"equals": "not found %s\n" % ID},
               journal=[kj({"method": "DELETE", "path": ANYV + "/default--a", "status": 409,
                            "body": [{"path": "preconditions.resourceVersion", "equals": "1"}]}, count=1)])],
         needs=("driver", "upstream-delete-race"), upstream=DEL_RACE_SRC,
         notes="The lookup list answer is made stale (its resourceVersion is the object's first one, as if the controller had written status in between); the mock apiserver enforces the preconditions. An implementation that retries on 409 declares 'upstream-delete-race' missing and is skipped, not passed.",
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                          faults=[{"method": "GET", "path": ANYV, "json_set": {"items.0.metadata.resourceVersion": "1"}}]),
         expect={"state": [{"path": "kube.sandboxes[metadata.name=default--a]", "exists": True,
                            "what": "reported not found, yet the Sandbox still exists"}]})

# ---------------------------------------------------------------- stop / start

NOT_OWNED = {"conditions": [{"type": "Suspended", "status": "False", "reason": "PodNotOwned",
                             "message": "Pod default--a exists but is not owned by Sandbox default--a",
                             "lastTransitionTime": "2026-01-01T00:00:00Z"}]}
scenario("DRV-STOP-NOTOWNED", "stop ends with exit 1 and 'Kubernetes sandbox stop rejected: MESSAGE' when the controller reports Suspended=False/PodNotOwned.",
         ["§13.6"], G["stop"],
         settle() + [step(["stop", "--id", ID], exit_=1,
               stderr={"contains": "Kubernetes sandbox stop rejected: Pod default--a exists but is not owned by Sandbox default--a"},
               journal=[kj({"method": "PATCH", "path": ANYV + "/default--a"}, count=1)])],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                          faults=[{"method": "GET", "path": ANYV + "/default--a", "json_set": {"status": NOT_OWNED}}]))

scenario("DRV-STOP-TIMEOUT", "stop gives up after OPENSHELL_SANDBOX_STOP_TIMEOUT_MS when the controller never confirms: exit 1, 'timed out after {N}s waiting for Kubernetes sandbox to stop'.",
         ["§13.6"], G["stop"],
         settle() + [step(["stop", "--id", ID], exit_=1, env={"OPENSHELL_SANDBOX_STOP_TIMEOUT_MS": "300", "OPENSHELL_POLL_INTERVAL_MS": "20"},
               stderr={"contains": "timed out after 1s waiting for Kubernetes sandbox to stop"},
               journal=[kj({"method": "GET", "path": ANYV + "/default--a"}, at_least=2)])],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID)],
                                   "pods": [{"metadata": {"name": "default--a", "namespace": NS},
                                             "spec": {"containers": [{"name": "agent", "image": "img:1"}]}}]},
                          faults=[{"method": "GET", "path": ANYV + "/default--a", "json_set": {"status": READY}}]))

scenario("DRV-STOP-RACE", "Upstream race: a stop whose merge patch carries a resourceVersion the controller has since moved gets 409, which the reference reports as 'sandbox already exists' (exit 1), without retrying.",
         ["§13.6", "§13.8"], G["race"],
         [step(["stop", "--id", ID], exit_=1, stderr={"contains": "sandbox already exists"},
               journal=[kj({"method": "PATCH", "path": ANYV + "/default--a", "status": 409,
                            "body": [{"path": "metadata.resourceVersion", "equals": "1"}]}, count=1),
                        kj({"method": "GET", "path": ANYV + "/default--a"}, count=0)])],
         needs=("driver", "upstream-stop-race"), upstream=STOP_RACE_SRC,
         notes="The lookup list answer is made stale (resourceVersion 1, as if the controller had written status in between); the mock apiserver refuses the patch with 409 Conflict. An implementation that re-reads and retries declares 'upstream-stop-race' missing and is skipped, not passed.",
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                          faults=[{"method": "GET", "path": ANYV, "json_set": {"items.0.metadata.resourceVersion": "1"}}]))

scenario("DRV-STOP-MISSING", "stop of an id with no object is 'sandbox not found', exit 1, no patch.",
         ["§13.4", "§13.6"], G["stop"],
         [step(["stop", "--id", "nobody"], exit_=1, stderr={"contains": "sandbox not found"},
               journal=[kj({"method": "PATCH"}, count=0)])])

scenario("DRV-STOP-ALPHA", "On v1alpha1, stop merge-patches replicas 0 with the listed resourceVersion, and the agent pod's 404 ends the wait.",
         ["§13.6"], G["stop"],
         [step(["stop", "--id", ID], stdout={"equals": "stopped default--a\n"},
               journal=[kj({"method": "PATCH", "path": SB % "v1alpha1" + "/default--a",
                            "body": [{"path": "spec", "equals": {"replicas": 0}},
                                     {"path": "metadata.resourceVersion", "matches": "?*"}]}, count=1),
                        kj({"method": "GET", "path": "/api/v1/namespaces/openshell/pods/default--a", "status": 404}, at_least=1)])],
         pending=True, world=kube_world(release="0.1", objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                                        controller={"paused": True}))

scenario("DRV-START-NOWAIT", "start merge-patches operatingMode Running with the listed resourceVersion (Content-Type merge-patch) and prints 'started CRNAME' without polling.",
         ["§13.6"], G["stop"],
         [step(["start", "--id", ID], stdout={"equals": "started default--a\n"},
               journal=[kj({"method": "PATCH", "path": SB % "v1beta1" + "/default--a",
                            "body": [{"path": "spec", "equals": {"operatingMode": "Running"}},
                                     {"path": "metadata.resourceVersion", "matches": "?*"}]}, count=1),
                        kj({"method": "GET", "path": SB % "v1beta1" + "/default--a"}, count=0)])],
         pending=True, world=kube_world(release="0.5", objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                                        controller={"paused": True}))

# ---------------------------------------------------------------- phases (one row of the §13.7 table each)


def cond(t, s, r=""):
    return {"type": t, "status": s, "reason": r, "message": "", "lastTransitionTime": "2026-01-01T00:00:00Z"}


PHASES = [
    ("DRV-PHASE-NO-STATUS", "no status object", None, None, "Unknown -"),
    ("DRV-PHASE-DELETING", "metadata.deletionTimestamp set", {"conditions": [cond("Ready", "True", "DependenciesReady")]},
     "2026-01-01T00:00:00Z", "Deleting DependenciesReady"),
    ("DRV-PHASE-STOPPED", "Suspended=True (any case) wins over Ready", {"conditions": [cond("suspended", "TRUE", "SandboxSuspended"), cond("Ready", "False", "SandboxSuspended")]},
     None, "Stopped SandboxSuspended"),
    ("DRV-PHASE-READY", "Ready=True", {"conditions": [cond("Ready", "True", "DependenciesReady")]}, None, "Ready DependenciesReady"),
    ("DRV-PHASE-READY-LOWERCASE", "Ready=true (status any case)", {"conditions": [cond("Ready", "true", "DependenciesReady")]}, None, "Ready DependenciesReady"),
    ("DRV-PHASE-NO-READY", "a status without a Ready condition", {"conditions": [cond("PodScheduled", "True", "Scheduled")]}, None, "Provisioning -"),
    ("DRV-PHASE-READY-UNKNOWN", "Ready=Unknown", {"conditions": [cond("Ready", "Unknown", "Reconciling")]}, None, "Provisioning Reconciling"),
    ("DRV-PHASE-FIRST-READY", "only the first Ready condition counts", {"conditions": [cond("Ready", "False", "PodFailed"), cond("Ready", "True", "DependenciesReady")]}, None, "Error PodFailed"),
]
for r in ["ReconcilerError", "DependenciesNotReady", "SupervisorNotConnected", "Starting", "ContainerStarting",
          "ContainerCreated", "HealthcheckStarting", "InspectFailed"]:
    PHASES.append(("DRV-PHASE-READY-FALSE-" + r.upper(), "Ready=False with the transient reason " + r,
                   {"conditions": [cond("Ready", "False", r)]}, None, "Provisioning " + r))
PHASES.append(("DRV-PHASE-READY-FALSE-LOWERCASE-REASON", "Ready=False, reason compared in any case (dependenciesnotready)",
               {"conditions": [cond("Ready", "False", "dependenciesnotready")]}, None, "Provisioning dependenciesnotready"))
for r in ["SandboxSuspended", "PodFailed", "PodSucceeded", "SandboxExpired", "MultiplePods"]:
    PHASES.append(("DRV-PHASE-READY-FALSE-" + r.upper(), "Ready=False with the terminal reason %s (no Suspended=True)" % r,
                   {"conditions": [cond("Ready", "False", r)]}, None, "Error " + r))
PHASES.append(("DRV-PHASE-READY-FALSE-EMPTY", "Ready=False without a reason", {"conditions": [cond("Ready", "False", "")]}, None, "Error -"))

for sid, what, status, deleting, line in PHASES:
    setter = {"items.0.status": status}
    if deleting:
        setter["items.0.metadata.deletionTimestamp"] = deleting
    scenario(sid, "The phase row '%s' of §13.7: get prints '%s'." % (what, line.split()[0]), ["§13.7"], G["phase"],
             [step(["get", "--id", ID], stdout={"equals": "%s default--a %s\n" % (ID, line)})],
             world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                              faults=[{"method": "GET", "path": ANYV, "json_set": setter}]))

# ---------------------------------------------------------------- watch

V1A = SB % "v1alpha1"


def watch_line(obj_name, sid, rv, typ="MODIFIED", status=None):
    o = sandbox_obj(obj_name, sid)
    o["apiVersion"] = "agents.x-k8s.io/v1alpha1"
    o["kind"] = "Sandbox"
    o["metadata"]["resourceVersion"] = rv
    o["metadata"]["uid"] = "u-1"
    if status:
        o["status"] = status
    return json.dumps({"type": typ, "object": o}) + "\n"


expired = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": "too old resource version: 5 (42)", "reason": "Expired", "code": 410}
scenario("DRV-WATCH-410", "A watch answered 410 Gone ends the driver's stream: RESTARTED, then a fresh list whose objects are APPLIED again.",
         ["§13.7"], G["watch"],
         [step(["watch", "--api-version", "v1alpha1", "--max-events", "3"],
               stdout={"matches": "APPLIED %s default--a *\nRESTARTED\nAPPLIED %s default--a *\n" % (ID, ID)},
               journal=[{"which": "kube", "sequence": [
                   {"method": "GET", "path": V1A, "query": {"labelSelector": WATCH_Q, "watch": None}},
                   {"method": "GET", "path": V1A, "query": {"watch": "*"}, "status": 410},
                   {"method": "GET", "path": V1A, "query": {"labelSelector": WATCH_Q, "watch": None}}], "contiguous": True}])],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                          faults=[{"method": "GET", "path": V1A, "nth": 2, "status": 410, "body": expired}]))

scenario("DRV-WATCH-410-EVENT", "A watch ERROR event with code 410 (Expired) ends the driver's stream: RESTARTED and a relist.",
         ["§13.7"], G["watch"],
         [step(["watch", "--api-version", "v1alpha1", "--max-events", "3"],
               stdout={"matches": "APPLIED %s default--a *\nRESTARTED\nAPPLIED %s default--a *\n" % (ID, ID)},
               journal=[kj({"method": "GET", "path": V1A, "query": {"watch": None}}, count=2)])],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                          faults=[{"method": "GET", "path": V1A, "nth": 2, "status": 200,
                                   "body": json.dumps({"type": "ERROR", "object": expired}) + "\n"}]))

scenario("DRV-WATCH-500", "A watch request answered 500 ends the driver's stream: RESTARTED and a relist (the driver does not give up).",
         ["§13.7"], G["watch"],
         [step(["watch", "--api-version", "v1alpha1", "--max-events", "3"],
               stdout={"matches": "APPLIED %s default--a *\nRESTARTED\nAPPLIED %s default--a *\n" % (ID, ID)})],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                          faults=[{"method": "GET", "path": V1A, "nth": 2, "status": 500, "content_type": "text/plain", "body": "boom\n"}]))

scenario("DRV-WATCH-END", "A watch stream that simply ends is reopened from the last resourceVersion seen, without RESTARTED and without a relist; ADDED/MODIFIED print APPLIED, DELETED prints 'DELETED ID'.",
         ["§13.7"], G["watch"],
         [step(["watch", "--api-version", "v1alpha1", "--max-events", "3"],
               stdout={"matches": "APPLIED %s default--a *\nAPPLIED %s default--a Ready\nDELETED %s\n" % (ID, ID, ID)},
               journal=[kj({"method": "GET", "path": V1A, "query": {"watch": None}}, count=1),
                        kj({"method": "GET", "path": V1A, "query": {"watch": "*", "resourceVersion": "777", "labelSelector": WATCH_Q}}, count=1)])],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                          faults=[{"method": "GET", "path": V1A, "nth": 2, "status": 200,
                                   "body": watch_line("default--a", ID, "777", status=READY)},
                                  {"method": "GET", "path": V1A, "nth": 3, "status": 200,
                                   "body": watch_line("default--a", ID, "778", typ="DELETED")}]))

scenario("DRV-WATCH-SELECTOR", "watch lists (limit=500) and watches (watch=true, allowWatchBookmarks, timeoutSeconds=290, from the list's resourceVersion) with labelSelector managed-by=openshell,sandbox-id (no gateway id, as the reference's shared-mode watch): another gateway's sandbox is reported too, a foreign object is not.",
         ["§13.7"], G["watch"],
         [step(["watch", "--api-version", "v1alpha1", "--max-events", "3"],
               stdout={"matches": "APPLIED id-a default--a *\nAPPLIED id-b default--b *\nAPPLIED id-a default--a Ready\n"},
               journal=[kj({"method": "GET", "path": V1A, "query": {"labelSelector": WATCH_Q, "limit": "500", "watch": None}}, count=1),
                        kj({"method": "GET", "path": V1A, "query": {"labelSelector": WATCH_Q, "watch": "true",
                                                                   "allowWatchBookmarks": "true", "timeoutSeconds": "290",
                                                                   "resourceVersion": "?*"}}, count=1)])],
         world=kube_world(objects={"sandboxes": [sandbox_obj("default--a", "id-a"), sandbox_obj("default--b", "id-b", gw="gw-b"),
                                                 sandbox_obj("default--c", "id-c", drop=("openshell.ai/managed-by",))]},
                          faults=[{"method": "GET", "path": V1A, "nth": 2, "status": 200,
                                   "body": watch_line("default--a", "id-a", "900", status=READY)}]))

# ---------------------------------------------------------------- lifecycle with the agent-sandbox controller (issue 10)

LIFE_WORLD = kube_world(release="0.5")
scenario("DRV-LIFECYCLE", "On agent-sandbox 0.5 with the controller on, a created sandbox goes Provisioning then Ready; the controller makes the pod {crname}, the PVC workspace-{crname} and the sandbox-name-hash label.",
         ["§13.3", "§13.7", "§14.3"], G["life"],
         [step(["create", "--name", "a", "--id", ID, "--default-image", "img:1"], stdout={"matches": "created default--a ?* v1beta1\n"}),
          step(["get", "--id", ID], stdout={"matches": ID + " default--a Provisioning *\n"}),
          step(["get", "--id", ID], stdout={"matches": ID + " default--a * *\n"}),
          step(["get", "--id", ID], stdout={"matches": ID + " default--a * *\n"}),
          step(["get", "--id", ID], stdout={"equals": ID + " default--a Ready DependenciesReady\n"})],
         pending=True, world=kube_world(release="0.5", controller={"pod_steps_per_request": 1}),
         expect={"state": [{"path": "kube.pods[metadata.name=default--a].metadata.labels[\"agents.x-k8s.io/sandbox-name-hash\"]", "matches": "????????"},
                           {"path": "kube.persistentvolumeclaims[metadata.name=workspace-default--a]", "exists": True}]})

scenario("DRV-STOP-START", "stop suspends (operatingMode Suspended) and waits for Suspended=True: the pod goes, the PVC stays, get says Stopped; start resumes: Ready again on the same PVC.",
         ["§13.6", "§13.7", "§14.3"], G["life"],
         [step(["create", "--name", "a", "--id", ID, "--default-image", "img:1"]),
          step(["get", "--id", ID]), step(["get", "--id", ID]),
          step(["get", "--id", ID], stdout={"equals": ID + " default--a Ready DependenciesReady\n"},
               name="settled: the controller has stopped writing, so the listed resourceVersion stays current"),
          step(["stop", "--id", ID], stdout={"equals": "stopped default--a\n"},
               journal=[kj({"method": "PATCH", "body": [{"path": "spec", "equals": {"operatingMode": "Suspended"}}]}, count=1)],
               state=[{"path": "kube.pods[metadata.name=default--a]", "exists": False},
                      {"path": "kube.persistentvolumeclaims[metadata.name=workspace-default--a]", "exists": True}]),
          step(["get", "--id", ID], stdout={"matches": ID + " default--a Stopped *\n"}),
          step(["start", "--id", ID], stdout={"equals": "started default--a\n"}),
          step(["get", "--id", ID], stdout={"matches": ID + " default--a * *\n"}),
          step(["get", "--id", ID], stdout={"matches": ID + " default--a * *\n"}),
          step(["get", "--id", ID], stdout={"equals": ID + " default--a Ready DependenciesReady\n"})],
         pending=True, world=LIFE_WORLD)

scenario("DRV-DEL-GC", "delete of a ready sandbox removes the Sandbox; owner-reference collection removes its pod and PVC.",
         ["§13.5", "§14.3"], G["life"],
         [step(["create", "--name", "a", "--id", ID, "--default-image", "img:1"]),
          step(["get", "--id", ID]), step(["get", "--id", ID]), step(["get", "--id", ID]),
          step(["delete", "--id", ID], stdout={"equals": "deleted default--a\n"})],
         pending=True, world=LIFE_WORLD,
         expect={"state": [{"path": "kube.sandboxes[metadata.name=default--a]", "exists": False},
                           {"path": "kube.pods[metadata.name=default--a]", "exists": False},
                           {"path": "kube.persistentvolumeclaims[metadata.name=workspace-default--a]", "exists": False}]})

for policy, gone in (("Retain", False), ("Delete", True)):
    obj = sandbox_obj("default--a", ID)
    obj["spec"]["shutdownTime"] = "2020-01-01T00:00:00Z"
    obj["spec"]["shutdownPolicy"] = policy
    scenario("DRV-EXPIRE-" + policy.upper(), "A sandbox past its shutdownTime reads Error/SandboxExpired; %s %s." % (
        policy, "removes the Sandbox and all it owns" if gone else "keeps the Sandbox and its PVC"),
             ["§13.7", "§14.3"], G["life"],
             [step(["get", "--id", ID], exit_=(1 if gone else 0),
                   stdout=({"equals": ""} if gone else {"equals": ID + " default--a Error SandboxExpired\n"}))],
             pending=True, world=kube_world(release="0.5", objects={"sandboxes": [obj]}),
             expect={"state": [{"path": "kube.sandboxes[metadata.name=default--a]", "exists": not gone}]})

scenario("DRV-WATCH", "watch reports a sandbox through its life: APPLIED Provisioning ... Ready, Stopped after stop, DELETED after delete (11 lines: every status write of the controller is an event; during the suspension Ready=False/SandboxSuspended reads Error until Suspended=True).",
         ["§13.7", "§14.3"], G["life"],
         [{"background": "w", "args": ["driver", "watch", "--max-events", "11"], "timeout_ms": 20000},
          {"await": {"which": "kube", "match": {"method": "GET", "path": ANYV, "query": {"watch": "*"}}}, "timeout_ms": 5000},
          step(["create", "--name", "a", "--id", ID, "--default-image", "img:1"]),
          step(["get", "--id", ID]), step(["get", "--id", ID]), step(["get", "--id", ID]),
          step(["stop", "--id", ID]),
          step(["delete", "--id", ID]),
          {"wait": "w", "expect": {"exit": [0, 1], "stdout": {"in_order": ["APPLIED %s default--a Provisioning" % ID,
                                                                         "APPLIED %s default--a Ready" % ID,
                                                                         "APPLIED %s default--a Stopped" % ID,
                                                                         "DELETED %s" % ID]}}}],
         pending=True, world=LIFE_WORLD)

scenario("DRV-DEL-RACE-CONTROLLER", "Upstream race with the controller's own write: a status write lands between delete's list and its DELETE; the reference reports 'not found ID' while the Sandbox still exists.",
         ["§13.5", "§13.8", "§14.3"], G["race"],
         [step(["delete", "--id", ID], stdout={"equals": "not found %s\n" % ID},
               journal=[kj({"method": "DELETE", "status": 409}, count=1)])],
         needs=("driver", "upstream-delete-race"), upstream=DEL_RACE_SRC, pending=True,
         world=kube_world(release="0.5", objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                          controller={"status_write_at": 3}),
         expect={"state": [{"path": "kube.sandboxes[metadata.name=default--a]", "exists": True}]})

scenario("DRV-STOP-RACE-CONTROLLER", "Upstream race with the controller's own write: a status write between stop's list and its patch makes the patch 409 'sandbox already exists'.",
         ["§13.6", "§13.8", "§14.3"], G["race"],
         [step(["stop", "--id", ID], exit_=1, stderr={"contains": "sandbox already exists"})],
         needs=("driver", "upstream-stop-race"), upstream=STOP_RACE_SRC, pending=True,
         world=kube_world(release="0.5", objects={"sandboxes": [sandbox_obj("default--a", ID)]},
                          controller={"status_write_at": 3}))

scenario("DRV-STOP-NOTOWNED-CONTROLLER", "With a foreign pod holding the sandbox's name, the controller reports Suspended=False/PodNotOwned and stop is rejected (exit 1).",
         ["§13.6", "§14.3"], G["life"],
         [step(["create", "--name", "a", "--id", ID, "--default-image", "img:1"]),
          step(["get", "--id", ID]), step(["get", "--id", ID]), step(["get", "--id", ID]),
          step(["stop", "--id", ID], exit_=1, stderr={"contains": "Kubernetes sandbox stop rejected:"})],
         pending=True, world=kube_world(release="0.5", controller={"foreign_pod": True}))

for knob, value, reason in (("pod_outcome", "Failed", "PodFailed"), ("pod_outcome", "Succeeded", "PodSucceeded"),
                            ("two_pods", True, "MultiplePods")):
    scenario("DRV-CONTROLLER-" + reason.upper(), "A controller that reports Ready=False/%s makes get say Error %s." % (reason, reason),
             ["§13.7", "§14.3"], G["life"],
             [step(["create", "--name", "a", "--id", ID, "--default-image", "img:1"]),
              step(["get", "--id", ID]), step(["get", "--id", ID]), step(["get", "--id", ID]),
              step(["get", "--id", ID], stdout={"equals": "%s default--a Error %s\n" % (ID, reason)})],
             pending=True, world=kube_world(release="0.5", controller={knob: value}))

# ---------------------------------------------------------------- write

for d in ("conformance/scenarios", "conformance/scenarios-pending"):
    for f in os.listdir(os.path.join(ROOT, d)):
        if f.startswith("DRV-"):
            os.remove(os.path.join(ROOT, d, f))
counts = {}
for sid, (doc, pending) in out.items():
    d = "conformance/scenarios-pending" if pending else "conformance/scenarios"
    with open(os.path.join(ROOT, d, sid + ".json"), "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    counts[(doc["group"], pending)] = counts.get((doc["group"], pending), 0) + 1
for (g, p), n in sorted(counts.items()):
    print("%-45s %-8s %d" % (g, "pending" if p else "active", n))
print("total", len(out))
