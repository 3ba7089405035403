/* docker_state.c: the objects of one mock Docker Engine: IDs, times, lookups the way dockerd
 * resolves references (full ID, name, unique ID prefix), adding and freeing objects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker_internal.h"
#include "osh_str.h"

/* xorshift64*: IDs only need to be unique and look like dockerd's, not be secret. */
static void xorshift_hex(uint64_t *rng, char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        *rng ^= *rng >> 12;
        *rng ^= *rng << 25;
        *rng ^= *rng >> 27;
        out[i] = hex[((*rng * 2685821657736338717ULL) >> 60) & 15];
    }
    out[n] = '\0';
}

void dk_random_hex(mock_docker *d, char *out, size_t n)
{
    xorshift_hex(&d->rng, out, n);
}

/* FNV-1a of the seed starts the same generator: equal seeds, equal digits. */
void dk_derived_hex(const char *seed, char *out, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)seed; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    if (!h)
        h = 1;
    xorshift_hex(&h, out, n);
}

int64_t dk_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void dk_format_time(int64_t ns, char *out, size_t size)
{
    if (ns <= 0) {
        snprintf(out, size, "0001-01-01T00:00:00Z");
        return;
    }
    time_t secs = (time_t)(ns / 1000000000LL);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, size, "%s.%09lldZ", base, (long long)(ns % 1000000000LL));
}

const char *dk_status_name(dk_status s)
{
    static const char *const names[] = {"created", "running", "exited", "restarting",
                                        "paused", "dead"};
    return names[s];
}

bool dk_valid_name(const char *name)
{
    if (!name || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
                   (name[0] >= '0' && name[0] <= '9')))
        return false;
    size_t i = 1;
    for (; name[i]; i++) {
        char ch = name[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
        if (!ok)
            return false;
    }
    return i >= 2;
}

const cJSON *dk_body_get(const cJSON *body, const char *key)
{
    return body ? cJSON_GetObjectItemCaseSensitive(body, key) : NULL;
}

