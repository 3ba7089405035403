/* fake_world.c: see fake_world.h. */
#include "fake_world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osh_buf.h"
#include "osh_str.h"

typedef struct fake {
    char *dir, *unix_url, *tcp_url, *kube_url, *sock;
    cJSON *state;
} fake;

static void *fake_create(const cJSON *doc, const conf_world_settings *s, char **error)
{
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

static cJSON *fake_journal(void *w, const char *which)
{
    fake *f = w;
    char *path = osh_str_printf("%s.%s", f->sock, strcmp(which, "kube") == 0 ? "kube-journal" : "journal");
    cJSON *arr = cJSON_CreateArray();
    FILE *in = fopen(path, "r");
    free(path);
    if (!in)
        return arr;
    char line[8192];
    while (fgets(line, sizeof line, in)) {
        cJSON *e = cJSON_Parse(line);
        if (e)
            cJSON_AddItemToArray(arr, e);
    }
    fclose(in);
    return arr;
}

const conf_world_backend fake_world_backend = {
    "fake", fake_create, fake_destroy, fake_unix, fake_tcp, fake_kube,
    fake_kubeconfig, fake_state, fake_journal,
};
