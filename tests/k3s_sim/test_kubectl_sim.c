/* test_kubectl_sim.c: the simulated kubectl and container shell against a store: the rules
 * 11.4 answers (S1-S4, M1, W1/W2, rollout, hostname, rm, ctr, unknown), output formats,
 * flag parsing errors and JSONPath. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "k3s_shell.h"
#include "kube_meta.h"
#include "kubectl_jsonpath.h"
#include "kubectl_sim.h"
#include "osh_str.h"

#define KC "KUBECONFIG=/etc/rancher/k3s/k3s.yaml"
#define S1 KC " kubectl get nodes --no-headers -o custom-columns=NAME:.metadata.name 2>/dev/null"
#define S3 KC " kubectl get pods --all-namespaces --field-selector=status.phase=Running -o name 2>/dev/null; for pod_line in $(" KC " kubectl get pods --all-namespaces --no-headers 2>/dev/null | awk '$4 == \"Terminating\" {print $1\"/\"$2}'); do ns=${pod_line%%/*}; pod=${pod_line#*/}; " KC " kubectl delete pod \"$pod\" -n \"$ns\" --force --grace-period=0 --ignore-not-found 2>/dev/null; done"
/* S4 as the reference writes it, with backslash-newline continuations */
#define S4_CONTINUED KC "; export KUBECONFIG; \\\n    CURRENT_NODE=$(kubectl get nodes --no-headers -o custom-columns=NAME:.metadata.name 2>/dev/null | head -1); \\\n    [ -z \"$CURRENT_NODE\" ] && exit 0; \\\n    for pv in $(kubectl get pv -o jsonpath='{.items[*].metadata.name}' 2>/dev/null); do \\\n      NODE=$(kubectl get pv \"$pv\" -o jsonpath='{.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}' 2>/dev/null); \\\n      [ \"$NODE\" = \"$CURRENT_NODE\" ] && continue; \\\n      NS=$(kubectl get pv \"$pv\" -o jsonpath='{.spec.claimRef.namespace}' 2>/dev/null); \\\n      PVC=$(kubectl get pv \"$pv\" -o jsonpath='{.spec.claimRef.name}' 2>/dev/null); \\\n      [ -n \"$PVC\" ] && kubectl delete pvc \"$PVC\" -n \"$NS\" --ignore-not-found 2>/dev/null; \\\n      kubectl delete pv \"$pv\" --ignore-not-found 2>/dev/null; \\\n    done"
#define M1 KC " kubectl -n openshell get secret openshell-cli-client -o jsonpath='{.data.ca\\.crt}{\"\\n\"}{.data.tls\\.crt}{\"\\n\"}{.data.tls\\.key}'"

static kube_store *seeded_store(void)
{
    const char *doc =
        "{\"nodes\": ["
        " {\"metadata\": {\"name\": \"openshell-openshell\"}, \"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": \"True\"}]}},"
        " {\"metadata\": {\"name\": \"3f9a1c2b4d5e\"}, \"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": \"Unknown\"}]}}],"
        "\"pods\": ["
        " {\"metadata\": {\"name\": \"openshell-0\", \"namespace\": \"openshell\"}, \"spec\": {\"nodeName\": \"3f9a1c2b4d5e\"}, \"status\": {\"phase\": \"Running\"}},"
        " {\"metadata\": {\"name\": \"web\", \"namespace\": \"default\"}, \"spec\": {\"nodeName\": \"openshell-openshell\"}, \"status\": {\"phase\": \"Running\"}}],"
        "\"persistentvolumes\": ["
        " {\"metadata\": {\"name\": \"pv-old\"}, \"spec\": {\"claimRef\": {\"namespace\": \"openshell\", \"name\": \"data-openshell-0\"},"
        "   \"nodeAffinity\": {\"required\": {\"nodeSelectorTerms\": [{\"matchExpressions\": [{\"key\": \"kubernetes.io/hostname\", \"operator\": \"In\", \"values\": [\"3f9a1c2b4d5e\"]}]}]}}}},"
        " {\"metadata\": {\"name\": \"pv-new\"}, \"spec\": {\"nodeAffinity\": {\"required\": {\"nodeSelectorTerms\": [{\"matchExpressions\": [{\"key\": \"kubernetes.io/hostname\", \"operator\": \"In\", \"values\": [\"3f9a1c2b4d5e\"]}]}]}}}}],"
        "\"persistentvolumeclaims\": [{\"metadata\": {\"name\": \"data-openshell-0\", \"namespace\": \"openshell\"}}],"
        "\"secrets\": [{\"metadata\": {\"name\": \"openshell-cli-client\", \"namespace\": \"openshell\"},"
        "  \"data\": {\"ca.crt\": \"Q0E=\", \"tls.crt\": \"Q1JU\", \"tls.key\": \"S0VZ\"}}],"
        "\"statefulsets\": [{\"metadata\": {\"name\": \"openshell\", \"namespace\": \"openshell\", \"generation\": 1},"
        "  \"spec\": {\"replicas\": 1, \"updateStrategy\": {\"type\": \"RollingUpdate\", \"rollingUpdate\": {\"partition\": 0}}},"
        "  \"status\": {\"observedGeneration\": 1, \"readyReplicas\": 1, \"updatedReplicas\": 1, \"replicas\": 1}}]}";
    cJSON *j = cJSON_Parse(doc);
    char *error = NULL;
    kube_store *s = kube_store_import(j, &error);
    assert_null(error);
    cJSON_Delete(j);
    return s;
}

