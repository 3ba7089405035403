/* bench_kube_store.c: how the mock Kubernetes store scales with its size (issue 12).
 *
 * Usage: bench_kube_store [NODES]   (default 5000)
 *
 * 1. Store level: NODES nodes created with kube_store_create in slices of NODES/5, the
 *    rate of each slice; then get and delete of every node by name.
 * 2. HTTP level, on a mock API server (mock_kube, keep-alive libcurl client): the same
 *    creates as POST /api/v1/nodes, GET by name, then `kubectl get nodes` on NODES nodes
 *    next to `kubectl get namespaces` (4 objects) in the same run, median of 3 each,
 *    then DELETE of every node.
 *
 * Every figure is a rate or a time from this run; "flatness" is the last slice's rate over
 * the first's (1.0 = no slow-down as the store fills). Rates are given per wall second and
 * per CPU second (this thread for the store; the whole process, client and server threads,
 * for HTTP; kubectl's user+system time), since the machine is shared: the load average is
 * printed at the start and the end. Label bench only. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "kube_store.h"
#include "mock_kube.h"
#include "osh_str.h"

extern char **environ;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(clockid_t which)
{
    struct timespec ts;
    clock_gettime(which, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_load(const char *when)
{
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) < 0)
        load[0] = load[1] = load[2] = -1;
    printf("load average %s: %.2f %.2f %.2f\n", when, load[0], load[1], load[2]);
}

/* A node of about the size k3s registers (labels, conditions, addresses, nodeInfo). */
static cJSON *make_node(int i)
{
    char *doc = osh_str_printf(
        "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node-%05d\",\"labels\":{"
        "\"kubernetes.io/hostname\":\"node-%05d\",\"kubernetes.io/os\":\"linux\",\"kubernetes.io/arch\":\"amd64\"}},"
        "\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\"}],"
        "\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"10.%d.%d.%d\"}],"
        "\"nodeInfo\":{\"kubeletVersion\":\"v1.35.2+k3s1\",\"osImage\":\"K3s\",\"kernelVersion\":\"6.1\","
        "\"containerRuntimeVersion\":\"containerd://2.0\"}}}",
        i, i, (i >> 16) & 255, (i >> 8) & 255, i & 255);
    cJSON *o = cJSON_Parse(doc);
    free(doc);
    return o;
}

static char *node_name(int i) { return osh_str_printf("node-%05d", i); }

/* Creates nodes 0..n-1 with create(i, ctx) in five slices, printing "LABEL create" lines:
 * each slice's rate per wall and per CPU second (cpu_clock), then the overall rate and the
 * flatness (last slice over first). */
static void create_in_slices(const char *label, int n, clockid_t cpu_clock, void (*create)(int i, void *ctx),
                             void *ctx)
{
    int slice = n / 5 > 0 ? n / 5 : 1;
    double first = 0, last = 0, total_start = now_s(), total_cpu = cpu_s(cpu_clock);
    double first_cpu = 0, last_cpu = 0;
    for (int done = 0; done < n;) {
        int upto = done + slice < n ? done + slice : n;
        double t0 = now_s(), c0 = cpu_s(cpu_clock);
        for (int i = done; i < upto; i++)
            create(i, ctx);
        double rate = (upto - done) / (now_s() - t0), cpu_rate = (upto - done) / (cpu_s(cpu_clock) - c0);
        printf("%s create %5d..%5d: %9.0f objects/s, %9.0f per CPU second\n", label, done, upto, rate, cpu_rate);
        if (done == 0) {
            first = rate;
            first_cpu = cpu_rate;
        }
        last = rate;
        last_cpu = cpu_rate;
        done = upto;
    }
    printf("%s create %d nodes: %.0f objects/s overall (%.0f per CPU second), flatness (last/first slice) "
           "%.2f wall, %.2f CPU\n",
           label, n, n / (now_s() - total_start), n / (cpu_s(cpu_clock) - total_cpu), last / first,
           last_cpu / first_cpu);
}

/* ---- store level ---- */

typedef struct store_ctx {
    kube_store *store;
    const kube_resource *nodes;
} store_ctx;

static void store_create_node(int i, void *ctx)
{
    store_ctx *x = ctx;
    cJSON *o = make_node(i);
    kube_result r = kube_store_create(x->store, x->nodes, NULL, o, false);
    if (r.code != 201) {
        fprintf(stderr, "bench_kube_store: create node %d: %d\n", i, r.code);
        exit(1);
    }
    cJSON_Delete(r.body);
    cJSON_Delete(o);
}

static void bench_store(int n)
{
    const kube_resource *nodes = kube_resource_by_path("", "v1", "nodes");
    kube_store *s = kube_store_new();
    store_ctx ctx = {s, nodes};
    create_in_slices("store", n, CLOCK_THREAD_CPUTIME_ID, store_create_node, &ctx);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        char *name = node_name(i);
        kube_result r = kube_store_get(s, nodes, NULL, name);
        free(name);
        cJSON_Delete(r.body);
    }
    printf("store get by name at %d: %.0f objects/s\n", n, n / (now_s() - t0));
    t0 = now_s();
    kube_result l = kube_store_list(s, nodes, NULL, NULL, NULL);
    printf("store list of %d nodes: %.1f ms\n", cJSON_GetArraySize(cJSON_GetObjectItem(l.body, "items")),
           (now_s() - t0) * 1000);
    cJSON_Delete(l.body);
    t0 = now_s();
    for (int i = n; i-- > 0;) {
        char *name = node_name(i);
        kube_result r = kube_store_delete(s, nodes, NULL, name, NULL);
        free(name);
        cJSON_Delete(r.body);
    }
    printf("store delete by name from %d: %.0f objects/s\n", n, n / (now_s() - t0));
    kube_store_unref(s);
}

