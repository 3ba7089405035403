/* record_scenario.c: a world scenario (docs/scenarios.md) reproducing what a recording
 * shows, for the simulator, so that a different implementation (one that makes other
 * requests) can be judged against the same situation. Read from the answers:
 *   - docker objects that existed before the client created them: images (id, config),
 *     volumes, networks, containers (create body rebuilt from inspect, state, health);
 *   - the cluster container (created by the client, Cmd "server" or bound at
 *     /var/lib/rancher/k3s): its health per inspection since its last start, its exit, the
 *     lines its followed log stream delivered (timed by inspection), the S1 calls that
 *     failed before the API answered, the nodes S1 listed (stale ones on a volume that
 *     existed), and the M1 call that first returned the secret (or none);
 *   - pulls: pullable refs, or the registry's error;
 *   - a fault rule for every 5xx answer, at the same occurrence of its method and path.
 * It is a reading of the recording, not a proof: what the answers do not show (pods, PVs,
 * kube objects) is left to the simulator's defaults. */
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"
#include "record_internal.h"

typedef struct reading {
    const rec_document *d;
    cJSON *world, *docker, *cluster;
    char *cluster_name;    /* the cluster container's name (as the client named it) */
    char *cluster_id;
    char *cluster_volume;  /* bound at /var/lib/rancher/k3s */
    long start_seq;        /* its last successful start */
} reading;

/* The answer as text: a body, or a raw stream's pieces joined (big JSON answers arrive
 * chunked). Caller frees. */
static char *answer_text(const rec_exchange *e)
{
    osh_buf b = OSH_BUF_INIT;
    if (e->kind == REC_BODY)
        osh_buf_append(&b, e->res_body.data, e->res_body.len);
    else
        for (size_t i = 0; i < e->chunk_count; i++)
            if (e->chunks[i].dir == REC_OUT)
                osh_buf_append(&b, e->chunks[i].data.data, e->chunks[i].data.len);
    return osh_buf_detach(&b);
}

static cJSON *answer_json(const rec_exchange *e)
{
    char *t = answer_text(e);
    cJSON *j = cJSON_Parse(t);
    free(t);
    return j;
}

static const char *upath(const rec_exchange *e) { return mock_http_strip_version(e->path, NULL, NULL); }

static bool is(const rec_exchange *e, const char *method, const char *prefix, const char *suffix)
{
    const char *p = upath(e);
    return strcmp(e->method, method) == 0 && osh_str_starts_with(p, prefix) &&
           (!suffix || osh_str_ends_with(p, suffix));
}

/* The object name in /PREFIX/{name}[SUFFIX]; caller frees. */
static char *name_in(const rec_exchange *e, const char *prefix, const char *suffix)
{
    const char *p = upath(e) + strlen(prefix);
    size_t n = strlen(p) - (suffix && osh_str_ends_with(p, suffix) ? strlen(suffix) : 0);
    return osh_str_ndup(p, n);
}

/* Was an object of this kind created by the client before exchange i? */
static bool created_before(const reading *r, size_t i, const char *create_path, const char *name)
{
    for (size_t k = 0; k < i; k++) {
        const rec_exchange *e = &r->d->exchanges[k];
        if (!is(e, "POST", create_path, NULL) || e->status >= 300)
            continue;
        const char *q = strstr(e->query, "name=");
        cJSON *b = cJSON_ParseWithLength(e->req_body.data ? e->req_body.data : "", e->req_body.len);
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(b, "Name");
        bool same = (q && strncmp(q + 5, name, strlen(name)) == 0) ||
                    (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0);
        cJSON_Delete(b);
        if (same)
            return true;
    }
    return false;
}

static bool listed(const cJSON *arr, const char *key, const char *value)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, arr) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(x, key);
        if (cJSON_IsString(v) && strcmp(v->valuestring, value) == 0)
            return true;
    }
    return false;
}

static cJSON *section(cJSON *parent, const char *key, bool array)
{
    cJSON *s = cJSON_GetObjectItemCaseSensitive(parent, key);
    if (!s)
        s = array ? cJSON_AddArrayToObject(parent, key) : cJSON_AddObjectToObject(parent, key);
    return s;
}

static void copy_keys(cJSON *to, const cJSON *from, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, keys[i]);
        if (v && !cJSON_IsNull(v))
            cJSON_AddItemToObject(to, keys[i], cJSON_Duplicate(v, true));
    }
}

