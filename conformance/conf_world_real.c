/* conf_world_real.c: the world backend over a real dockerd (--docker real). The world is
 * the daemon itself: DOCKER_HOST is its URL, the state is read back from it (only the
 * containers, volumes and networks of the gateway names the scenario's "real" member
 * lists), there is no request journal (checks on it cannot be judged here) and no
 * Kubernetes API. Everything those names stand for is removed before and after a run. */
#include "conf_world.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "osh_buf.h"
#include "osh_str.h"

/* The backend's state across scenarios. */
typedef struct real_daemon {
    char *host;  /* unix:///PATH or tcp://HOST:PORT */
    char *image; /* the fake cluster image, tagged as the default image */
    /* `gateway destroy` deletes the default image by ID with force (rules §9.4), which takes
     * every tag of it, the source tag too. So the fake image is exported once (a docker save
     * tarball kept in memory) and loaded back whenever a scenario finds it gone. */
    osh_buf saved_image;
} real_daemon;

typedef struct real_world {
    real_daemon *d;
    cJSON *names; /* gateway names (array of strings) */
} real_world;

static size_t collect(char *p, size_t size, size_t n, void *buf)
{
    osh_buf_append(buf, p, size * n);
    return size * n;
}

/* One request to the daemon with an optional body; the raw answer goes to *raw. */
static void docker_send(const real_daemon *d, const char *method, const char *path, const osh_buf *send,
                        const char *content_type, osh_buf *raw, long *status)
{
    CURL *h = curl_easy_init();
    char *url;
    if (osh_str_starts_with(d->host, "unix://")) {
        curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, d->host + strlen("unix://"));
        url = osh_str_printf("http://localhost%s", path);
    } else {
        url = osh_str_printf("http://%s%s", d->host + strlen("tcp://"), path);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, raw);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    struct curl_slist *hdr = NULL;
    if (send) {
        char *ct = osh_str_printf("Content-Type: %s", content_type);
        hdr = curl_slist_append(hdr, ct);
        free(ct);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, send->data);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)send->len);
    }
    *status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdr);
    free(url);
}

/* One request without a body; returns the parsed answer (NULL when none or not JSON). */
static cJSON *docker_call(const real_daemon *d, const char *method, const char *path, long *status)
{
    osh_buf body = OSH_BUF_INIT;
    docker_send(d, method, path, NULL, NULL, &body, status);
    char *text = osh_buf_detach(&body);
    cJSON *doc = text ? cJSON_Parse(text) : NULL;
    free(text);
    return doc;
}

/* Remove the container, volume and network a gateway name stands for (rules §2 names). */
static void remove_gateway_objects(const real_daemon *d, const cJSON *names)
{
    for (const cJSON *n = names ? names->child : NULL; n; n = n->next) {
        static const char *const fmts[] = {"/containers/openshell-cluster-%s?force=1&v=1",
                                           "/volumes/openshell-cluster-%s?force=1",
                                           "/networks/openshell-cluster-%s"};
        for (int i = 0; i < 3; i++) {
            char *path = osh_str_printf(fmts[i], n->valuestring);
            long status;
            cJSON_Delete(docker_call(d, "DELETE", path, &status));
            free(path);
        }
    }
}

/* The scenario's "image_changes" (Dockerfile instructions such as "ENV FAKE_K3S_EXIT_CODE=137"
 * or "HEALTHCHECK NONE": the fake image's knobs standing for the mock world's faults) are
 * applied by committing a container of the fake image with them, as the default image. */
static char *commit_variant(const real_daemon *d, const cJSON *changes)
{
    osh_buf body = OSH_BUF_INIT, out = OSH_BUF_INIT;
    osh_buf_appendf(&body, "{\"Image\": \"%s\"}", d->image);
    long status;
    docker_send(d, "POST", "/containers/create", &body, "application/json", &out, &status);
    free(osh_buf_detach(&body));
    char *text = osh_buf_detach(&out);
    cJSON *created = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(created, "Id");
    if (status != 201 || !cJSON_IsString(id)) {
        cJSON_Delete(created);
        return osh_str_printf("cannot create a container of '%s' to commit the image changes (status %ld)",
                              d->image, status);
    }
    osh_buf path = OSH_BUF_INIT;
    osh_buf_appendf(&path, "/commit?container=%s&repo=ghcr.io/nvidia/openshell/cluster&tag=dev", id->valuestring);
    CURL *h = curl_easy_init();
    for (const cJSON *c = changes->child; c; c = c->next) {
        char *q = curl_easy_escape(h, c->valuestring, 0);
        osh_buf_appendf(&path, "&changes=%s", q);
        curl_free(q);
    }
    curl_easy_cleanup(h);
    char *p = osh_buf_detach(&path);
    cJSON_Delete(docker_call(d, "POST", p, &status));
    free(p);
    long rm_status;
    char *rm = osh_str_printf("/containers/%s?force=1", id->valuestring);
    cJSON_Delete(docker_call(d, "DELETE", rm, &rm_status));
    free(rm);
    cJSON_Delete(created);
    return status == 201 ? NULL : osh_str_printf("cannot commit the image changes (status %ld)", status);
}

