/* record_scenario.c: a world scenario (docs/scenarios.md) reproducing what a recording
 * shows, for the simulator, so that a different implementation (one that makes other
 * requests) can be judged against the same situation. Read from the answers:
 *   - docker objects that existed before the client created them: images (id, config),
 *     volumes, networks, containers (create body rebuilt from inspect, state, health);
 *   - the cluster container: record_scenario_cluster.c;
 *   - pulls: pullable refs, or the registry's error;
 *   - a fault rule for every 5xx answer, at the same occurrence of its method and path.
 * It is a reading of the recording, not a proof: what the answers do not show (pods, PVs,
 * kube objects) is left to the simulator's defaults. */
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"
#include "record_scenario_internal.h"

char *scn_answer_text(const rec_exchange *e)
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

cJSON *scn_answer_json(const rec_exchange *e)
{
    char *t = scn_answer_text(e);
    cJSON *j = cJSON_Parse(t);
    free(t);
    return j;
}

const char *scn_upath(const rec_exchange *e) { return mock_http_strip_version(e->path, NULL, NULL); }

bool scn_is(const rec_exchange *e, const char *method, const char *prefix, const char *suffix)
{
    const char *p = scn_upath(e);
    return strcmp(e->method, method) == 0 && osh_str_starts_with(p, prefix) &&
           (!suffix || osh_str_ends_with(p, suffix));
}

const char *scn_query_after(const rec_exchange *e, const char *key_eq)
{
    const char *q = e->query ? strstr(e->query, key_eq) : NULL;
    return q ? q + strlen(key_eq) : NULL;
}

/* The object name in /PREFIX/{name}[SUFFIX]; caller frees. */
char *scn_name_in(const rec_exchange *e, const char *prefix, const char *suffix)
{
    const char *p = scn_upath(e) + strlen(prefix);
    size_t n = strlen(p) - (suffix && osh_str_ends_with(p, suffix) ? strlen(suffix) : 0);
    return osh_str_ndup(p, n);
}

/* Was an object of this kind created by the client before exchange i? */
bool scn_created_before(const reading *r, size_t i, const char *create_path, const char *name)
{
    for (size_t k = 0; k < i; k++) {
        const rec_exchange *e = &r->d->exchanges[k];
        if (!scn_is(e, "POST", create_path, NULL) || e->status >= 300)
            continue;
        const char *q = scn_query_after(e, "name=");
        cJSON *b = cJSON_ParseWithLength(e->req_body.data ? e->req_body.data : "", e->req_body.len);
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(b, "Name");
        bool same = (q && strncmp(q, name, strlen(name)) == 0) ||
                    (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0);
        cJSON_Delete(b);
        if (same)
            return true;
    }
    return false;
}

bool scn_listed(const cJSON *arr, const char *key, const char *value)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, arr) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(x, key);
        if (cJSON_IsString(v) && strcmp(v->valuestring, value) == 0)
            return true;
    }
    return false;
}

cJSON *scn_section(cJSON *parent, const char *key, bool array)
{
    cJSON *s = cJSON_GetObjectItemCaseSensitive(parent, key);
    if (!s)
        s = array ? cJSON_AddArrayToObject(parent, key) : cJSON_AddObjectToObject(parent, key);
    return s;
}