/* ---- Objects that existed before ------------------------------------------------- */

/* Was ref pulled before exchange i (then its inspect does not show what existed before)? */
static bool pulled_before(const reading *r, size_t i, const char *ref)
{
    bool pulled = false;
    for (size_t k = 0; k < i && !pulled; k++) {
        const rec_exchange *e = &r->d->exchanges[k];
        const char *q = is(e, "POST", "/images/create", NULL) ? strstr(e->query, "fromImage=") : NULL;
        if (!q)
            continue;
        char *from = osh_str_ndup(q + 10, strcspn(q + 10, "&"));
        for (char *s = strstr(from, "%2F"); s; s = strstr(from, "%2F")) {
            *s = '/';
            memmove(s + 1, s + 3, strlen(s + 3) + 1);
        }
        pulled = osh_str_starts_with(ref, from) && (ref[strlen(from)] == ':' || ref[strlen(from)] == '\0');
        free(from);
    }
    return pulled;
}

static void read_image(reading *r, size_t i, const rec_exchange *e)
{
    char *ref = name_in(e, "/images/", "/json");
    if (pulled_before(r, i, ref)) {
        free(ref);
        return;
    }
    cJSON *a = answer_json(e);
    cJSON *images = section(r->docker, "images", true);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "Id");
    if (cJSON_IsString(id) && !listed(images, "id", id->valuestring) && !osh_str_starts_with(ref, "sha256:")) {
        static const char *const keys[] = {"Cmd", "Entrypoint", "Env", "Labels", "Healthcheck", "Volumes",
                                           "WorkingDir", "User", "ExposedPorts", NULL};
        cJSON *img = cJSON_CreateObject();
        cJSON_AddStringToObject(img, "ref", ref);
        cJSON_AddStringToObject(img, "id", id->valuestring);
        cJSON *cfg = cJSON_AddObjectToObject(img, "config");
        copy_keys(cfg, cJSON_GetObjectItemCaseSensitive(a, "Config"), keys);
        const cJSON *arch = cJSON_GetObjectItemCaseSensitive(a, "Architecture");
        if (cJSON_IsString(arch))
            cJSON_AddStringToObject(img, "architecture", arch->valuestring);
        cJSON_AddItemToArray(images, img);
    }
    cJSON_Delete(a);
    free(ref);
}

static void read_volume(reading *r, size_t i, const rec_exchange *e)
{
    char *name = name_in(e, "/volumes/", NULL);
    cJSON *vols = section(r->docker, "volumes", true);
    if (!created_before(r, i, "/volumes/create", name) && !listed(vols, "name", name)) {
        cJSON *a = answer_json(e);
        cJSON *v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "name", name);
        const cJSON *labels = cJSON_GetObjectItemCaseSensitive(a, "Labels");
        if (cJSON_IsObject(labels))
            cJSON_AddItemToObject(v, "labels", cJSON_Duplicate(labels, true));
        cJSON_AddItemToArray(vols, v);
        cJSON_Delete(a);
    }
    free(name);
}

static void read_network(reading *r, size_t i, const rec_exchange *e)
{
    char *name = name_in(e, "/networks/", NULL);
    cJSON *nets = section(r->docker, "networks", true);
    cJSON *a = answer_json(e);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "Name"), *id = cJSON_GetObjectItemCaseSensitive(a, "Id");
    bool builtin = cJSON_IsString(n) && (!strcmp(n->valuestring, "bridge") || !strcmp(n->valuestring, "host") ||
                                         !strcmp(n->valuestring, "none"));
    if (cJSON_IsString(n) && cJSON_IsString(id) && !builtin && !created_before(r, i, "/networks/create", n->valuestring) &&
        !listed(nets, "name", n->valuestring)) {
        cJSON *v = cJSON_CreateObject();
        cJSON_AddStringToObject(v, "name", n->valuestring);
        cJSON_AddStringToObject(v, "id", id->valuestring);
        const cJSON *drv = cJSON_GetObjectItemCaseSensitive(a, "Driver");
        cJSON_AddStringToObject(v, "driver", cJSON_IsString(drv) ? drv->valuestring : "bridge");
        cJSON_AddBoolToObject(v, "attachable", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "Attachable")));
        const cJSON *labels = cJSON_GetObjectItemCaseSensitive(a, "Labels");
        if (cJSON_IsObject(labels))
            cJSON_AddItemToObject(v, "labels", cJSON_Duplicate(labels, true));
        cJSON_AddItemToArray(nets, v);
    }
    cJSON_Delete(a);
    free(name);
}