static char *ensure_default_image(real_daemon *d, const cJSON *changes)
{
    long status;
    char *path = osh_str_printf("/images/%s/json", d->image);
    cJSON_Delete(docker_call(d, "GET", path, &status));
    free(path);
    if (status != 200 && d->saved_image.len) {
        osh_buf out = OSH_BUF_INIT;
        docker_send(d, "POST", "/images/load?quiet=1", &d->saved_image, "application/x-tar", &out, &status);
        free(osh_buf_detach(&out));
    } else if (status == 200 && !d->saved_image.len) {
        path = osh_str_printf("/images/get?names=%s", d->image);
        docker_send(d, "GET", path, NULL, NULL, &d->saved_image, &status);
        free(path);
    }
    if (cJSON_GetArraySize(changes) > 0)
        return commit_variant(d, changes);
    char *tag = osh_str_printf("/images/%s/tag?repo=ghcr.io/nvidia/openshell/cluster&tag=dev", d->image);
    cJSON_Delete(docker_call(d, "POST", tag, &status));
    free(tag);
    if (status == 201)
        return NULL;
    return osh_str_printf("cannot tag the fake cluster image '%s' as ghcr.io/nvidia/openshell/cluster:dev "
                          "(status %ld; build it with fixtures/fake-cluster/build-image.sh --tag %s)",
                          d->image, status, d->image);
}

/* The daemon given, in a form we can reach, and answering. NULL or why not (malloc'd). */
static char *check_daemon(const real_daemon *d)
{
    if (!*d->host)
        return osh_str_dup("no real Docker daemon given (--docker-host or OSH_REAL_DOCKER_HOST)");
    if (!osh_str_starts_with(d->host, "unix://") && !osh_str_starts_with(d->host, "tcp://"))
        return osh_str_printf("--docker-host '%s': expected unix:///PATH or tcp://HOST:PORT", d->host);
    long status;
    cJSON_Delete(docker_call(d, "GET", "/_ping", &status));
    if (status != 200)
        return osh_str_printf("the real Docker daemon at %s does not answer /_ping", d->host);
    return NULL;
}

static void *real_create(void *self, const cJSON *desc, const conf_world_settings *s, char **error)
{
    (void)s; /* the daemon serves Docker where it does; there is no Kubernetes API */
    real_daemon *d = self;
    if ((*error = check_daemon(d)) ||
        (*error = ensure_default_image(d, cJSON_GetObjectItemCaseSensitive(desc, "image_changes"))))
        return NULL;
    real_world *w = calloc(1, sizeof *w);
    w->d = d;
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(desc, "names");
    w->names = names ? cJSON_Duplicate(names, true) : cJSON_CreateArray();
    remove_gateway_objects(d, w->names); /* leftovers of an interrupted run */
    return w;
}

static void real_destroy(void *p)
{
    real_world *w = p;
    remove_gateway_objects(w->d, w->names);
    cJSON_Delete(w->names);
    free(w);
}

static const char *real_url(void *p) { return ((real_world *)p)->d->host; }
static const char *real_none(void *p) { (void)p; return NULL; }
static int real_kubeconfig(void *p, const char *path, char **error)
{
    (void)p;
    *error = osh_str_printf("no Kubernetes API in real mode (kubeconfig %s)", path);
    return -1;
}

/* A real health check takes real time: 250 ms x 180 health inspections = 45 s, enough for
 * the fake image's health check. */
static void real_environment(void *self, cJSON *env)
{
    (void)self;
    cJSON_DeleteItemFromObjectCaseSensitive(env, "OPENSHELL_POLL_INTERVAL_MS");
    cJSON_AddStringToObject(env, "OPENSHELL_POLL_INTERVAL_MS", "250");
}

/* Add what GET path answers (when found) to arr. */
static void add_found(const real_daemon *d, cJSON *arr, const char *fmt, const char *name)
{
    char *path = osh_str_printf(fmt, name);
    long status;
    cJSON *doc = docker_call(d, "GET", path, &status);
    free(path);
    if (status == 200 && doc)
        cJSON_AddItemToArray(arr, doc);
    else
        cJSON_Delete(doc);
}

static cJSON *real_state(void *p)
{
    real_world *w = p;
    cJSON *s = cJSON_CreateObject();
    cJSON *d = cJSON_AddObjectToObject(s, "docker");
    cJSON *cs = cJSON_AddArrayToObject(d, "containers");
    cJSON *vs = cJSON_AddArrayToObject(d, "volumes");
    cJSON *ns = cJSON_AddArrayToObject(d, "networks");
    for (const cJSON *n = w->names->child; n; n = n->next) {
        add_found(w->d, cs, "/containers/openshell-cluster-%s/json", n->valuestring);
        add_found(w->d, vs, "/volumes/openshell-cluster-%s", n->valuestring);
        add_found(w->d, ns, "/networks/openshell-cluster-%s", n->valuestring);
    }
    return s;
}

/* No journal on a real daemon: an empty one, so journal checks are reported, not crashed. */
static cJSON *real_journal(void *p, const char *which)
{
    (void)p;
    (void)which;
    return cJSON_CreateArray();
}

static void real_close(conf_world_backend *b)
{
    real_daemon *d = b->self;
    osh_buf_free(&d->saved_image);
    free(d->host);
    free(d->image);
    free(d);
    free(b);
}

conf_world_backend *conf_world_real_open(const char *url, const char *image)
{
    real_daemon *d = calloc(1, sizeof *d);
    d->host = osh_str_dup(url ? url : "");
    d->image = osh_str_dup(image);
    conf_world_backend *b = malloc(sizeof *b);
    *b = (conf_world_backend){
        .name = "real_docker", .self = d, .member = "real",
        .create = real_create, .destroy = real_destroy,
        .docker_unix_url = real_url, .docker_tcp_url = real_url, .kube_url = real_none,
        .write_kubeconfig = real_kubeconfig, .environment = real_environment,
        .state = real_state, .journal = real_journal, .close = real_close,
    };
    return b;
}