typedef struct run_result {
    osh_buf out, err;
    int code;
    bool handled;
} run_result;

static void run_free(run_result *r)
{
    osh_buf_free(&r->out);
    osh_buf_free(&r->err);
}

static run_result run_sh(kube_store *s, const char *script)
{
    run_result r = {OSH_BUF_INIT, OSH_BUF_INIT, -1, false};
    k3s_shell_env env = {.store = s, .hostname = "openshell-openshell"};
    const char *argv[] = {"sh", "-c", script};
    r.handled = k3s_shell_run(&env, argv, 3, &r.out, &r.err, &r.code);
    return r;
}

static run_result run_kubectl(kube_store *s, const char *line)
{
    return run_sh(s, line);
}

static void test_s1_lists_nodes_sorted(void **state)
{
    (void)state;
    kube_store *s = seeded_store();
    run_result r = run_sh(s, S1);
    assert_true(r.handled);
    assert_int_equal(r.code, 0);
    assert_string_equal(osh_buf_str(&r.out), "3f9a1c2b4d5e\nopenshell-openshell\n");
    const char *argv[] = {"sh", "-c", S1};
    assert_int_equal(k3s_shell_classify(argv, 3), K3S_CMD_S1);
    run_free(&r);
    kube_store_unref(s);
}

static void test_kubectl_before_api_ready(void **state)
{
    (void)state;
    run_result r = run_sh(NULL, S1);
    assert_int_equal(r.code, 1);
    assert_string_equal(osh_buf_str(&r.out), "");
    assert_string_equal(osh_buf_str(&r.err), "");
    run_free(&r);
    r = run_sh(NULL, KC " kubectl get pods");
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(osh_buf_str(&r.err), "The connection to the server 127.0.0.1:6443 was refused"));
    run_free(&r);
}

static void test_s2_deletes_nodes(void **state)
{
    (void)state;
    kube_store *s = seeded_store();
    run_result r = run_sh(s, KC " kubectl delete node 3f9a1c2b4d5e ghost --ignore-not-found");
    assert_int_equal(r.code, 0);
    assert_string_equal(osh_buf_str(&r.out), "node \"3f9a1c2b4d5e\" deleted\n");
    run_free(&r);
    r = run_sh(s, S1);
    assert_string_equal(osh_buf_str(&r.out), "openshell-openshell\n");
    run_free(&r);
    r = run_sh(s, KC " kubectl delete node ghost");
    assert_int_equal(r.code, 1);
    assert_string_equal(osh_buf_str(&r.err), "Error from server (NotFound): nodes \"ghost\" not found\n");
    run_free(&r);
    kube_store_unref(s);
}

static void test_s3_force_deletes_terminating(void **state)
{
    (void)state;
    kube_store *s = seeded_store();
    kube_delete_opts o = {-1, NULL, false};
    kube_result d = kube_store_delete(s, kube_resource_by_user_name("pods"), "openshell", "openshell-0", &o);
    assert_int_equal(d.code, 200);
    assert_non_null(kube_meta_get(d.body, "deletionTimestamp")); /* its node is NotReady: Terminating */
    cJSON_Delete(d.body);
    run_result r = run_sh(s, S3);
    assert_int_equal(r.code, 0);
    assert_string_equal(osh_buf_str(&r.out), "pod/web\npod/openshell-0\npod \"openshell-0\" force deleted\n");
    run_free(&r);
    kube_result g = kube_store_get(s, kube_resource_by_user_name("pods"), "openshell", "openshell-0");
    assert_int_equal(g.code, 404);
    cJSON_Delete(g.body);
    kube_store_unref(s);
}