/* A container that existed before the client created one of that name: its create body
 * rebuilt from the inspect answer. */
static void read_container(reading *r, size_t i, const rec_exchange *e)
{
    char *name = name_in(e, "/containers/", "/json");
    cJSON *ctrs = section(r->docker, "containers", true);
    cJSON *a = answer_json(e);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "Name"), *id = cJSON_GetObjectItemCaseSensitive(a, "Id");
    const char *cname = cJSON_IsString(n) ? n->valuestring + (n->valuestring[0] == '/') : name;
    if (cJSON_IsString(id) && !created_before(r, i, "/containers/create", cname) && !listed(ctrs, "name", cname)) {
        static const char *const cfg_keys[] = {"Image", "Hostname", "Env", "Cmd", "Entrypoint", "Labels",
                                               "Healthcheck", "ExposedPorts", NULL};
        static const char *const host_keys[] = {"Binds", "NetworkMode", "PortBindings", "Privileged",
                                                "RestartPolicy", "CgroupnsMode", NULL};
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", cname);
        cJSON_AddStringToObject(c, "id", id->valuestring);
        cJSON *create = cJSON_AddObjectToObject(c, "create");
        copy_keys(create, cJSON_GetObjectItemCaseSensitive(a, "Config"), cfg_keys);
        cJSON *hc = cJSON_AddObjectToObject(create, "HostConfig");
        copy_keys(hc, cJSON_GetObjectItemCaseSensitive(a, "HostConfig"), host_keys);
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(a, "State");
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(st, "Status");
        bool running = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "Running"));
        cJSON_AddStringToObject(c, "state", running ? "running" :
                                cJSON_IsString(status) && !strcmp(status->valuestring, "created") ? "created" : "exited");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(st, "ExitCode");
        if (!running && cJSON_IsNumber(code))
            cJSON_AddNumberToObject(c, "exit_code", code->valuedouble);
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(st, "Health"), "Status");
        if (cJSON_IsString(h) && running)
            cJSON_AddStringToObject(c, "health", h->valuestring);
        cJSON_AddItemToArray(ctrs, c);
    }
    cJSON_Delete(a);
    free(name);
}

/* ---- The cluster container --------------------------------------------------------- */

/* The last container the client created whose Cmd starts with "server" or which binds a
 * volume at /var/lib/rancher/k3s; its name and volume. */
static void find_cluster(reading *r)
{
    for (size_t i = 0; i < r->d->count; i++) {
        const rec_exchange *e = &r->d->exchanges[i];
        if (!is(e, "POST", "/containers/create", NULL) || e->status != 201)
            continue;
        cJSON *b = cJSON_ParseWithLength(e->req_body.data ? e->req_body.data : "", e->req_body.len);
        const cJSON *cmd0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b, "Cmd"), 0);
        const cJSON *binds = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b, "HostConfig"), "Binds");
        const cJSON *bind;
        char *volume = NULL;
        cJSON_ArrayForEach(bind, binds)
            if (cJSON_IsString(bind) && osh_str_ends_with(bind->valuestring, ":/var/lib/rancher/k3s"))
                volume = osh_str_ndup(bind->valuestring, strlen(bind->valuestring) - strlen(":/var/lib/rancher/k3s"));
        bool server = cJSON_IsString(cmd0) && strcmp(cmd0->valuestring, "server") == 0;
        const char *q = strstr(e->query, "name=");
        if ((server || volume) && q) {
            free(r->cluster_name);
            free(r->cluster_volume);
            r->cluster_name = osh_str_ndup(q + 5, strcspn(q + 5, "&"));
            r->cluster_volume = volume;
            volume = NULL;
            cJSON *a = answer_json(e);
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "Id");
            free(r->cluster_id);
            r->cluster_id = cJSON_IsString(id) ? osh_str_dup(id->valuestring) : NULL;
            cJSON_Delete(a);
        }
        free(volume);
        cJSON_Delete(b);
    }
}

/* Does this path name the cluster container (by name or id)? */
static bool about_cluster(const reading *r, const rec_exchange *e, const char *suffix)
{
    if (!r->cluster_name || !is(e, e->method, "/containers/", suffix))
        return false;
    char *who = name_in(e, "/containers/", suffix);
    bool yes = strcmp(who, r->cluster_name) == 0 ||
               (r->cluster_id && strlen(who) >= 12 && osh_str_starts_with(r->cluster_id, who));
    free(who);
    return yes;
}