/* ---- HTTP level ---- */

static size_t discard(char *p, size_t size, size_t n, void *u) { return size * n; }

static long request(CURL *c, const char *method, const char *url, const char *body)
{
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    if (!body)
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    long code = 0;
    if (curl_easy_perform(c) != CURLE_OK)
        return -1;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

/* Wall seconds of `kubectl get what`; *cpu gets kubectl's user+system seconds. */
static double run_kubectl(const char *kubeconfig, const char *what, double *cpu)
{
    char *kc = osh_str_printf("KUBECONFIG=%s", kubeconfig);
    char *path = osh_str_printf("PATH=%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    char *home = osh_str_printf("HOME=%s", getenv("HOME") ? getenv("HOME") : "/tmp");
    char *env[] = {kc, path, home, NULL};
    char *argv[] = {"kubectl", "get", (char *)what, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
    double t0 = now_s();
    pid_t pid;
    int status = -1;
    struct rusage ru = {0};
    if (posix_spawnp(&pid, "kubectl", &fa, NULL, argv, env) == 0)
        wait4(pid, &status, 0, &ru);
    double t = now_s() - t0;
    *cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    posix_spawn_file_actions_destroy(&fa);
    free(kc);
    free(path);
    free(home);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_kube_store: kubectl get %s failed\n", what);
        exit(1);
    }
    return t;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_kubectl(const char *kubeconfig, const char *what, double *cpu)
{
    double t[3], c[3];
    for (int i = 0; i < 3; i++)
        t[i] = run_kubectl(kubeconfig, what, &c[i]);
    qsort(t, 3, sizeof(double), compare_double);
    qsort(c, 3, sizeof(double), compare_double);
    *cpu = c[1];
    return t[1];
}

typedef struct http_ctx {
    CURL *curl;
    const char *collection;
} http_ctx;

static void http_create_node(int i, void *ctx)
{
    http_ctx *x = ctx;
    cJSON *o = make_node(i);
    char *body = cJSON_PrintUnformatted(o);
    long code = request(x->curl, "POST", x->collection, body);
    free(body);
    cJSON_Delete(o);
    if (code != 201) {
        fprintf(stderr, "bench_kube_store: POST node %d: %ld\n", i, code);
        exit(1);
    }
}

static void bench_http(int n)
{
    char *error = NULL;
    mock_kube *k = mock_kube_new(NULL, &error);
    if (!k) {
        fprintf(stderr, "bench_kube_store: %s\n", error);
        exit(1);
    }
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    char *collection = osh_str_printf("%s/api/v1/nodes", mock_kube_url(k));
    http_ctx ctx = {c, collection};
    create_in_slices("http", n, CLOCK_PROCESS_CPUTIME_ID, http_create_node, &ctx);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        char *url = osh_str_printf("%s/node-%05d", collection, i);
        request(c, "GET", url, NULL);
        free(url);
    }
    printf("http get by name at %d: %.0f objects/s\n", n, n / (now_s() - t0));

    char tmpl[] = "/tmp/osh-bench-kube-XXXXXX";
    char *tmp = mkdtemp(tmpl);
    char *kubeconfig = osh_str_printf("%s/kubeconfig", tmp);
    if (!tmp || mock_kube_write_kubeconfig(k, kubeconfig, &error) != 0) {
        fprintf(stderr, "bench_kube_store: kubeconfig: %s\n", error ? error : "mkdtemp failed");
        exit(1);
    }
    double big_cpu, small_cpu;
    double big = median_kubectl(kubeconfig, "nodes", &big_cpu);
    double small = median_kubectl(kubeconfig, "namespaces", &small_cpu);
    printf("kubectl get nodes (%d nodes): %.3f s (kubectl CPU %.3f s); kubectl get namespaces (4): %.3f s "
           "(CPU %.3f s); ratio %.2f wall (median of 3 each)\n",
           n, big, big_cpu, small, small_cpu, big / small);
    unlink(kubeconfig);
    rmdir(tmp);
    free(kubeconfig);

    t0 = now_s();
    for (int i = n; i-- > 0;) {
        char *url = osh_str_printf("%s/node-%05d", collection, i);
        request(c, "DELETE", url, NULL);
        free(url);
    }
    printf("http delete by name from %d: %.0f objects/s\n", n, n / (now_s() - t0));
    free(collection);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    mock_kube_free(k);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 5000;
    if (n < 5 || n > 99999) {
        fprintf(stderr, "usage: bench_kube_store [NODES]   (5..99999, default 5000)\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    print_load("at start");
    bench_store(n);
    if (access("/usr/bin/kubectl", X_OK) == 0 || system("command -v kubectl >/dev/null 2>&1") == 0)
        bench_http(n);
    else
        printf("http part skipped: kubectl is not installed\n");
    print_load("at end");
    curl_global_cleanup();
    return 0;
}