static void test_s4_removes_foreign_pvs_and_claims(void **state)
{
    (void)state;
    kube_store *s = seeded_store();
    /* the first listed node (sorted) is 3f9a..., so PVs bound to it stay */
    run_result r = run_sh(s, S4_CONTINUED);
    assert_true(r.handled);
    assert_int_equal(r.code, 0);
    assert_string_equal(osh_buf_str(&r.out), "");
    run_free(&r);
    r = run_sh(s, KC " kubectl delete node 3f9a1c2b4d5e");
    run_free(&r);
    r = run_sh(s, S4_CONTINUED);
    assert_string_equal(osh_buf_str(&r.out), "persistentvolume \"pv-new\" deleted\n"
                                              "persistentvolumeclaim \"data-openshell-0\" deleted\n"
                                              "persistentvolume \"pv-old\" deleted\n");
    run_free(&r);
    r = run_sh(s, KC " kubectl get pv,pvc -A --no-headers");
    assert_string_equal(osh_buf_str(&r.out), "");
    run_free(&r);
    kube_store_unref(s);
}

static void test_m1_secret_present_missing_and_key_missing(void **state)
{
    (void)state;
    kube_store *s = seeded_store();
    run_result r = run_sh(s, M1);
    assert_int_equal(r.code, 0);
    assert_string_equal(osh_buf_str(&r.out), "Q0E=\nQ1JU\nS0VZ");
    run_free(&r);
    cJSON *patch = cJSON_Parse("{\"data\": {\"tls.key\": null}}");
    kube_result p = kube_store_patch(s, kube_resource_by_user_name("secrets"), "openshell", "openshell-cli-client",
                                     KUBE_PATCH_MERGE, patch, false, false);
    assert_int_equal(p.code, 200);
    cJSON_Delete(p.body);
    cJSON_Delete(patch);
    r = run_sh(s, M1);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(osh_buf_str(&r.err), "is not found"));
    run_free(&r);
    kube_delete_opts o = {-1, NULL, false};
    kube_result d = kube_store_delete(s, kube_resource_by_user_name("secrets"), "openshell", "openshell-cli-client", &o);
    cJSON_Delete(d.body);
    r = run_sh(s, M1);
    assert_int_equal(r.code, 1);
    assert_string_equal(osh_buf_str(&r.err), "Error from server (NotFound): secrets \"openshell-cli-client\" not found\n");
    run_free(&r);
    kube_store_unref(s);
}

static void test_w1_w2_and_rollout(void **state)
{
    (void)state;
    kube_store *s = seeded_store();
    run_result r = run_sh(s, KC " kubectl get statefulset/openshell -n openshell -o name 2>/dev/null");
    assert_int_equal(r.code, 0);
    assert_string_equal(osh_buf_str(&r.out), "statefulset.apps/openshell\n");
    run_free(&r);
    r = run_sh(s, KC " kubectl get deployment/openshell -n openshell -o name 2>/dev/null");
    assert_int_equal(r.code, 1);
    assert_string_equal(osh_buf_str(&r.out), "");
    assert_string_equal(osh_buf_str(&r.err), "");
    run_free(&r);
    r = run_sh(s, KC " kubectl rollout restart statefulset/openshell -n openshell");
    assert_int_equal(r.code, 0);
    assert_string_equal(osh_buf_str(&r.out), "statefulset.apps/openshell restarted\n");
    run_free(&r);
    /* no controller in this store: the new generation is never observed */
    r = run_sh(s, KC " kubectl rollout status statefulset/openshell -n openshell --timeout=180s");
    assert_int_equal(r.code, 1);
    assert_string_equal(osh_buf_str(&r.out), "Waiting for statefulset spec update to be observed...\n");
    run_free(&r);
    kube_store_unref(s);
}