static void find_last_start(reading *r)
{
    r->start_seq = -1;
    for (size_t i = 0; i < r->d->count; i++) {
        const rec_exchange *e = &r->d->exchanges[i];
        if (strcmp(e->method, "POST") == 0 && about_cluster(r, e, "/start") && e->status == 204)
            r->start_seq = e->seq;
    }
}

/* Health per inspection since the last start, and the inspection at which it exited. */
static void read_health(reading *r)
{
    cJSON *health = cJSON_CreateArray();
    long n = 0;
    for (size_t i = 0; i < r->d->count && r->start_seq > 0; i++) {
        const rec_exchange *e = &r->d->exchanges[i];
        if (e->seq < r->start_seq || strcmp(e->method, "GET") || !about_cluster(r, e, "/json") || e->status != 200)
            continue;
        n++;
        cJSON *a = answer_json(e);
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(a, "State");
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(st, "Health"), "Status");
        bool running = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "Running"));
        if (!running && !cJSON_GetObjectItemCaseSensitive(r->cluster, "exit")) {
            cJSON *x = cJSON_AddObjectToObject(r->cluster, "exit");
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(st, "ExitCode");
            const cJSON *err = cJSON_GetObjectItemCaseSensitive(st, "Error");
            cJSON_AddNumberToObject(x, "at_inspect", (double)n);
            cJSON_AddNumberToObject(x, "code", cJSON_IsNumber(code) ? code->valuedouble : 1);
            if (cJSON_IsString(err) && err->valuestring[0])
                cJSON_AddStringToObject(x, "error", err->valuestring);
            cJSON_AddBoolToObject(x, "oom_killed", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "OOMKilled")));
        }
        if (cJSON_IsString(h) && running)
            cJSON_AddItemToArray(health, cJSON_CreateString(h->valuestring));
        cJSON_Delete(a);
    }
    /* the last entry repeats: drop the trailing repeats */
    int len = cJSON_GetArraySize(health);
    while (len >= 2 && strcmp(cJSON_GetArrayItem(health, len - 1)->valuestring,
                              cJSON_GetArrayItem(health, len - 2)->valuestring) == 0)
        cJSON_DeleteItemFromArray(health, --len);
    if (len)
        cJSON_AddItemToObject(r->cluster, "health", health);
    else
        cJSON_Delete(health);
}

/* How many inspections of the cluster container since its start had begun by seq. */
static long inspects_by(const reading *r, long seq)
{
    long n = 0;
    for (size_t i = 0; i < r->d->count; i++) {
        const rec_exchange *e = &r->d->exchanges[i];
        if (e->seq > r->start_seq && e->seq <= seq && !strcmp(e->method, "GET") && about_cluster(r, e, "/json"))
            n++;
    }
    return n;
}

/* The lines the followed log stream delivered after the start, each at the inspection
 * that had begun when it arrived (at least the first: the follower opens with tail=0). */
static void read_logs(reading *r)
{
    cJSON *logs = cJSON_CreateArray();
    for (size_t i = 0; i < r->d->count; i++) {
        const rec_exchange *e = &r->d->exchanges[i];
        if (e->seq < r->start_seq || strcmp(e->method, "GET") || !about_cluster(r, e, "/logs") ||
            !strstr(e->query, "follow=1") || e->kind != REC_STREAM)
            continue;
        for (size_t k = 0; k < e->chunk_count; k++) {
            const rec_chunk *c = &e->chunks[k];
            long at = inspects_by(r, c->after);
            char *text = osh_str_ndup(c->data.data ? c->data.data : "", c->data.len);
            cJSON *entry = cJSON_CreateObject();
            cJSON_AddNumberToObject(entry, "at_inspect", (double)(at > 0 ? at : 1));
            cJSON_AddNumberToObject(entry, "stream", c->stream == 2 ? 2 : 1);
            cJSON *lines = cJSON_AddArrayToObject(entry, "lines");
            char *save = NULL;
            for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                cJSON_AddItemToArray(lines, cJSON_CreateString(l));
            free(text);
            if (cJSON_GetArraySize(lines))
                cJSON_AddItemToArray(logs, entry);
            else
                cJSON_Delete(entry);
        }
    }
    cJSON_AddItemToObject(r->cluster, "logs", logs);
    cJSON_AddBoolToObject(r->cluster, "boot_log", false);
}

