"""python_driver_test.py MOCKD OPENSHELL: the official Python client (python3-kubernetes)
reads what `openshell driver create` stored in the mock cluster and checks the labels and
annotations a gateway relies on (rules §13.3, §13.4): the identity labels, the gateway id, the
lookup selectors, the pod template's sandbox-id annotation. Then the driver finds, stops
nothing, and deletes it by those labels. Exits 77 when the kubernetes module is missing."""
import json
import os
import subprocess
import sys
import tempfile

try:
    from kubernetes import client, config
    from kubernetes.client.rest import ApiException
except ImportError:
    print("SKIP: python3-kubernetes is not installed for /usr/bin/python3")
    sys.exit(77)

GROUP = "agents.x-k8s.io"
SID = "5b0e8a8e-6a63-4c8e-9a5e-0f1d2c3b4a59"


def run(openshell, kubeconfig, *args):
    # the defaults first, so that a flag given in args wins (the last value counts)
    proc = subprocess.run([openshell, "driver", args[0], "--kubeconfig", kubeconfig,
                           "--gateway-id", "gw-py", "--workspace", "team", *args[1:]],
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, OPENSHELL_POLL_INTERVAL_MS="0"))
    return proc.returncode, proc.stdout, proc.stderr


def main(mockd, openshell):
    tmp = tempfile.mkdtemp(prefix="drvpy.")
    kubeconfig = os.path.join(tmp, "kubeconfig")
    proc = subprocess.Popen([mockd, "--docker", "unix://" + os.path.join(tmp, "docker.sock"),
                             "--kube", "http://127.0.0.1:0", "--kubeconfig-out", kubeconfig],
                            stdout=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.strip() == "ready":
                break
        code, out, err = run(openshell, kubeconfig, "create", "--name", "py", "--id", SID,
                             "--default-image", "img:1")
        assert code == 0, (code, out, err)
        words = out.split()
        assert words[0] == "created" and words[1] == "team--py", out
        version = words[3]
        assert version in ("v1beta1", "v1alpha1"), out

        config.load_kube_config(config_file=kubeconfig)
        api = client.CustomObjectsApi()
        obj = api.get_namespaced_custom_object(GROUP, version, "openshell", "sandboxes", "team--py")
        meta = obj["metadata"]
        labels = meta["labels"]
        assert labels == {"openshell.ai/sandbox-id": SID, "openshell.ai/sandbox-name": "py",
                          "openshell.ai/sandbox-workspace": "team",
                          "openshell.ai/managed-by": "openshell",
                          "openshell.ai/gateway-id": "gw-py"}, labels
        for key, want in (("openshell.ai/sandbox-id", SID), ("openshell.ai/sandbox-name", "py"),
                          ("openshell.ai/sandbox-workspace", "team")):
            assert meta["annotations"][key] == want, meta["annotations"]
        assert meta.get("uid") == words[2], (meta.get("uid"), out)
        pod = obj["spec"]["podTemplate"]
        assert pod["metadata"]["annotations"]["openshell.io/sandbox-id"] == SID, pod["metadata"]
        assert pod["spec"]["containers"][0]["name"] == "agent"
        assert pod["spec"]["automountServiceAccountToken"] is False

        # The selectors the gateway uses find exactly this object; another gateway's do not.
        lookup = "openshell.ai/managed-by=openshell,openshell.ai/sandbox-id=%s,openshell.ai/gateway-id=gw-py" % SID
        found = api.list_namespaced_custom_object(GROUP, version, "openshell", "sandboxes",
                                                  label_selector=lookup)["items"]
        assert [o["metadata"]["name"] for o in found] == ["team--py"], found
        other = lookup.replace("gw-py", "gw-other")
        assert api.list_namespaced_custom_object(GROUP, version, "openshell", "sandboxes",
                                                 label_selector=other)["items"] == []
        listed = api.list_namespaced_custom_object(
            GROUP, version, "openshell", "sandboxes",
            label_selector="openshell.ai/managed-by=openshell,openshell.ai/sandbox-id")["items"]
        assert len(listed) == 1

        code, out, err = run(openshell, kubeconfig, "get", "--id", SID)
        assert code == 0 and out.startswith(SID + " team--py "), (code, out, err)
        code, out, err = run(openshell, kubeconfig, "delete", "--id", SID, "--gateway-id", "gw-other")
        assert (code, out) == (0, "not found %s\n" % SID), (code, out, err)
        code, out, err = run(openshell, kubeconfig, "delete", "--id", SID)
        assert (code, out) == (0, "deleted team--py\n"), (code, out, err)
        try:
            api.get_namespaced_custom_object(GROUP, version, "openshell", "sandboxes", "team--py")
            raise AssertionError("the Sandbox is still there")
        except ApiException as e:
            assert e.status == 404, e
        print("ok: python3-kubernetes read %s sandbox team--py with the gateway's labels" % version)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
