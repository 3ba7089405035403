"""python3-kubernetes against the mock Kubernetes API (run by test_python_client).

Lists nodes, creates and deletes a namespaced custom object (a Sandbox), and checks that a
missing object raises ApiException with status 404 and reason NotFound. Exits non-zero with a
message on the first mismatch."""
import sys

from kubernetes import client, config
from kubernetes.client.rest import ApiException


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


def main():
    config.load_kube_config(config_file=sys.argv[1])
    core = client.CoreV1Api()
    nodes = [n.metadata.name for n in core.list_node().items]
    check(nodes == ["node-a", "node-b"], f"list_node gave {nodes}")
    custom = client.CustomObjectsApi()
    body = {"apiVersion": "agents.x-k8s.io/v1alpha1", "kind": "Sandbox",
            "metadata": {"name": "py-sandbox", "labels": {"openshell.ai/sandbox-id": "p1"}},
            "spec": {"podTemplate": {"spec": {"containers": [{"name": "agent", "image": "busybox"}]}}}}
    created = custom.create_namespaced_custom_object("agents.x-k8s.io", "v1alpha1", "default", "sandboxes", body)
    check(created["metadata"]["name"] == "py-sandbox" and created["metadata"]["uid"], f"create gave {created}")
    got = custom.get_namespaced_custom_object("agents.x-k8s.io", "v1alpha1", "default", "sandboxes", "py-sandbox")
    check(got["metadata"]["labels"]["openshell.ai/sandbox-id"] == "p1", f"get gave {got}")
    try:
        custom.create_namespaced_custom_object("agents.x-k8s.io", "v1alpha1", "default", "sandboxes", body)
        check(False, "a second create did not fail")
    except ApiException as e:
        check(e.status == 409 and "AlreadyExists" in e.body, f"second create: {e.status} {e.body}")
    custom.delete_namespaced_custom_object("agents.x-k8s.io", "v1alpha1", "default", "sandboxes", "py-sandbox")
    try:
        custom.get_namespaced_custom_object("agents.x-k8s.io", "v1alpha1", "default", "sandboxes", "py-sandbox")
        check(False, "get after delete did not fail")
    except ApiException as e:
        check(e.status == 404 and e.reason == "Not Found" and '"reason":"NotFound"' in e.body,
              f"get after delete: {e.status} {e.reason} {e.body}")
    try:
        core.read_namespaced_pod("missing", "default")
        check(False, "reading a missing pod did not fail")
    except ApiException as e:
        check(e.status == 404, f"missing pod: {e.status}")
    print("ok")


main()
