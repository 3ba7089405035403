"""python3-kubernetes against the mock Kubernetes API (run by test_python_client).

Lists nodes, creates and deletes a namespaced custom object (a Sandbox, whose DELETE answers
a Status), checks that a missing object raises ApiException with status 404 and reason
NotFound, and pages through secrets with limit/continue (a token never issued gets 400). Exits non-zero with a
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
    # a custom resource's DELETE answers a Status, as the apiserver's CRD registry does
    status = custom.delete_namespaced_custom_object("agents.x-k8s.io", "v1alpha1", "default", "sandboxes", "py-sandbox")
    check(status.get("kind") == "Status" and status.get("status") == "Success"
          and status["details"] == {"name": "py-sandbox", "group": "agents.x-k8s.io", "kind": "sandboxes",
                                    "uid": created["metadata"]["uid"]}, f"delete gave {status}")
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
    paging(core)
    print("ok")


def paging(core):
    """Pages through 23 secrets five at a time, as client-go and kubectl do."""
    for i in range(23):
        core.create_namespaced_secret("default", client.V1Secret(metadata=client.V1ObjectMeta(name=f"page-{i:02d}")))
    seen, token, pages = [], None, 0
    while True:
        page = core.list_namespaced_secret("default", limit=5, _continue=token)
        if pages == 0:
            check(page.metadata.remaining_item_count == 18, f"first page remaining {page.metadata.remaining_item_count}")
        seen += [s.metadata.name for s in page.items]
        pages += 1
        token = page.metadata._continue
        if not token:
            break
        check(page.metadata.resource_version and len(page.items) == 5, f"page {pages}: {len(page.items)} items")
    check(pages == 5 and seen == [f"page-{i:02d}" for i in range(23)], f"{pages} pages gave {seen}")
    try:
        core.list_namespaced_secret("default", limit=5, _continue="never-issued")
        check(False, "a token never issued was accepted")
    except ApiException as e:
        check(e.status == 400 and "invalid continue token: continue key is not valid" in e.body,
              f"bad token: {e.status} {e.body}")
    # built-in kinds differ: a Secret's DELETE answers a Status, a Pod's the object
    st = core.delete_namespaced_secret("page-00", "default")
    check(st.kind == "Status" and st.status == "Success" and st.details.kind == "secrets", f"secret delete gave {st}")


main()
