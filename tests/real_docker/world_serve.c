/* world_serve.c: serves one mock world (Docker mock + k3s simulator + Kubernetes mock,
 * mocks/world/mock_world.h) on a unix socket until SIGINT/SIGTERM, for the differential test
 * of the k3s simulator against the fake cluster image on a real dockerd (sim_diff.py).
 * openshell-mockd serves the Docker mock alone, without the simulator behind it.
 *
 * Usage: osh-world-serve --docker-unix PATH [--scenario FILE]
 * Prints "docker: unix://PATH" and "ready" on stdout, exits 0 on a signal, 2 on bad
 * arguments, 1 when the world cannot start (with the reason on stderr). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mock_world.h"
#include "osh_args.h"
#include "osh_file.h"

/* A world scenario is a few KiB; the limit only stops a mistaken path. */
#define WORLD_SCENARIO_FILE_MAX ((size_t)64 * 1024 * 1024)

static cJSON *load_scenario(const char *path)
{
    if (!path)
        return cJSON_CreateObject();
    char *error = NULL;
    char *text = osh_file_read(path, WORLD_SCENARIO_FILE_MAX, NULL, &error);
    if (!text) {
        fprintf(stderr, "osh-world-serve: %s\n", error);
        free(error);
        return NULL;
    }
    cJSON *doc = cJSON_Parse(text);
    free(text);
    if (!doc)
        fprintf(stderr, "osh-world-serve: %s: not valid JSON\n", path);
    return doc;
}

enum { FLAG_DOCKER_UNIX, FLAG_SCENARIO };
static const osh_arg_flag world_flags[] = {{"--docker-unix", NULL, "PATH", FLAG_DOCKER_UNIX, NULL},
                                           {"--scenario", NULL, "FILE", FLAG_SCENARIO, NULL},
                                           OSH_ARGS_END};
static const osh_args_texts world_texts = {"unknown argument '%s'", "%s needs a value", "%s takes no value"};

int main(int argc, char **argv)
{
    const char *unix_path = NULL, *scenario_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *value = NULL;
        char *error = NULL;
        const osh_arg_flag *f = osh_args_take(argc, argv, &i, world_flags, &world_texts, &value, &error);
        if (!f) {
            fprintf(stderr, "osh-world-serve: %s\n", error);
            free(error);
            return 2;
        }
        *(f->id == FLAG_DOCKER_UNIX ? &unix_path : &scenario_path) = value;
    }
    if (!unix_path) {
        fprintf(stderr, "osh-world-serve: --docker-unix PATH is required\n");
        return 2;
    }
    cJSON *scenario = load_scenario(scenario_path);
    if (!scenario)
        return 1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before the servers start their threads */

    mock_world_options opts = {.docker_unix_path = unix_path, .kube_enabled = true};
    char *error = NULL;
    mock_world *w = mock_world_new(scenario, &opts, &error);
    cJSON_Delete(scenario);
    if (!w) {
        fprintf(stderr, "osh-world-serve: %s\n", error ? error : "cannot start the world");
        free(error);
        return 1;
    }
    printf("docker: %s\nready\n", mock_world_docker_unix_url(w));
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    mock_world_free(w);
    return 0;
}