void scn_copy_keys(cJSON *to, const cJSON *from, const char *const *keys)
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
        const char *q = scn_is(e, "POST", "/images/create", NULL) ? scn_query_after(e, "fromImage=") : NULL;
        if (!q)
            continue;
        char *from = osh_str_ndup(q, strcspn(q, "&"));
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
    char *ref = scn_name_in(e, "/images/", "/json");
    if (pulled_before(r, i, ref)) {
        free(ref);
        return;
    }
    cJSON *a = scn_answer_json(e);
    cJSON *images = scn_section(r->docker, "images", true);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "Id");
    if (cJSON_IsString(id) && !scn_listed(images, "id", id->valuestring) && !osh_str_starts_with(ref, "sha256:")) {
        static const char *const keys[] = {"Cmd", "Entrypoint", "Env", "Labels", "Healthcheck", "Volumes",
                                           "WorkingDir", "User", "ExposedPorts", NULL};
        cJSON *img = cJSON_CreateObject();
        cJSON_AddStringToObject(img, "ref", ref);
        cJSON_AddStringToObject(img, "id", id->valuestring);
        cJSON *cfg = cJSON_AddObjectToObject(img, "config");
        scn_copy_keys(cfg, cJSON_GetObjectItemCaseSensitive(a, "Config"), keys);
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
    char *name = scn_name_in(e, "/volumes/", NULL);
    cJSON *vols = scn_section(r->docker, "volumes", true);
    if (!scn_created_before(r, i, "/volumes/create", name) && !scn_listed(vols, "name", name)) {
        cJSON *a = scn_answer_json(e);
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
    char *name = scn_name_in(e, "/networks/", NULL);
    cJSON *nets = scn_section(r->docker, "networks", true);
    cJSON *a = scn_answer_json(e);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "Name"), *id = cJSON_GetObjectItemCaseSensitive(a, "Id");
    bool builtin = cJSON_IsString(n) && (!strcmp(n->valuestring, "bridge") || !strcmp(n->valuestring, "host") ||
                                         !strcmp(n->valuestring, "none"));
    if (cJSON_IsString(n) && cJSON_IsString(id) && !builtin && !scn_created_before(r, i, "/networks/create", n->valuestring) &&
        !scn_listed(nets, "name", n->valuestring)) {
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
    char *name = scn_name_in(e, "/containers/", "/json");
    cJSON *ctrs = scn_section(r->docker, "containers", true);
    cJSON *a = scn_answer_json(e);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "Name"), *id = cJSON_GetObjectItemCaseSensitive(a, "Id");
    const char *cname = cJSON_IsString(n) ? n->valuestring + (n->valuestring[0] == '/') : name;
    if (cJSON_IsString(id) && !scn_created_before(r, i, "/containers/create", cname) && !scn_listed(ctrs, "name", cname)) {
        static const char *const cfg_keys[] = {"Image", "Hostname", "Env", "Cmd", "Entrypoint", "Labels",
                                               "Healthcheck", "ExposedPorts", NULL};
        static const char *const host_keys[] = {"Binds", "NetworkMode", "PortBindings", "Privileged",
                                                "RestartPolicy", "CgroupnsMode", NULL};
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", cname);
        cJSON_AddStringToObject(c, "id", id->valuestring);
        cJSON *create = cJSON_AddObjectToObject(c, "create");
        scn_copy_keys(create, cJSON_GetObjectItemCaseSensitive(a, "Config"), cfg_keys);
        cJSON *hc = cJSON_AddObjectToObject(create, "HostConfig");
        scn_copy_keys(hc, cJSON_GetObjectItemCaseSensitive(a, "HostConfig"), host_keys);
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

/* ---- Error answers as faults --------------------------------------------------------- */

static char *fault_path(const rec_exchange *e)
{
    osh_buf b = OSH_BUF_INIT;
    const char *p = scn_upath(e);
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
            faults = scn_section(r->docker, "faults", true);
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "method", e->method);
        cJSON_AddStringToObject(f, "path", path);
        cJSON_AddNumberToObject(f, "nth", (double)nth);
        cJSON_AddNumberToObject(f, "status", e->status);
        char *body = scn_answer_text(e);
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
    cJSON *a = scn_answer_json(e);
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
        cJSON *ctrs = scn_section(r->docker, "containers", true);
        if (bindings->child && cname && cJSON_IsString(image) && cJSON_IsString(id) &&
            !osh_str_starts_with(image->valuestring, "sha256:") && !scn_listed(ctrs, "name", cname) &&
            !scn_created_before(r, i, "/containers/create", cname)) {
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
        char *from = scn_is(e, "POST", "/images/create", NULL) ? query_value(e->query, "fromImage") : NULL;
        if (!from)
            continue;
        char *tag = query_value(e->query, "tag");
        char *ref = tag && tag[0] ? osh_str_printf("%s:%s", from, tag) : osh_str_dup(from);
        cJSON *pullable = scn_section(r->docker, "pullable", true);
        char *text = scn_answer_text(e);
        if (!scn_listed(pullable, "ref", ref)) {
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
                    char *name = scn_is(ins, "GET", "/images/", "/json") && ins->status == 200 ? scn_name_in(ins, "/images/", "/json") : NULL;
                    bool same = name && strcmp(name, ref) == 0;
                    free(name);
                    if (!same)
                        continue;
                    cJSON *a = scn_answer_json(ins);
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
        if (scn_is(e, "GET", "/images/", "/json") && strcmp(scn_upath(e), "/images/json") != 0)
            read_image(r, i, e);
        else if (scn_is(e, "GET", "/volumes/", NULL))
            read_volume(r, i, e);
        else if (scn_is(e, "GET", "/networks/", NULL))
            read_network(r, i, e);
        else if (scn_is(e, "GET", "/containers/", "/json") && strcmp(scn_upath(e), "/containers/json") != 0)
            read_container(r, i, e);
        else if (!strcmp(scn_upath(e), "/containers/json"))
            read_listing(r, i, e);
    }
    /* a pre-existing container's image must be listed too (the id the daemon showed) */
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r->docker, "containers")) {
        const cJSON *img = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "create"), "Image");
        cJSON *images = scn_section(r->docker, "images", true);
        if (cJSON_IsString(img) && !scn_listed(images, "ref", img->valuestring)) {
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
    scn_read_cluster(&r);
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