/* ---- Execs in the cluster container ------------------------------------------------- */

typedef struct exec_call {
    char *script;   /* Cmd[2] of ["sh", "-c", SCRIPT], or Cmd[0] */
    char *out;      /* what its start answer carried (stdout and stderr) */
    int exit_code;  /* -1 unknown */
} exec_call;

static const rec_exchange *find_by_path(const reading *r, size_t from, const char *method, const char *path)
{
    for (size_t i = from; i < r->d->count; i++) {
        const rec_exchange *e = &r->d->exchanges[i];
        if (!strcmp(e->method, method) && !strcmp(upath(e), path))
            return e;
    }
    return NULL;
}

static exec_call read_exec(const reading *r, size_t i, const rec_exchange *create)
{
    exec_call c = {NULL, NULL, -1};
    cJSON *b = cJSON_ParseWithLength(create->req_body.data ? create->req_body.data : "", create->req_body.len);
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(b, "Cmd");
    const cJSON *s = cJSON_GetArraySize(cmd) == 3 ? cJSON_GetArrayItem(cmd, 2) : cJSON_GetArrayItem(cmd, 0);
    c.script = osh_str_dup(cJSON_IsString(s) ? s->valuestring : "");
    cJSON_Delete(b);
    cJSON *a = answer_json(create);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "Id");
    if (cJSON_IsString(id)) {
        char *start = osh_str_printf("/exec/%s/start", id->valuestring);
        char *json = osh_str_printf("/exec/%s/json", id->valuestring);
        const rec_exchange *st = find_by_path(r, i, "POST", start);
        osh_buf out = OSH_BUF_INIT;
        for (size_t k = 0; st && k < st->chunk_count; k++)
            if (st->chunks[k].dir == REC_OUT)
                osh_buf_append(&out, st->chunks[k].data.data, st->chunks[k].data.len);
        c.out = osh_buf_detach(&out);
        for (size_t k = i; k < r->d->count; k++) {
            const rec_exchange *e = &r->d->exchanges[k];
            if (strcmp(e->method, "GET") || strcmp(upath(e), json))
                continue;
            cJSON *ins = answer_json(e);
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(ins, "ExitCode");
            if (cJSON_IsNumber(code))
                c.exit_code = code->valueint;
            cJSON_Delete(ins);
        }
        free(start);
        free(json);
    }
    cJSON_Delete(a);
    if (!c.out)
        c.out = osh_str_dup("");
    return c;
}

static bool is_s1(const char *s)
{
    return osh_str_starts_with(s, "KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl get nodes --no-headers") &&
           !strstr(s, "head -1");
}

static void stale_nodes(reading *r, const exec_call *s1)
{
    if (!r->cluster_volume || !listed(cJSON_GetObjectItemCaseSensitive(r->docker, "volumes"), "name", r->cluster_volume))
        return; /* a fresh volume holds no nodes */
    cJSON *nodes = cJSON_CreateArray();
    char *text = osh_str_dup(s1->out), *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *t = osh_str_trim_dup(l);
        if (t[0]) {
            cJSON *n = cJSON_CreateObject();
            cJSON_AddStringToObject(cJSON_AddObjectToObject(n, "metadata"), "name", t);
            cJSON_AddItemToArray(nodes, n);
        }
        free(t);
    }
    free(text);
    cJSON *vols = section(r->cluster, "volumes", false);
    cJSON *state = cJSON_AddObjectToObject(vols, r->cluster_volume);
    cJSON_AddItemToObject(state, "nodes", nodes);
}