static void test_unknown_and_builtins(void **state)
{
    (void)state;
    kube_store *s = seeded_store();
    k3s_shell_env env = {.store = s, .hostname = "h1"};
    osh_buf out = OSH_BUF_INIT, err = OSH_BUF_INIT;
    int code = -1;
    const char *host[] = {"hostname"};
    assert_true(k3s_shell_run(&env, host, 1, &out, &err, &code));
    assert_string_equal(osh_buf_str(&out), "h1\n");
    const char *rm[] = {"rm", "-f", "/tmp/openshell-images.tar"};
    assert_true(k3s_shell_run(&env, rm, 3, &out, &err, &code));
    assert_int_equal(code, 0);
    const char *ctr[] = {"ctr", "-a", "/run/k3s/containerd/containerd.sock", "-n", "k8s.io", "images", "import", "/tmp/x.tar"};
    assert_true(k3s_shell_run(&env, ctr, 8, &out, &err, &code));
    assert_int_equal(code, 1);
    const char *unknown[] = {"frobnicate", "x"};
    assert_false(k3s_shell_run(&env, unknown, 2, &out, &err, &code));
    const char *sh_unknown[] = {"sh", "-c", "frobnicate x"};
    assert_false(k3s_shell_run(&env, sh_unknown, 3, &out, &err, &code));
    /* what this shell does not do falls through rather than running half-understood */
    const char *unsupported[] = {"echo x > /tmp/f", "hostname &", "echo $HOME", "echo \"$(hostname)\"", "(hostname)",
                                 "echo 'open"};
    for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
        const char *argv[] = {"sh", "-c", unsupported[i]};
        assert_false(k3s_shell_run(&env, argv, 3, &out, &err, &code));
    }
    osh_buf_reset(&out);
    const char *merged[] = {"sh", "-c", "kubectl get nodes nope 2>&1; echo \"done\""};
    assert_true(k3s_shell_run(&env, merged, 3, &out, &err, &code));
    assert_string_equal(osh_buf_str(&out), "Error from server (NotFound): nodes \"nope\" not found\ndone\n");
    osh_buf_reset(&out);
    osh_buf_reset(&err);
    const char *spaced[] = {"sh", "-c", "kubectl get nodes nope 2> /dev/null; hostname > /dev/null"};
    assert_true(k3s_shell_run(&env, spaced, 3, &out, &err, &code));
    assert_string_equal(osh_buf_str(&out), "");
    assert_string_equal(osh_buf_str(&err), "");
    const char *dangling[] = {"sh", "-c", "hostname 2>"};
    assert_false(k3s_shell_run(&env, dangling, 3, &out, &err, &code));
    osh_buf_free(&out);
    osh_buf_free(&err);
    kube_store_unref(s);
}

static void test_get_formats(void **state)
{
    (void)state;
    kube_store *s = seeded_store();
    run_result r = run_kubectl(s, "kubectl get pods -A --no-headers");
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(osh_buf_str(&r.out), "default     web           0/0   Running"));
    run_free(&r);
    r = run_kubectl(s, "kubectl get ns openshell -o name");
    assert_string_equal(osh_buf_str(&r.out), "namespace/openshell\n");
    run_free(&r);
    r = run_kubectl(s, "kubectl get secret openshell-cli-client -n openshell -o json");
    cJSON *j = cJSON_Parse(osh_buf_str(&r.out));
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "kind")->valuestring, "Secret");
    assert_non_null(strstr(osh_buf_str(&r.out), "\n    \"apiVersion\": \"v1\",\n"));
    cJSON_Delete(j);
    run_free(&r);
    r = run_kubectl(s, "kubectl get pods -n nowhere");
    assert_int_equal(r.code, 0);
    assert_string_equal(osh_buf_str(&r.err), "No resources found in nowhere namespace.\n");
    run_free(&r);
    r = run_kubectl(s, "kubectl get frobs");
    assert_int_equal(r.code, 1);
    assert_string_equal(osh_buf_str(&r.err), "error: the server doesn't have a resource type \"frobs\"\n");
    run_free(&r);
    r = run_kubectl(s, "kubectl get pods --bogus");
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(osh_buf_str(&r.err), "unknown flag: --bogus"));
    run_free(&r);
    r = run_kubectl(s, "kubectl get nodes -o custom-columns=NAME:.metadata.name,READY:.status.conditions[0].status");
    assert_string_equal(osh_buf_str(&r.out), "NAME                  READY\n3f9a1c2b4d5e          Unknown\n"
                                              "openshell-openshell   True\n");
    run_free(&r);
    kube_store_unref(s);
}

