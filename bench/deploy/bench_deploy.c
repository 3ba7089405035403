/* bench_deploy.c: wall time of a fresh `openshell gateway start` against the mock Docker
 * Engine (mocks/docker, the cluster played by scripted S1/M1 answers and a HEALTHCHECK that
 * turns healthy at the second inspect) with OPENSHELL_POLL_INTERVAL_MS=1, and the number of
 * Docker requests one deploy makes.
 *
 * Usage: bench_deploy [RUNS]   (default 10). Each run gets a fresh world and config root.
 * Prints one line per run and a summary (min / median / max, requests per deploy). */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int run_deploy(mock_docker *w, const char *tmp, double *ms)
{
    char *env[] = {osh_str_printf("PATH=%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin"),
                   osh_str_printf("HOME=%s", tmp), osh_str_printf("XDG_CONFIG_HOME=%s/config", tmp),
                   osh_str_printf("DOCKER_HOST=%s", mock_docker_url(w, 0)),
                   osh_str_dup("OPENSHELL_POLL_INTERVAL_MS=1"), NULL};
    char *argv[] = {OPENSHELL_BIN, "gateway", "start", "--name", "bench", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", 0, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
    double start = now_ms();
    pid_t pid;
    int status = -1;
    if (posix_spawn(&pid, OPENSHELL_BIN, &fa, NULL, argv, env) == 0)
        waitpid(pid, &status, 0);
    *ms = now_ms() - start;
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

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 10;
    if (runs < 1)
        runs = 1;
    double *times = calloc((size_t)runs, sizeof(double));
    int requests = -1;
    for (int i = 0; i < runs; i++) {
        char tmpl[] = "/tmp/osh-bench-deploy-XXXXXX";
        char *tmp = mkdtemp(tmpl);
        mock_docker *w = new_world(tmp);
        int code = run_deploy(w, tmp, &times[i]);
        cJSON *journal = mock_http_journal_json(mock_docker_http(w));
        requests = cJSON_GetArraySize(journal);
        cJSON_Delete(journal);
        mock_docker_free(w);
        char *cmd = osh_str_printf("rm -rf '%s'", tmp);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_deploy: could not remove %s\n", tmp);
        free(cmd);
        printf("run %d: %.1f ms, exit %d, %d Docker requests\n", i + 1, times[i], code, requests);
        if (code != 0) {
            fprintf(stderr, "bench_deploy: deploy failed (exit %d)\n", code);
            return 1;
        }
    }
    qsort(times, (size_t)runs, sizeof(double), compare_double);
    printf("fresh deploy, OPENSHELL_POLL_INTERVAL_MS=1, %d runs: min %.1f ms, median %.1f ms, max %.1f ms; "
           "%d Docker requests per deploy\n",
           runs, times[0], times[runs / 2], times[runs - 1], requests);
    free(times);
    return 0;
}