static void read_execs(reading *r)
{
    long s1_failed = 0, m1_calls = 0, m1_ok = 0;
    bool s1_seen = false, s1_ok = false;
    for (size_t i = 0; i < r->d->count; i++) {
        const rec_exchange *e = &r->d->exchanges[i];
        if (e->seq < r->start_seq || strcmp(e->method, "POST") || !about_cluster(r, e, "/exec") || e->status != 201)
            continue;
        exec_call c = read_exec(r, i, e);
        if (is_s1(c.script) && !s1_ok) {
            s1_seen = true;
            if (c.exit_code == 0) {
                s1_ok = true;
                stale_nodes(r, &c);
            } else {
                s1_failed++;
            }
        }
        if (strstr(c.script, "get secret openshell-cli-client")) {
            m1_calls++;
            if (c.exit_code == 0 && !m1_ok)
                m1_ok = m1_calls;
        }
        free(c.script);
        free(c.out);
    }
    if (s1_seen && !s1_ok)
        cJSON_AddStringToObject(r->cluster, "api_ready_after_s1", "never");
    else if (s1_failed)
        cJSON_AddNumberToObject(r->cluster, "api_ready_after_s1", (double)s1_failed);
    if (m1_calls && !m1_ok)
        cJSON_AddBoolToObject(section(r->cluster, "secret", false), "never", true);
    else if (m1_ok > 1)
        cJSON_AddNumberToObject(section(r->cluster, "secret", false), "after_m1", (double)m1_ok);
}

/* ---- Error answers as faults --------------------------------------------------------- */

static char *fault_path(const rec_exchange *e)
{
    osh_buf b = OSH_BUF_INIT;
    const char *p = upath(e);
    while (*p) {
        size_t n = strcspn(p + 1, "/") + 1;
        bool hex = n == 65;
        for (size_t k = 1; hex && k < n; k++)
            hex = (p[k] >= '0' && p[k] <= '9') || (p[k] >= 'a' && p[k] <= 'f');
        if (hex)
            osh_buf_append_str(&b, "/*");
        else
            osh_buf_append(&b, p, n);
        p += n;
    }
    return osh_buf_detach(&b);
}

static void read_faults(reading *r)
{
    cJSON *faults = NULL;
    for (size_t i = 0; i < r->d->count; i++) {
        const rec_exchange *e = &r->d->exchanges[i];
        if (e->status < 500)
            continue;
        char *path = fault_path(e);
        long nth = 0;
        for (size_t k = 0; k <= i; k++) {
            char *other = fault_path(&r->d->exchanges[k]);
            nth += !strcmp(other, path) && !strcmp(r->d->exchanges[k].method, e->method);
            free(other);
        }
        if (!faults)
            faults = section(r->docker, "faults", true);
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "method", e->method);
        cJSON_AddStringToObject(f, "path", path);
        cJSON_AddNumberToObject(f, "nth", (double)nth);
        cJSON_AddNumberToObject(f, "status", e->status);
        char *body = answer_text(e);
        cJSON_AddStringToObject(f, "body", body);
        const char *ct = rec_response_header(e, "Content-Type");
        if (ct)
            cJSON_AddStringToObject(f, "content_type", ct);
        char *why = osh_str_printf("recorded exchange #%ld", e->seq);
        cJSON_AddStringToObject(f, "comment", why);
        cJSON_AddItemToArray(faults, f);
        free(why);
        free(body);
        free(path);
    }
}

/* Containers of a listing (GET /containers/json) that publish a host port and that the
 * client did not create: they are what a port-conflict check sees. Their create body is
 * rebuilt from the listing (Image, Command, Labels, Ports). */