static void test_create_namespace_and_secret(void **state)
{
    (void)state;
    kube_store *s = seeded_store();
    run_result r = run_kubectl(s, "kubectl create namespace team-a");
    assert_string_equal(osh_buf_str(&r.out), "namespace/team-a created\n");
    run_free(&r);
    r = run_kubectl(s, "kubectl create namespace team-a");
    assert_int_equal(r.code, 1);
    assert_string_equal(osh_buf_str(&r.err), "Error from server (AlreadyExists): namespaces \"team-a\" already exists\n");
    run_free(&r);
    r = run_kubectl(s, "kubectl create namespace Bad_Name");
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(osh_buf_str(&r.err), "Error from server (Invalid): Namespace \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\""));
    run_free(&r);
    r = run_kubectl(s, "kubectl create secret generic s1 -n team-a --from-literal=a=b --dry-run=client -o yaml");
    assert_non_null(strstr(osh_buf_str(&r.out), "data:\n  a: Yg==\n"));
    run_free(&r);
    kube_result g = kube_store_get(s, kube_resource_by_user_name("secrets"), "team-a", "s1");
    assert_int_equal(g.code, 404);
    cJSON_Delete(g.body);
    r = run_kubectl(s, "kubectl create secret generic s1 -n team-a --from-literal=a=b");
    assert_string_equal(osh_buf_str(&r.out), "secret/s1 created\n");
    run_free(&r);
    r = run_kubectl(s, "kubectl get secret s1 -n team-a -o jsonpath={.data.a}");
    assert_string_equal(osh_buf_str(&r.out), "Yg==");
    run_free(&r);
    kube_store_unref(s);
}

