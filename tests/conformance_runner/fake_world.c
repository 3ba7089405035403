/* fake_world.c: see fake_world.h. */
#include "fake_world.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osh_buf.h"
#include "osh_file.h"
#include "osh_str.h"

typedef struct fake {
    char *dir, *unix_url, *tcp_url, *kube_url, *sock;
    cJSON *state;
} fake;

static void *fake_create(void *self, const cJSON *doc, const conf_world_settings *s, char **error)
{
    (void)self;
    const cJSON *fail = cJSON_GetObjectItemCaseSensitive(doc, "fail");
    if (cJSON_IsString(fail)) {
        *error = osh_str_dup(fail->valuestring);
        return NULL;
    }
    char tmpl[] = "/tmp/fake-world-XXXXXX";
    if (!mkdtemp(tmpl)) {
        *error = osh_str_dup("mkdtemp failed");
        return NULL;
    }
    fake *f = calloc(1, sizeof *f);
    f->dir = osh_str_dup(tmpl);
    f->sock = osh_str_printf("%s/docker.sock", tmpl);
    f->unix_url = s->docker_unix ? osh_str_printf("unix://%s", f->sock) : NULL;
    f->tcp_url = s->docker_tcp_host ? osh_str_printf("tcp://%s:2375", s->docker_tcp_host) : NULL;
    f->kube_url = s->kube ? osh_str_dup("http://127.0.0.1:6443") : NULL;
    f->state = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(doc, "state"), true);
    return f;
}

static void fake_destroy(void *w)
{
    fake *f = w;
    char *j1 = osh_str_printf("%s.journal", f->sock), *j2 = osh_str_printf("%s.kube-journal", f->sock);
    unlink(j1);
    unlink(j2);
    rmdir(f->dir);
    free(j1);
    free(j2);
    free(f->dir);
    free(f->sock);
    free(f->unix_url);
    free(f->tcp_url);
    free(f->kube_url);
    cJSON_Delete(f->state);
    free(f);
}

static const char *fake_unix(void *w) { return ((fake *)w)->unix_url; }
static const char *fake_tcp(void *w) { return ((fake *)w)->tcp_url; }
static const char *fake_kube(void *w) { return ((fake *)w)->kube_url; }

static int fake_kubeconfig(void *w, const char *path, char **error)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        *error = osh_str_dup("cannot write kubeconfig");
        return -1;
    }
    fputs("apiVersion: v1\n", f);
    fclose(f);
    return 0;
}

static cJSON *fake_state(void *w)
{
    fake *f = w;
    return f->state ? cJSON_Duplicate(f->state, true) : cJSON_CreateObject();
}

/* The runner gives the implementation what the mock world gives it. */
static void fake_environment(void *self, cJSON *env)
{
    (void)self;
    cJSON_DeleteItemFromObjectCaseSensitive(env, "OPENSHELL_POLL_INTERVAL_MS");
    cJSON_AddStringToObject(env, "OPENSHELL_POLL_INTERVAL_MS", "0");
}

/* A journal of a few lines; bigger means a test wrote garbage. */
#define FAKE_JOURNAL_MAX ((size_t)4 * 1024 * 1024)

static cJSON *fake_journal(void *w, const char *which)
{
    fake *f = w;
    char *path = osh_str_printf("%s.%s", f->sock, strcmp(which, "kube") == 0 ? "kube-journal" : "journal");
    cJSON *arr = cJSON_CreateArray();
    char *error = NULL;
    char *text = osh_file_read(path, FAKE_JOURNAL_MAX, NULL, &error);
    free(path);
    if (!text && errno != ENOENT)
        fprintf(stderr, "fake_world: journal %s\n", error); /* the checks then see it empty */
    free(error);
    for (char *line = text, *next; line && *line; line = next) {
        next = line + strcspn(line, "\n");
        if (*next)
            *next++ = '\0';
        cJSON *e = cJSON_Parse(line);
        if (e)
            cJSON_AddItemToArray(arr, e);
    }
    free(text);
    return arr;
}

static void fake_close(conf_world_backend *b) { (void)b; }

const conf_world_backend fake_world_backend = {
    .name = "fake", .member = "world",
    .create = fake_create, .destroy = fake_destroy,
    .docker_unix_url = fake_unix, .docker_tcp_url = fake_tcp, .kube_url = fake_kube,
    .write_kubeconfig = fake_kubeconfig, .environment = fake_environment,
    .state = fake_state, .journal = fake_journal, .close = fake_close,
};