static void read_listing(reading *r, size_t i, const rec_exchange *e)
{
    cJSON *a = answer_json(e);
    const cJSON *c;
    cJSON_ArrayForEach(c, a) {
        const cJSON *name = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c, "Names"), 0);
        const cJSON *image = cJSON_GetObjectItemCaseSensitive(c, "Image"), *id = cJSON_GetObjectItemCaseSensitive(c, "Id");
        const cJSON *ports = cJSON_GetObjectItemCaseSensitive(c, "Ports"), *port;
        cJSON *bindings = cJSON_CreateObject(), *exposed = cJSON_CreateObject();
        cJSON_ArrayForEach(port, ports) {
            const cJSON *pub = cJSON_GetObjectItemCaseSensitive(port, "PublicPort");
            const cJSON *priv = cJSON_GetObjectItemCaseSensitive(port, "PrivatePort");
            const cJSON *type = cJSON_GetObjectItemCaseSensitive(port, "Type");
            const cJSON *ip = cJSON_GetObjectItemCaseSensitive(port, "IP");
            if (!cJSON_IsNumber(pub) || !cJSON_IsNumber(priv) || (cJSON_IsString(ip) && strchr(ip->valuestring, ':')))
                continue;
            char *key = osh_str_printf("%d/%s", priv->valueint, cJSON_IsString(type) ? type->valuestring : "tcp");
            char *hp = osh_str_printf("%d", pub->valueint);
            if (!cJSON_GetObjectItemCaseSensitive(bindings, key)) {
                cJSON *b = cJSON_CreateObject();
                cJSON_AddStringToObject(b, "HostIp", cJSON_IsString(ip) ? ip->valuestring : "0.0.0.0");
                cJSON_AddStringToObject(b, "HostPort", hp);
                cJSON_AddItemToArray(cJSON_AddArrayToObject(bindings, key), b);
                cJSON_AddObjectToObject(exposed, key);
            }
            free(key);
            free(hp);
        }
        const char *cname = cJSON_IsString(name) ? name->valuestring + (name->valuestring[0] == '/') : NULL;
        cJSON *ctrs = section(r->docker, "containers", true);
        if (bindings->child && cname && cJSON_IsString(image) && cJSON_IsString(id) &&
            !osh_str_starts_with(image->valuestring, "sha256:") && !listed(ctrs, "name", cname) &&
            !created_before(r, i, "/containers/create", cname)) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "name", cname);
            cJSON_AddStringToObject(x, "id", id->valuestring);
            cJSON *create = cJSON_AddObjectToObject(x, "create");
            cJSON_AddStringToObject(create, "Image", image->valuestring);
            const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(c, "Command");
            /* the listing joins Entrypoint and Cmd: the first word as Entrypoint keeps the
             * image's Cmd from applying */
            cJSON *ep = cJSON_AddArrayToObject(create, "Entrypoint"), *argv = cJSON_AddArrayToObject(create, "Cmd");
            char *text = osh_str_dup(cJSON_IsString(cmd) ? cmd->valuestring : "sh"), *save = NULL;
            for (char *w = strtok_r(text, " ", &save); w; w = strtok_r(NULL, " ", &save))
                cJSON_AddItemToArray(ep->child ? argv : ep, cJSON_CreateString(w));
            free(text);
            cJSON_AddItemToObject(create, "ExposedPorts", exposed);
            exposed = NULL;
            cJSON_AddItemToObject(cJSON_AddObjectToObject(create, "HostConfig"), "PortBindings", bindings);
            bindings = NULL;
            const cJSON *state = cJSON_GetObjectItemCaseSensitive(c, "State");
            cJSON_AddStringToObject(x, "state", cJSON_IsString(state) && !strcmp(state->valuestring, "running")
                                                    ? "running" : "exited");
            cJSON_AddItemToArray(ctrs, x);
        }
        cJSON_Delete(bindings);
        cJSON_Delete(exposed);
    }
    cJSON_Delete(a);
}

/* The query value of key (decoded only for %2F, the one escape refs carry); caller frees. */
static char *query_value(const char *query, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, key, n) != 0 || p[n] != '=')
            continue;
        osh_buf b = OSH_BUF_INIT;
        for (const char *v = p + n + 1; *v && *v != '&'; v++) {
            if (strncmp(v, "%2F", 3) == 0 || strncmp(v, "%2f", 3) == 0) {
                osh_buf_append_char(&b, '/');
                v += 2;
            } else {
                osh_buf_append_char(&b, *v);
            }
        }
        return osh_buf_detach(&b);
    }
    return NULL;
}

/* Pulls: what the registry answered. A pull that streamed to its end makes the ref
 * pullable (with the id and config a later inspect showed), an errorDetail line makes it a
 * stream_error, an error status an error answer. */
