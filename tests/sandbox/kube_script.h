/* kube_script.h: a scripted Kubernetes API for the HTTP tests of both Kubernetes clients
 * (test_sandbox_http, rules §10; test_driver_http, rules §13): a mock_http server that
 * answers each request with the next canned answer and records what it was asked, and a
 * kubeconfig in a temporary directory that points at it with a bearer token. */
#ifndef KUBE_SCRIPT_H
#define KUBE_SCRIPT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

#include "mock_http.h"

/* One canned answer; the lines of a stream (stream true) are separated by '\n'. */
typedef struct kube_canned {
    int status;
    const char *body;
    bool stream;
    const char *content_type; /* NULL: application/json */
} kube_canned;

typedef struct kube_script {
    mock_http_server *server;
    pthread_mutex_t lock;
    const kube_canned *answers;
    size_t count, next;
    bool repeat_last; /* answer with the last entry once the script is used up (else 599) */
    cJSON *seen;      /* [{"method", "path", "query", "auth", "content_type", "body"}] */
    char dir[64];     /* the temporary directory; tests may put files of their own there */
    char *kubeconfig; /* dir/kubeconfig */
} kube_script;

/* Listening on 127.0.0.1 with an empty script; fails the test when it cannot. */
kube_script *kube_script_start(const char *dir_prefix, const char *token);
/* Stops the server and removes the kubeconfig and the (then empty) directory. */
void kube_script_free(kube_script *s);
/* Answer the next requests from answers[0..count). */
void kube_script_play(kube_script *s, const kube_canned *answers, size_t count);
#define KUBE_SCRIPT_PLAY(s, table) kube_script_play(s, table, sizeof table / sizeof *table)

#endif
