/* bench_deploy.c: wall time of a fresh `openshell gateway start` against the mock Docker
 * Engine (mocks/docker, the cluster played by scripted S1/M1 answers and a HEALTHCHECK that
 * turns healthy at the second inspect) with OPENSHELL_POLL_INTERVAL_MS=1, and the number of
 * Docker requests one deploy makes.
 *
 * Usage: bench_deploy [RUNS [OPENSHELL]]   (default 10 runs of the openshell built with it;
 * naming another binary compares builds in one sitting). Each run gets a fresh world and
 * config root.
 * Prints one line per run and a summary (min / median / max, requests per deploy), then the
 * median of each phase and of the CPU time spent, which load changes less than wall time:
 * the deploy runs with OPENSHELL_VERBOSE=1 and a phase ends when the line that starts the
 * next one reaches the bench (PHASES below); "cpu impl" is the child's user+sys time,
 * "cpu mock" the bench process's own (the mock's threads) during the run. */
#include <math.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mock_docker.h"
#include "osh_str.h"

#ifndef OPENSHELL_BIN
#error OPENSHELL_BIN must name the openshell binary
#endif

extern char **environ;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

#define KCFG "KUBECONFIG=/etc/rancher/k3s/k3s.yaml"

static mock_docker *new_world(const char *tmp)
{
    cJSON *d = cJSON_Parse("{\"images\": [{\"ref\": \"ghcr.io/nvidia/openshell/cluster:dev\", \"config\": "
                           "{\"Healthcheck\": {\"Test\": [\"CMD\", \"/usr/local/bin/cluster-healthcheck.sh\"]}}}],"
                           " \"execs\": []}");
    cJSON *execs = cJSON_GetObjectItem(d, "execs");
    cJSON *s1 = cJSON_CreateObject();
    cJSON_AddStringToObject(s1, "script",
                            KCFG " kubectl get nodes --no-headers -o custom-columns=NAME:.metadata.name 2>/dev/null");
    cJSON_AddStringToObject(s1, "stdout", "openshell-bench\n");
    cJSON_AddItemToArray(execs, s1);
    cJSON *m1 = cJSON_CreateObject();
    cJSON_AddStringToObject(m1, "script", KCFG " kubectl -n openshell get secret openshell-cli-client -o "
                                              "jsonpath='{.data.ca\\.crt}{\"\\n\"}{.data.tls\\.crt}{\"\\n\"}"
                                              "{.data.tls\\.key}'");
    cJSON_AddStringToObject(m1, "stdout", "Q0E=\nQ1JU\nS0VZ");
    cJSON_AddItemToArray(execs, m1);
    char *error = NULL;
    mock_docker *w = mock_docker_new(d, &error);
    cJSON_Delete(d);
    char *sock = osh_str_printf("%s/docker.sock", tmp);
    if (!w || mock_docker_listen_unix(w, sock, &error) != 0) {
        fprintf(stderr, "bench_deploy: mock Docker: %s\n", error ? error : "?");
        exit(1);
    }
    free(sock);
    return w;
}

/* A phase ends when a stderr line containing its end mark arrives (NULL: at exit). */
typedef struct phase {
    const char *name;
    const char *end_mark;
} phase;

static const phase PHASES[] = {
    {"process start", "Deploying"},
    {"preflight (ping, version, info, existing)", "Downloading gateway"},
    {"image", "Initializing environment"},
    {"network, volume, container, start, S1", "Starting gateway"},
    {"health wait", "mTLS secret"},
    {"mTLS fetch and store, metadata", "Gateway ready"},
    {"active gateway, exit", NULL},
};
#define PHASE_COUNT (sizeof(PHASES) / sizeof(PHASES[0]))

typedef struct run_result {
    double ms;
    double phase_ms[PHASE_COUNT]; /* NAN when a mark never came */
    double cpu_impl_ms, cpu_mock_ms;
} run_result;

static double tv_ms(struct timeval tv) { return (double)tv.tv_sec * 1000.0 + (double)tv.tv_usec / 1000.0; }

static double self_cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
}

/* Reads the child's stderr to EOF, noting when each phase's end mark first arrives. */
static void read_phases(int fd, double start, double ends[PHASE_COUNT])
{
    for (size_t i = 0; i < PHASE_COUNT; i++)
        ends[i] = NAN;
    FILE *in = fdopen(fd, "r");
    char line[4096];
    size_t next = 0;
    while (in && fgets(line, sizeof line, in)) {
        double at = now_ms() - start;
        for (size_t i = next; i < PHASE_COUNT && PHASES[i].end_mark; i++)
            if (strstr(line, PHASES[i].end_mark)) {
                ends[i] = at;
                next = i + 1;
                break;
            }
    }
    if (in)
        fclose(in);
}

static const char *openshell_bin = OPENSHELL_BIN;