static void read_pulls(reading *r)
{
    for (size_t i = 0; i < r->d->count; i++) {
        const rec_exchange *e = &r->d->exchanges[i];
        char *from = is(e, "POST", "/images/create", NULL) ? query_value(e->query, "fromImage") : NULL;
        if (!from)
            continue;
        char *tag = query_value(e->query, "tag");
        char *ref = tag && tag[0] ? osh_str_printf("%s:%s", from, tag) : osh_str_dup(from);
        cJSON *pullable = section(r->docker, "pullable", true);
        char *text = answer_text(e);
        if (!listed(pullable, "ref", ref)) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "ref", ref);
            const char *detail = strstr(text, "\"errorDetail\"");
            if (e->status >= 400) {
                cJSON *a = cJSON_Parse(text);
                const cJSON *m = cJSON_GetObjectItemCaseSensitive(a, "message");
                cJSON *err = cJSON_AddObjectToObject(x, "error");
                cJSON_AddNumberToObject(err, "status", e->status);
                cJSON_AddStringToObject(err, "message", cJSON_IsString(m) ? m->valuestring : text);
                cJSON_Delete(a);
            } else if (detail) {
                const char *line = detail;
                while (line > text && line[-1] != '\n')
                    line--;
                char *one = osh_str_ndup(line, strcspn(line, "\n"));
                cJSON *a = cJSON_Parse(one);
                const cJSON *m = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "errorDetail"), "message");
                cJSON_AddStringToObject(x, "stream_error", cJSON_IsString(m) ? m->valuestring : "pull failed");
                cJSON_Delete(a);
                free(one);
            } else {
                for (size_t k = i + 1; k < r->d->count; k++) {
                    const rec_exchange *ins = &r->d->exchanges[k];
                    char *name = is(ins, "GET", "/images/", "/json") && ins->status == 200 ? name_in(ins, "/images/", "/json") : NULL;
                    bool same = name && strcmp(name, ref) == 0;
                    free(name);
                    if (!same)
                        continue;
                    cJSON *a = answer_json(ins);
                    const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "Id");
                    if (cJSON_IsString(id))
                        cJSON_AddStringToObject(x, "id", id->valuestring);
                    cJSON_Delete(a);
                    break;
                }
            }
            cJSON_AddItemToArray(pullable, x);
        }
        free(text);
        free(ref);
        free(tag);
        free(from);
    }
}

/* Empty sections say nothing: leave them out. */
static void drop_empty(cJSON *obj)
{
    cJSON *c = obj ? obj->child : NULL;
    while (c) {
        cJSON *next = c->next;
        if ((cJSON_IsArray(c) || cJSON_IsObject(c)) && !c->child && strcmp(c->string, "logs") != 0)
            cJSON_DeleteItemFromObjectCaseSensitive(obj, c->string);
        c = next;
    }
}

/* ---- The whole reading -------------------------------------------------------------- */

static void read_objects(reading *r)
{
    for (size_t i = 0; i < r->d->count; i++) {
        const rec_exchange *e = &r->d->exchanges[i];
        if (e->status != 200 || strcmp(e->method, "GET") != 0)
            continue;
        if (is(e, "GET", "/images/", "/json") && strcmp(upath(e), "/images/json") != 0)
            read_image(r, i, e);
        else if (is(e, "GET", "/volumes/", NULL))
            read_volume(r, i, e);
        else if (is(e, "GET", "/networks/", NULL))
            read_network(r, i, e);
        else if (is(e, "GET", "/containers/", "/json") && strcmp(upath(e), "/containers/json") != 0)
            read_container(r, i, e);
        else if (!strcmp(upath(e), "/containers/json"))
            read_listing(r, i, e);
    }
    /* a pre-existing container's image must be listed too (the id the daemon showed) */
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r->docker, "containers")) {
        const cJSON *img = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "create"), "Image");
        cJSON *images = section(r->docker, "images", true);
        if (cJSON_IsString(img) && !listed(images, "ref", img->valuestring)) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "ref", img->valuestring);
            cJSON_AddItemToArray(images, x);
        }
    }
}

cJSON *record_to_scenario(const char *file, char **error)
{
    rec_document d;
    if (rec_document_load(file, &d, error) != 0)
        return NULL;
    reading r = {.d = &d, .world = cJSON_CreateObject()};
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(d.root, "upstream");
    char *comment = osh_str_printf("world read from the recording %s (%zu exchanges, upstream %s) by "
                                   "openshell-mockd --recording-to-scenario", file, d.count,
                                   cJSON_IsString(up) ? up->valuestring : "?");
    cJSON_AddStringToObject(r.world, "comment", comment);
    free(comment);
    r.docker = cJSON_AddObjectToObject(r.world, "docker");
    r.cluster = cJSON_CreateObject();
    read_objects(&r);
    find_cluster(&r);
    find_last_start(&r);
    if (r.cluster_name && r.start_seq > 0) {
        read_health(&r);
        read_logs(&r);
        read_execs(&r);
    }
    read_pulls(&r);
    read_faults(&r);
    drop_empty(r.docker);
    if (r.cluster->child)
        cJSON_AddItemToObject(r.world, "cluster", r.cluster);
    else
        cJSON_Delete(r.cluster);
    free(r.cluster_name);
    free(r.cluster_id);
    free(r.cluster_volume);
    rec_document_free(&d);
    return r.world;
}
