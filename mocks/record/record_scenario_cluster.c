/* record_scenario_cluster.c: the cluster container in a recording (the part of
 * --recording-to-scenario that fills the world's "cluster" section): which container it is,
 * its health per inspection since its last start, its exit, the lines its followed log
 * stream delivered, the S1 calls before the API answered, stale nodes on a kept volume, and
 * the M1 call that first returned the secret. */
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"
#include "record_scenario_internal.h"

/* ---- The cluster container --------------------------------------------------------- */

/* The last container the client created whose Cmd starts with "server" or which binds a
 * volume at /var/lib/rancher/k3s; its name and volume. */
static void find_cluster(reading *r)
{
    for (size_t i = 0; i < r->d->count; i++) {
        const rec_exchange *e = &r->d->exchanges[i];
        if (!scn_is(e, "POST", "/containers/create", NULL) || e->status != 201)
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
        const char *q = scn_query_after(e, "name=");
        if ((server || volume) && q) {
            free(r->cluster_name);
            free(r->cluster_volume);
            r->cluster_name = osh_str_ndup(q, strcspn(q, "&"));
            r->cluster_volume = volume;
            volume = NULL;
            cJSON *a = scn_answer_json(e);
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
    if (!r->cluster_name || !scn_is(e, e->method, "/containers/", suffix))
        return false;
    char *who = scn_name_in(e, "/containers/", suffix);
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
        cJSON *a = scn_answer_json(e);
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
        if (!strcmp(e->method, method) && !strcmp(scn_upath(e), path))
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
    cJSON *a = scn_answer_json(create);
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
            if (strcmp(e->method, "GET") || strcmp(scn_upath(e), json))
                continue;
            cJSON *ins = scn_answer_json(e);
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
    if (!r->cluster_volume || !scn_listed(cJSON_GetObjectItemCaseSensitive(r->docker, "volumes"), "name", r->cluster_volume))
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
    cJSON *vols = scn_section(r->cluster, "volumes", false);
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
        cJSON_AddBoolToObject(scn_section(r->cluster, "secret", false), "never", true);
    else if (m1_ok > 1)
        cJSON_AddNumberToObject(scn_section(r->cluster, "secret", false), "after_m1", (double)m1_ok);
}

void scn_read_cluster(reading *r)
{
    find_cluster(r);
    find_last_start(r);
    if (r->cluster_name && r->start_seq > 0) {
        read_health(r);
        read_logs(r);
        read_execs(r);
    }
}