static void test_command_line_errors(void **state)
{
    (void)state;
    kube_store *s = seeded_store();
    struct {
        const char *line, *err;
    } cases[] = {
        {"kubectl get pods -o bogus", "unable to match a printer suitable for the output format \"bogus\""},
        {"kubectl get pods -n", "flag needs an argument: 'n' in -n"},
        {"kubectl get", "error: you must specify the type of resource to get."},
        {"kubectl get ,,,", "error: the server doesn't have a resource type \",,,\""},
        {"kubectl delete pods", "error: resource(s) were provided, but no name was specified"},
        {"kubectl create configmap x", "the simulated kubectl supports"},
        {"kubectl apply -f /nowhere.yaml", "error: the path \"/nowhere.yaml\" does not exist"},
        {"kubectl apply", "error: must specify one of -f and -k"},
        {"kubectl frob", "error: unknown command \"frob\" for \"kubectl\""},
        {"kubectl get nodes -o custom-columns=NAME", "expected <header>:<json-path-expr>"},
        {"kubectl rollout undo statefulset/openshell", "supports `rollout restart` and `rollout status`"},
        {"kubectl get pods --field-selector=spec.foo=1", "Error from server (BadRequest): field label not supported: spec.foo"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run_result r = run_kubectl(s, cases[i].line);
        assert_true(r.handled);
        assert_int_equal(r.code, 1);
        if (!strstr(osh_buf_str(&r.err), cases[i].err))
            fail_msg("%s: stderr \"%s\" lacks \"%s\"", cases[i].line, osh_buf_str(&r.err), cases[i].err);
        run_free(&r);
    }
    /* the forms of flags kubectl accepts */
    run_result r = run_kubectl(s, "kubectl get --namespace=openshell secrets -oname");
    assert_string_equal(osh_buf_str(&r.out), "secret/openshell-cli-client\n");
    run_free(&r);
    r = run_kubectl(s, "kubectl get pods --all-namespaces=true -l missing --no-headers");
    assert_string_equal(osh_buf_str(&r.err), "No resources found\n");
    run_free(&r);
    r = run_kubectl(s, "kubectl delete pod web -n default --force --grace-period=0");
    assert_int_equal(r.code, 0);
    assert_string_equal(osh_buf_str(&r.out), "pod \"web\" force deleted\n");
    assert_non_null(strstr(osh_buf_str(&r.err), "Warning: Immediate deletion does not wait"));
    run_free(&r);
    r = run_kubectl(s, "kubectl get pod web --ignore-not-found -n default");
    assert_int_equal(r.code, 0);
    assert_string_equal(osh_buf_str(&r.out), "");
    run_free(&r);
    kube_store_unref(s);
}

static void test_pipes_and_filters(void **state)
{
    (void)state;
    kube_store *s = seeded_store();
    run_result r = run_sh(s, KC " kubectl get nodes --no-headers -o custom-columns=NAME:.metadata.name 2>/dev/null | head -1");
    assert_int_equal(r.code, 0);
    assert_string_equal(osh_buf_str(&r.out), "3f9a1c2b4d5e\n");
    run_free(&r);
    r = run_sh(s, "kubectl get pods -A --no-headers | grep -c Running");
    assert_string_equal(osh_buf_str(&r.out), "2\n");
    run_free(&r);
    r = run_sh(s, "kubectl get pods -A --no-headers | grep -q Pending || echo none pending");
    assert_string_equal(osh_buf_str(&r.out), "none pending\n");
    run_free(&r);
    r = run_sh(s, "kubectl get ns -o name | sort | tail -n 2 | wc -l");
    assert_string_equal(osh_buf_str(&r.out), "2\n");
    run_free(&r);
    r = run_sh(s, "kubectl get ns -o name | grep -v kube- | grep -E '^namespace/(default|openshell)$'");
    assert_string_equal(osh_buf_str(&r.out), "namespace/default\nnamespace/openshell\n");
    run_free(&r);
    r = run_sh(s, "kubectl get pods -n nowhere -o name | sort"); /* nothing to sort */
    assert_int_equal(r.code, 0);
    assert_string_equal(osh_buf_str(&r.out), "");
    run_free(&r);
    r = run_sh(s, "cat /nowhere");
    assert_int_equal(r.code, 1);
    assert_string_equal(osh_buf_str(&r.err), "cat: /nowhere: No such file or directory\n");
    run_free(&r);
    kube_store_unref(s);
}

static void test_jsonpath(void **state)
{
    (void)state;
    cJSON *doc = cJSON_Parse("{\"items\": [{\"metadata\": {\"name\": \"a\"}, \"n\": 1}, {\"metadata\": {\"name\": \"b\"}, \"n\": 2}],"
                             " \"data\": {\"ca.crt\": \"X\"}, \"conds\": [{\"type\": \"Ready\", \"status\": \"True\"}]}");
    osh_buf out = OSH_BUF_INIT;
    char *error = NULL;
    assert_int_equal(kubectl_jsonpath_render("{.items[*].metadata.name}", doc, &out, &error), 0);
    assert_string_equal(osh_buf_str(&out), "a b");
    osh_buf_reset(&out);
    assert_int_equal(kubectl_jsonpath_render("{.data.ca\\.crt}{\"\\n\"}{.items[1].n}", doc, &out, &error), 0);
    assert_string_equal(osh_buf_str(&out), "X\n2");
    osh_buf_reset(&out);
    assert_int_equal(kubectl_jsonpath_render("{range .items[*]}{.metadata.name}={.n};{end}", doc, &out, &error), 0);
    assert_string_equal(osh_buf_str(&out), "a=1;b=2;");
    osh_buf_reset(&out);
    assert_int_equal(kubectl_jsonpath_render("{.conds[?(@.type==\"Ready\")].status}", doc, &out, &error), 0);
    assert_string_equal(osh_buf_str(&out), "True");
    osh_buf_reset(&out);
    assert_int_equal(kubectl_jsonpath_render("{.data.tls\\.key}", doc, &out, &error), -1);
    assert_string_equal(error, "tls.key is not found");
    free(error);
    assert_int_equal(kubectl_jsonpath_render("{.items", doc, &out, &error), -1);
    free(error);
    osh_buf_free(&out);
    cJSON_Delete(doc);
}

static void test_normalize(void **state)
{
    (void)state;
    char *n = k3s_shell_normalize("a \\\n    b   c\t d ");
    assert_string_equal(n, "a b c d");
    free(n);
    const char *argv[] = {"sh", "-c", S4_CONTINUED};
    assert_int_equal(k3s_shell_classify(argv, 3), K3S_CMD_S4);
    const char *m1[] = {"sh", "-c", M1};
    assert_int_equal(k3s_shell_classify(m1, 3), K3S_CMD_M1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_s1_lists_nodes_sorted),
        cmocka_unit_test(test_kubectl_before_api_ready),
        cmocka_unit_test(test_s2_deletes_nodes),
        cmocka_unit_test(test_s3_force_deletes_terminating),
        cmocka_unit_test(test_s4_removes_foreign_pvs_and_claims),
        cmocka_unit_test(test_m1_secret_present_missing_and_key_missing),
        cmocka_unit_test(test_w1_w2_and_rollout),
        cmocka_unit_test(test_unknown_and_builtins),
        cmocka_unit_test(test_get_formats),
        cmocka_unit_test(test_create_namespace_and_secret),
        cmocka_unit_test(test_command_line_errors),
        cmocka_unit_test(test_pipes_and_filters),
        cmocka_unit_test(test_jsonpath),
        cmocka_unit_test(test_normalize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