static int run_deploy(mock_docker *w, const char *tmp, run_result *r)
{
    char *env[] = {osh_str_printf("PATH=%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin"),
                   osh_str_printf("HOME=%s", tmp), osh_str_printf("XDG_CONFIG_HOME=%s/config", tmp),
                   osh_str_printf("DOCKER_HOST=%s", mock_docker_url(w, 0)),
                   osh_str_dup("OPENSHELL_POLL_INTERVAL_MS=1"), osh_str_dup("OPENSHELL_VERBOSE=1"), NULL};
    char *argv[] = {(char *)openshell_bin, "gateway", "start", "--name", "bench", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", 0, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
    int err_pipe[2];
    if (pipe(err_pipe) != 0) {
        perror("bench_deploy: pipe");
        exit(1);
    }
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    posix_spawn_file_actions_addclose(&fa, err_pipe[0]);
    posix_spawn_file_actions_addclose(&fa, err_pipe[1]);
    double cpu_before = self_cpu_ms();
    double start = now_ms();
    pid_t pid;
    int status = -1;
    double ends[PHASE_COUNT];
    struct rusage child = {0};
    int spawned = posix_spawn(&pid, openshell_bin, &fa, NULL, argv, env);
    close(err_pipe[1]);
    read_phases(err_pipe[0], start, ends);
    if (spawned == 0)
        wait4(pid, &status, 0, &child);
    r->ms = now_ms() - start;
    r->cpu_mock_ms = self_cpu_ms() - cpu_before;
    r->cpu_impl_ms = tv_ms(child.ru_utime) + tv_ms(child.ru_stime);
    ends[PHASE_COUNT - 1] = r->ms;
    double from = 0;
    for (size_t i = 0; i < PHASE_COUNT; i++) {
        r->phase_ms[i] = ends[i] - from;
        if (!isnan(ends[i]))
            from = ends[i];
    }
    posix_spawn_file_actions_destroy(&fa);
    for (char **e = env; *e; e++)
        free(*e);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of one field over the runs (NAN values, marks that never came, go last). */
static double median_of(const run_result *runs, int n, size_t offset)
{
    double *v = calloc((size_t)n, sizeof(double));
    int kept = 0;
    for (int i = 0; i < n; i++) {
        double x = *(const double *)((const char *)&runs[i] + offset);
        if (!isnan(x))
            v[kept++] = x;
    }
    qsort(v, (size_t)kept, sizeof(double), compare_double);
    double m = kept ? v[kept / 2] : NAN;
    free(v);
    return m;
}

static void print_breakdown(const run_result *runs, int n)
{
    printf("median per phase (ms):\n");
    for (size_t p = 0; p < PHASE_COUNT; p++)
        printf("  %-45s %6.2f\n", PHASES[p].name,
               median_of(runs, n, offsetof(run_result, phase_ms) + p * sizeof(double)));
    printf("median cpu (ms): impl %.2f, mock %.2f\n", median_of(runs, n, offsetof(run_result, cpu_impl_ms)),
           median_of(runs, n, offsetof(run_result, cpu_mock_ms)));
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 10;
    if (runs < 1)
        runs = 1;
    if (argc > 2)
        openshell_bin = argv[2];
    double *times = calloc((size_t)runs, sizeof(double));
    run_result *results = calloc((size_t)runs, sizeof(run_result));
    int requests = -1;
    for (int i = 0; i < runs; i++) {
        char tmpl[] = "/tmp/osh-bench-deploy-XXXXXX";
        char *tmp = mkdtemp(tmpl);
        mock_docker *w = new_world(tmp);
        int code = run_deploy(w, tmp, &results[i]);
        times[i] = results[i].ms;
        cJSON *journal = mock_http_journal_json(mock_docker_http(w));
        requests = cJSON_GetArraySize(journal);
        cJSON_Delete(journal);
        mock_docker_free(w);
        char *cmd = osh_str_printf("rm -rf '%s'", tmp);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_deploy: could not remove %s\n", tmp);
        free(cmd);
        printf("run %d: %.1f ms, exit %d, %d Docker requests, cpu impl %.1f ms, mock %.1f ms\n", i + 1, times[i],
               code, requests, results[i].cpu_impl_ms, results[i].cpu_mock_ms);
        if (code != 0) {
            fprintf(stderr, "bench_deploy: deploy failed (exit %d)\n", code);
            return 1;
        }
    }
    qsort(times, (size_t)runs, sizeof(double), compare_double);
    printf("fresh deploy, OPENSHELL_POLL_INTERVAL_MS=1, %d runs: min %.1f ms, median %.1f ms, max %.1f ms; "
           "%d Docker requests per deploy\n",
           runs, times[0], times[runs / 2], times[runs - 1], requests);
    print_breakdown(results, runs);
    free(results);
    free(times);
    return 0;
}