const char *dk_body_str(const cJSON *body, const char *key)
{
    const cJSON *v = dk_body_get(body, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

const cJSON *dk_host_config(const dk_container *c)
{
    return dk_body_get(c->body, "HostConfig");
}

char *dk_effective_hostname(const dk_container *c)
{
    const char *h = dk_body_str(c->body, "Hostname");
    if (h && *h)
        return osh_str_dup(h);
    return osh_str_ndup(c->id, 12);
}

/* ---- Lookups --------------------------------------------------------------------------- */

static bool is_hex(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

dk_container *dk_find_container_by_id(mock_docker *d, const char *id)
{
    for (size_t i = 0; i < d->container_count; i++)
        if (strcmp(d->containers[i]->id, id) == 0)
            return d->containers[i];
    return NULL;
}

dk_container *dk_find_container(mock_docker *d, const char *ref)
{
    if (!ref || !*ref)
        return NULL;
    dk_container *c = dk_find_container_by_id(d, ref);
    if (c)
        return c;
    const char *name = ref[0] == '/' ? ref + 1 : ref;
    for (size_t i = 0; i < d->container_count; i++)
        if (strcmp(d->containers[i]->name, name) == 0)
            return d->containers[i];
    if (!is_hex(ref))
        return NULL;
    dk_container *found = NULL;
    for (size_t i = 0; i < d->container_count; i++) {
        if (osh_str_starts_with(d->containers[i]->id, ref)) {
            if (found)
                return NULL; /* ambiguous prefix */
            found = d->containers[i];
        }
    }
    return found;
}

dk_container *dk_lock_container_or_404(mock_docker *d, const char *ref, mock_http_response *res)
{
    if (!*ref) {
        /* dockerd's GetContainer refuses "" before any lookup (DELETE /containers/) */
        dk_error(res, 400, "invalid name or ID supplied: \"\"");
        return NULL;
    }
    pthread_mutex_lock(&d->lock);
    dk_container *c = dk_find_container(d, ref);
    if (!c) {
        dk_unlock(d);
        dk_error(res, 404, "No such container: %s", ref);
    }
    return c;
}

char *dk_normalize_ref(const char *ref)
{
    const char *r = ref;
    if (osh_str_starts_with(r, "docker.io/library/"))
        r = osh_str_after(r, "docker.io/library/");
    else
        r = osh_str_skip_prefix(r, "docker.io/");
    const char *slash = strrchr(r, '/');
    const char *colon = strrchr(r, ':');
    if (strchr(r, '@') || (colon && (!slash || colon > slash)))
        return osh_str_dup(r);
    return osh_str_printf("%s:latest", r);
}

char *dk_image_missing_ref(const char *ref)
{
    if (strlen(ref) == DK_ID_LEN && is_hex(ref))
        return osh_str_printf("sha256:%s", ref);
    return dk_normalize_ref(ref);
}

dk_image *dk_find_image_by_id(mock_docker *d, const char *id)
{
    for (size_t i = 0; i < d->image_count; i++)
        if (strcmp(d->images[i]->id, id) == 0)
            return d->images[i];
    return NULL;
}

dk_image *dk_find_image(mock_docker *d, const char *ref)
{
    if (!ref || !*ref)
        return NULL;
    dk_image *img = dk_find_image_by_id(d, ref);
    if (img)
        return img;
    char *norm = dk_normalize_ref(ref);
    for (size_t i = 0; i < d->image_count && !img; i++) {
        for (size_t t = 0; t < d->images[i]->tag_count && !img; t++)
            if (strcmp(d->images[i]->tags[t], norm) == 0)
                img = d->images[i];
        for (size_t t = 0; t < d->images[i]->digest_count && !img; t++)
            if (strcmp(d->images[i]->digests[t], norm) == 0)
                img = d->images[i];
    }
    free(norm);
    if (img)
        return img;
    const char *hex = osh_str_skip_prefix(ref, "sha256:");
    if (!is_hex(hex))
        return NULL;
    for (size_t i = 0; i < d->image_count; i++) {
        if (osh_str_starts_with(DK_IMAGE_HEX(d->images[i]), hex)) {
            if (img)
                return NULL;
            img = d->images[i];
        }
    }
    return img;
}

dk_network *dk_find_network_by_id(mock_docker *d, const char *id)
{
    for (size_t i = 0; i < d->network_count; i++)
        if (strcmp(d->networks[i]->id, id) == 0)
            return d->networks[i];
    return NULL;
}

dk_volume *dk_find_volume(mock_docker *d, const char *name)
{
    for (size_t i = 0; i < d->volume_count; i++)
        if (strcmp(d->volumes[i]->name, name) == 0)
            return d->volumes[i];
    return NULL;
}

dk_exec *dk_find_exec(mock_docker *d, const char *id)
{
    for (size_t i = 0; i < d->exec_count; i++)
        if (strcmp(d->execs[i]->id, id) == 0)
            return d->execs[i];
    return NULL;
}

/* ---- Adding and freeing ---------------------------------------------------------------- */


dk_network *dk_add_network(mock_docker *d, const char *name, const char *driver, bool builtin)
{
    dk_network *n = calloc(1, sizeof *n);
    if (!n)
        abort();
    dk_random_hex(d, n->id, DK_ID_LEN);
    n->name = osh_str_dup(name);
    n->driver = osh_str_dup(driver);
    n->builtin = builtin;
    n->subnet = d->next_subnet++;
    n->next_ip = 2;
    n->created_ns = dk_now_ns();
    n->labels = cJSON_CreateObject();
    n->options = cJSON_CreateObject();
    DK_GROW(d->networks, d->network_count);
    d->networks[d->network_count++] = n;
    return n;
}

dk_image *dk_add_image(mock_docker *d, const char *id)
{
    dk_image *img = calloc(1, sizeof *img);
    if (!img)
        abort();
    if (id && osh_str_starts_with(id, "sha256:"))
        snprintf(img->id, sizeof img->id, "%s", id);
    else if (id)
        snprintf(img->id, sizeof img->id, "sha256:%s", id);
    else {
        char hex[DK_ID_LEN + 1];
        dk_random_hex(d, hex, DK_ID_LEN);
        snprintf(img->id, sizeof img->id, "sha256:%s", hex);
    }
    img->config = cJSON_CreateObject();
    img->architecture = osh_str_dup(d->arch);
    img->os = osh_str_dup("linux");
    img->created_ns = dk_now_ns();
    img->size = 1982389;
    DK_GROW(d->images, d->image_count);
    d->images[d->image_count++] = img;
    return img;
}

void dk_image_add_tag(mock_docker *d, dk_image *img, const char *ref)
{
    char *norm = dk_normalize_ref(ref);
    /* A tag moves: whoever had it loses it. */
    for (size_t i = 0; i < d->image_count; i++)
        dk_image_remove_tag(d->images[i], norm);
    DK_GROW(img->tags, img->tag_count);
    img->tags[img->tag_count++] = norm;
}

void dk_image_remove_tag(dk_image *img, const char *ref)
{
    for (size_t t = 0; t < img->tag_count; t++) {
        if (strcmp(img->tags[t], ref) == 0) {
            free(img->tags[t]);
            memmove(&img->tags[t], &img->tags[t + 1], (img->tag_count - t - 1) * sizeof *img->tags);
            img->tag_count--;
            return;
        }
    }
}

void dk_image_add_digest(dk_image *img, const char *repo, const char *hex)
{
    char *ref = osh_str_printf("%s@sha256:%s", repo, hex);
    for (size_t i = 0; i < img->digest_count; i++)
        if (strcmp(img->digests[i], ref) == 0) {
            free(ref);
            return;
        }
    DK_GROW(img->digests, img->digest_count);
    img->digests[img->digest_count++] = ref;
}

void dk_image_remove_digests(dk_image *img, const char *repo, void (*fn)(void *, const char *), void *ctx)
{
    size_t kept = 0, len = strlen(repo);
    for (size_t i = 0; i < img->digest_count; i++) {
        char *ref = img->digests[i];
        if (strncmp(ref, repo, len) == 0 && ref[len] == '@') {
            if (fn)
                fn(ctx, ref);
            free(ref);
        } else {
            img->digests[kept++] = ref;
        }
    }
    img->digest_count = kept;
}

void dk_image_free(dk_image *img)
{
    for (size_t t = 0; t < img->digest_count; t++)
        free(img->digests[t]);
    free(img->digests);
    for (size_t t = 0; t < img->tag_count; t++)
        free(img->tags[t]);
    free(img->tags);
    cJSON_Delete(img->config);
    free(img->architecture);
    free(img->os);
    osh_buf_free(&img->layer);
    free(img);
}

void dk_remove_image(mock_docker *d, dk_image *img)
{
    for (size_t i = 0; i < d->image_count; i++) {
        if (d->images[i] == img) {
            memmove(&d->images[i], &d->images[i + 1], (d->image_count - i - 1) * sizeof *d->images);
            d->image_count--;
            break;
        }
    }
    dk_image_free(img);
}

void dk_network_free(dk_network *n)
{
    free(n->name);
    free(n->driver);
    cJSON_Delete(n->labels);
    cJSON_Delete(n->options);
    free(n);
}

void dk_volume_free(dk_volume *v)
{
    free(v->name);
    free(v->driver);
    cJSON_Delete(v->labels);
    cJSON_Delete(v->options);
    free(v);
}

void dk_script_free(dk_script *s)
{
    for (size_t i = 0; i < s->health_len; i++)
        free(s->health[i]);
    free(s->health);
    free(s->exit_error);
    for (size_t i = 0; i < s->log_count; i++)
        free(s->logs[i].text);
    free(s->logs);
    memset(s, 0, sizeof *s);
}

void dk_script_copy(dk_script *dst, const dk_script *src)
{
    memset(dst, 0, sizeof *dst);
    dst->health_len = src->health_len;
    dst->health_by_seconds = src->health_by_seconds;
    if (src->health_len) {
        dst->health = calloc(src->health_len, sizeof *dst->health);
        if (!dst->health)
            abort();
        for (size_t i = 0; i < src->health_len; i++)
            dst->health[i] = osh_str_dup(src->health[i]);
    }
    dst->exit_at_inspect = src->exit_at_inspect_set;
    dst->exit_at_inspect_set = src->exit_at_inspect_set;
    dst->exit_code = src->exit_code;
    dst->exit_error = osh_str_dup(src->exit_error);
    dst->exit_oom = src->exit_oom;
    dst->stop_code = src->stop_code;
    dst->log_count = src->log_count;
    if (src->log_count) {
        dst->logs = calloc(src->log_count, sizeof *dst->logs);
        if (!dst->logs)
            abort();
        for (size_t i = 0; i < src->log_count; i++) {
            dst->logs[i] = src->logs[i];
            dst->logs[i].text = osh_str_dup(src->logs[i].text);
        }
    }
}

void dk_container_free(dk_container *c)
{
    free(c->name);
    cJSON_Delete(c->body);
    free(c->image_ref);
    free(c->error);
    cJSON_Delete(c->health_log);
    dk_script_free(&c->script);
    for (size_t i = 0; i < c->log_count; i++)
        free(c->logs[i].text);
    free(c->logs);
    for (size_t i = 0; i < c->endpoint_count; i++) {
        cJSON_Delete(c->endpoints[i].config);
        free(c->endpoints[i].network_name);
    }
    free(c->endpoints);
    osh_buf_free(&c->inspect_body);
    dk_files_free(c);
    free(c);
}

void dk_remove_container(mock_docker *d, dk_container *c)
{
    for (size_t i = 0; i < d->container_count; i++) {
        if (d->containers[i] == c) {
            memmove(&d->containers[i], &d->containers[i + 1],
                    (d->container_count - i - 1) * sizeof *d->containers);
            d->container_count--;
            break;
        }
    }
    /* Its execs go with it, as in dockerd. */
    size_t keep = 0;
    for (size_t i = 0; i < d->exec_count; i++) {
        if (strcmp(d->execs[i]->container_id, c->id) == 0) {
            cJSON_Delete(d->execs[i]->config);
            free(d->execs[i]);
        } else {
            d->execs[keep++] = d->execs[i];
        }
    }
    d->exec_count = keep;
    dk_container_free(c);
}
