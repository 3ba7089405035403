/* record_doc.c: one exchange in memory and as JSON (docs/recording.md), and loading a
 * whole recording with errors that name the file and the position. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "osh_base64.h"
#include "osh_file.h"
#include "osh_str.h"
#include "record_internal.h"

double rec_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void rec_exchange_free(rec_exchange *e)
{
    free(e->method);
    free(e->path);
    free(e->query);
    cJSON_Delete(e->req_headers);
    osh_buf_free(&e->req_body);
    cJSON_Delete(e->res_headers);
    osh_buf_free(&e->res_body);
    for (size_t i = 0; i < e->chunk_count; i++)
        osh_buf_free(&e->chunks[i].data);
    free(e->chunks);
    free(e->end);
    free(e->error);
    cJSON_Delete(e->redacted);
    memset(e, 0, sizeof *e);
}

rec_chunk *rec_exchange_add_chunk(rec_exchange *e, rec_dir dir, double t_ms, long after,
                                  const void *data, size_t len)
{
    if (e->chunk_count == e->chunk_cap) {
        e->chunk_cap = e->chunk_cap ? e->chunk_cap * 2 : 8;
        e->chunks = realloc(e->chunks, e->chunk_cap * sizeof *e->chunks);
        if (!e->chunks)
            abort();
    }
    rec_chunk *c = &e->chunks[e->chunk_count++];
    memset(c, 0, sizeof *c);
    c->dir = dir;
    c->t_ms = t_ms;
    c->after = after;
    c->stream = -1;
    osh_buf_append(&c->data, data, len);
    return c;
}

const char *rec_response_header(const rec_exchange *e, const char *name)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, e->res_headers) {
        const cJSON *n = cJSON_GetArrayItem(h, 0), *v = cJSON_GetArrayItem(h, 1);
        if (cJSON_IsString(n) && cJSON_IsString(v) && osh_str_ieq(n->valuestring, name))
            return v->valuestring;
    }
    return NULL;
}

/* ---- Multiplexed framing ---------------------------------------------------------- */

/* The whole out stream parses as 8-byte-headed frames (stream 0..2, three zero bytes,
 * big-endian size) ending exactly at its end. */
static bool parses_as_frames(const osh_buf *all)
{
    size_t pos = 0, frames = 0;
    const unsigned char *p = (const unsigned char *)all->data;
    while (pos + 8 <= all->len) {
        if (p[pos] > 2 || p[pos + 1] || p[pos + 2] || p[pos + 3])
            return false;
        uint32_t size = (uint32_t)p[pos + 4] << 24 | (uint32_t)p[pos + 5] << 16 |
                        (uint32_t)p[pos + 6] << 8 | p[pos + 7];
        if (size > all->len - pos - 8)
            return false;
        pos += 8 + size;
        frames++;
    }
    return frames > 0 && pos == all->len;
}

void rec_exchange_frame(rec_exchange *e)
{
    osh_buf all = OSH_BUF_INIT;
    size_t outs = 0;
    for (size_t i = 0; i < e->chunk_count; i++)
        if (e->chunks[i].dir == REC_OUT) {
            osh_buf_append(&all, e->chunks[i].data.data, e->chunks[i].data.len);
            outs++;
        }
    if (outs == 0 || !parses_as_frames(&all)) {
        osh_buf_free(&all);
        return;
    }
    /* Rebuild the chunk list: in-chunks kept, out-chunks replaced by frames timed by the
     * read that completed them. */
    rec_exchange framed = {0};
    size_t pos = 0, read_end = 0, ci = 0;
    const unsigned char *p = (const unsigned char *)all.data;
    for (size_t i = 0; i < e->chunk_count; i++) {
        rec_chunk *c = &e->chunks[i];
        if (c->dir == REC_IN) {
            rec_exchange_add_chunk(&framed, REC_IN, c->t_ms, c->after, c->data.data, c->data.len);
            continue;
        }
        read_end += c->data.len;
        while (pos + 8 <= all.len) {
            uint32_t size = (uint32_t)p[pos + 4] << 24 | (uint32_t)p[pos + 5] << 16 |
                            (uint32_t)p[pos + 6] << 8 | p[pos + 7];
            if (pos + 8 + size > read_end)
                break;
            rec_chunk *f = rec_exchange_add_chunk(&framed, REC_OUT, c->t_ms, c->after,
                                                  all.data + pos + 8, size);
            f->stream = p[pos];
            pos += 8 + size;
        }
        ci++;
    }
    (void)ci;
    for (size_t i = 0; i < e->chunk_count; i++)
        osh_buf_free(&e->chunks[i].data);
    free(e->chunks);
    e->chunks = framed.chunks;
    e->chunk_count = framed.chunk_count;
    e->chunk_cap = framed.chunk_cap;
    e->multiplexed = true;
    osh_buf_free(&all);
}

/* ---- Bytes as JSON ---------------------------------------------------------------- */

static bool is_utf8_text(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (c == 0 || n == 0 || i + n > len)
            return false;
        for (size_t k = 1; k < n; k++)
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
        if (n == 2 && c < 0xC2)
            return false;
        i += n;
    }
    return true;
}

void rec_json_add_bytes(cJSON *obj, const char *key, const char *data, size_t len)
{
    if (is_utf8_text(data ? data : "", len)) {
        char *s = osh_str_ndup(data ? data : "", len);
        cJSON_AddStringToObject(obj, key, s);
        free(s);
        return;
    }
    osh_buf b = OSH_BUF_INIT;
    osh_base64_encode(&b, data, len);
    char *k = osh_str_printf("%s_base64", key);
    cJSON_AddStringToObject(obj, k, osh_buf_str(&b));
    free(k);
    osh_buf_free(&b);
}

int rec_json_get_bytes(const cJSON *obj, const char *key, osh_buf *out, bool *present)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, key);
    char *k = osh_str_printf("%s_base64", key);
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(obj, k);
    free(k);
    *present = t || b;
    if (t && !cJSON_IsString(t))
        return -1;
    if (t) {
        osh_buf_append(out, t->valuestring, strlen(t->valuestring));
        return 0;
    }
    if (b && (!cJSON_IsString(b) || !osh_base64_decode(out, b->valuestring, strlen(b->valuestring))))
        return -2;
    return 0;
}

/* ---- Exchange to JSON ------------------------------------------------------------- */

static const char *const stream_names[] = {"stdin", "stdout", "stderr"};

static cJSON *chunks_to_json(const rec_exchange *e)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < e->chunk_count; i++) {
        const rec_chunk *c = &e->chunks[i];
        cJSON *f = cJSON_CreateObject();
        cJSON_AddNumberToObject(f, "t_ms", (double)(long)(c->t_ms * 10) / 10);
        cJSON_AddNumberToObject(f, "after", (double)c->after);
        if (e->kind == REC_UPGRADE)
            cJSON_AddStringToObject(f, "dir", c->dir == REC_IN ? "in" : "out");
        if (c->stream >= 0)
            cJSON_AddStringToObject(f, "stream", stream_names[c->stream]);
        rec_json_add_bytes(f, "data", c->data.data, c->data.len);
        cJSON_AddItemToArray(arr, f);
    }
    return arr;
}

cJSON *rec_exchange_to_json(const rec_exchange *e)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "seq", (double)e->seq);
    cJSON_AddNumberToObject(j, "t_ms", (double)(long)(e->t_ms * 10) / 10);
    cJSON *req = cJSON_AddObjectToObject(j, "request");
    cJSON_AddStringToObject(req, "method", e->method);
    cJSON_AddStringToObject(req, "path", e->path);
    cJSON_AddStringToObject(req, "query", e->query ? e->query : "");
    cJSON_AddItemToObject(req, "headers", cJSON_Duplicate(e->req_headers, true));
    rec_json_add_bytes(req, "body", e->req_body.data, e->req_body.len);
    cJSON *res = cJSON_AddObjectToObject(j, "response");
    if (e->status == 0) {
        cJSON_AddNumberToObject(res, "status", 0);
        cJSON_AddStringToObject(res, "error", e->error ? e->error : "no answer");
    } else {
        cJSON_AddNumberToObject(res, "status", e->status);
        cJSON_AddItemToObject(res, "headers", cJSON_Duplicate(e->res_headers, true));
        if (e->kind == REC_BODY) {
            rec_json_add_bytes(res, "body", e->res_body.data, e->res_body.len);
        } else {
            cJSON *s = cJSON_AddObjectToObject(res, e->kind == REC_STREAM ? "stream" : "upgraded");
            cJSON_AddStringToObject(s, "framing", e->multiplexed ? "multiplexed" : "raw");
            cJSON_AddItemToObject(s, "frames", chunks_to_json(e));
            cJSON_AddStringToObject(s, "end", e->end ? e->end : "complete");
            cJSON_AddNumberToObject(s, "end_t_ms", (double)(long)(e->end_ms * 10) / 10);
            cJSON_AddNumberToObject(s, "end_after", (double)e->end_after);
        }
    }
    if (e->redacted && cJSON_GetArraySize(e->redacted) > 0)
        cJSON_AddItemToObject(j, "redacted", cJSON_Duplicate(e->redacted, true));
    return j;
}

/* ---- Exchange from JSON ----------------------------------------------------------- */

#define FAIL(...) do { *error = osh_str_printf(__VA_ARGS__); return -1; } while (0)

static int get_number(const cJSON *o, const char *key, double min, double max, double *out)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(n) || n->valuedouble < min || n->valuedouble > max)
        return -1;
    *out = n->valuedouble;
    return 0;
}

static int get_string(const cJSON *o, const char *key, char **out)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(s))
        return -1;
    *out = osh_str_dup(s->valuestring);
    return 0;
}

static int stream_from_json(const cJSON *s, const char *at, rec_exchange *e, char **error)
{
    const cJSON *framing = cJSON_GetObjectItemCaseSensitive(s, "framing");
    if (!cJSON_IsString(framing) || (strcmp(framing->valuestring, "raw") != 0 &&
                                     strcmp(framing->valuestring, "multiplexed") != 0))
        FAIL("%s.framing: expected \"raw\" or \"multiplexed\"", at);
    e->multiplexed = strcmp(framing->valuestring, "multiplexed") == 0;
    const cJSON *frames = cJSON_GetObjectItemCaseSensitive(s, "frames");
    if (!cJSON_IsArray(frames))
        FAIL("%s.frames: expected an array", at);
    size_t i = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, frames) {
        double t, after;
        if (!cJSON_IsObject(f))
            FAIL("%s.frames[%zu]: expected an object", at, i);
        if (get_number(f, "t_ms", 0, 1e12, &t) != 0 || get_number(f, "after", 0, 1e12, &after) != 0)
            FAIL("%s.frames[%zu]: t_ms and after: expected numbers >= 0", at, i);
        const cJSON *dir = cJSON_GetObjectItemCaseSensitive(f, "dir");
        rec_dir d = REC_OUT;
        if (dir && (!cJSON_IsString(dir) || (strcmp(dir->valuestring, "in") && strcmp(dir->valuestring, "out"))))
            FAIL("%s.frames[%zu].dir: expected \"in\" or \"out\"", at, i);
        if (dir && strcmp(dir->valuestring, "in") == 0)
            d = REC_IN;
        osh_buf data = OSH_BUF_INIT;
        bool present;
        if (rec_json_get_bytes(f, "data", &data, &present) != 0 || !present) {
            osh_buf_free(&data);
            FAIL("%s.frames[%zu]: data or data_base64: expected a string (valid base64)", at, i);
        }
        rec_chunk *c = rec_exchange_add_chunk(e, d, t, (long)after, data.data, data.len);
        osh_buf_free(&data);
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(f, "stream");
        if (e->multiplexed && d == REC_OUT) {
            int k = -1;
            for (int n = 0; n < 3 && cJSON_IsString(st); n++)
                if (strcmp(st->valuestring, stream_names[n]) == 0)
                    k = n;
            if (k < 0)
                FAIL("%s.frames[%zu].stream: expected \"stdin\", \"stdout\" or \"stderr\"", at, i);
            c->stream = k;
        }
        i++;
    }
    double end_ms = 0, end_after = 0;
    if (get_string(s, "end", &e->end) != 0)
        FAIL("%s.end: expected a string", at);
    if (get_number(s, "end_t_ms", 0, 1e12, &end_ms) != 0 || get_number(s, "end_after", 0, 1e12, &end_after) != 0)
        FAIL("%s: end_t_ms and end_after: expected numbers >= 0", at);
    e->end_ms = end_ms;
    e->end_after = (long)end_after;
    return 0;
}

static int response_from_json(const cJSON *res, const char *at, rec_exchange *e, char **error)
{
    double status;
    if (!cJSON_IsObject(res))
        FAIL("%s.response: expected an object", at);
    if (get_number(res, "status", 0, 599, &status) != 0 || (status != 0 && status < 100) ||
        status != (double)(int)status)
        FAIL("%s.response.status: expected an integer 100..599 (0: no answer)", at);
    e->status = (int)status;
    if (e->status == 0) {
        if (get_string(res, "error", &e->error) != 0)
            FAIL("%s.response.error: expected a string (status 0)", at);
        return 0;
    }
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(res, "headers"), *pair;
    if (!cJSON_IsArray(h))
        FAIL("%s.response.headers: expected an array of [name, value]", at);
    cJSON_ArrayForEach(pair, h)
        if (cJSON_GetArraySize(pair) != 2 || !cJSON_IsString(cJSON_GetArrayItem(pair, 0)) ||
            !cJSON_IsString(cJSON_GetArrayItem(pair, 1)))
            FAIL("%s.response.headers: expected an array of [name, value]", at);
    e->res_headers = cJSON_Duplicate(h, true);
    const cJSON *stream = cJSON_GetObjectItemCaseSensitive(res, "stream");
    const cJSON *upgraded = cJSON_GetObjectItemCaseSensitive(res, "upgraded");
    char *sub = osh_str_printf("%s.response.%s", at, stream ? "stream" : "upgraded");
    int rc = 0;
    if (stream || upgraded) {
        e->kind = stream ? REC_STREAM : REC_UPGRADE;
        rc = cJSON_IsObject(stream ? stream : upgraded)
                 ? stream_from_json(stream ? stream : upgraded, sub, e, error)
                 : (*error = osh_str_printf("%s: expected an object", sub), -1);
    } else {
        bool present;
        e->kind = REC_BODY;
        if (rec_json_get_bytes(res, "body", &e->res_body, &present) != 0 || !present)
            *error = osh_str_printf("%s.response: body, body_base64, stream or upgraded: expected one", at), rc = -1;
    }
    free(sub);
    return rc;
}

int rec_exchange_from_json(const cJSON *j, size_t index, rec_exchange *e, char **error)
{
    memset(e, 0, sizeof *e);
    char *at = osh_str_printf("exchanges[%zu]", index);
    int rc = -1;
    double seq, t;
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(j, "request");
    bool present;
    if (!cJSON_IsObject(j))
        *error = osh_str_printf("%s: expected an object", at);
    else if (get_number(j, "seq", 1, 1e12, &seq) != 0 || get_number(j, "t_ms", 0, 1e12, &t) != 0)
        *error = osh_str_printf("%s: seq (>= 1) and t_ms (>= 0): expected numbers", at);
    else if (!cJSON_IsObject(req))
        *error = osh_str_printf("%s.request: expected an object", at);
    else if (get_string(req, "method", &e->method) != 0 || get_string(req, "path", &e->path) != 0 ||
             get_string(req, "query", &e->query) != 0 || e->path[0] != '/')
        *error = osh_str_printf("%s.request: method, path (starting with /) and query: expected strings", at);
    else if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(req, "headers")))
        *error = osh_str_printf("%s.request.headers: expected an object", at);
    else if (rec_json_get_bytes(req, "body", &e->req_body, &present) != 0)
        *error = osh_str_printf("%s.request.body: expected a string (body_base64: valid base64)", at);
    else
        rc = response_from_json(cJSON_GetObjectItemCaseSensitive(j, "response"), at, e, error);
    if (rc == 0) {
        e->seq = (long)seq;
        e->t_ms = t;
        e->req_headers = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(req, "headers"), true);
        const cJSON *red = cJSON_GetObjectItemCaseSensitive(j, "redacted");
        e->redacted = red ? cJSON_Duplicate(red, true) : NULL;
    } else {
        rec_exchange_free(e);
    }
    free(at);
    return rc;
}

/* ---- Whole document ---------------------------------------------------------------- */

static void line_column(const char *text, size_t offset, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < offset && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* Recordings keep every body (docker load of a large image makes a large one); this only
 * stops a mistaken path from being read forever. */
#define REC_DOCUMENT_FILE_MAX ((size_t)1024 * 1024 * 1024)

static char *read_recording(const char *path, size_t *len, char **error)
{
    char *why = NULL;
    char *text = osh_file_read(path, REC_DOCUMENT_FILE_MAX, len, &why);
    if (!text)
        *error = errno == EFBIG ? osh_str_printf("%s: cannot read recording: larger than %zu bytes", path,
                                                 REC_DOCUMENT_FILE_MAX)
                                : osh_str_printf("%s: cannot read recording: %s", path, strerror(errno));
    free(why);
    return text;
}

static int compare_seq(const void *a, const void *b)
{
    long x = ((const rec_exchange *)a)->seq, y = ((const rec_exchange *)b)->seq;
    return x < y ? -1 : x > y;
}

static int check_header(const rec_document *d, char **error)
{
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(d->root, "format");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(d->root, "version");
    if (!cJSON_IsObject(d->root))
        FAIL("%s: not a recording: expected a JSON object", d->path);
    if (!cJSON_IsString(format) || strcmp(format->valuestring, RECORD_FORMAT) != 0)
        FAIL("%s: format: expected \"%s\"", d->path, RECORD_FORMAT);
    if (!cJSON_IsNumber(version))
        FAIL("%s: version: expected a number", d->path);
    if (version->valuedouble != RECORD_VERSION)
        FAIL("%s: version %g is not supported (this openshell-mockd reads version %d)", d->path,
             version->valuedouble, RECORD_VERSION);
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(d->root, "exchanges")))
        FAIL("%s: exchanges: expected an array", d->path);
    return 0;
}

int rec_document_load(const char *path, rec_document *d, char **error)
{
    memset(d, 0, sizeof *d);
    d->path = osh_str_dup(path);
    size_t len = 0;
    char *text = read_recording(path, &len, error);
    if (!text) {
        rec_document_free(d);
        return -1;
    }
    const char *end = NULL;
    d->root = cJSON_ParseWithLengthOpts(text, len + 1, &end, true);
    if (!d->root) {
        size_t line, col, off = end ? (size_t)(end - text) : 0;
        line_column(text, off, &line, &col);
        size_t last = len;
        while (last > 0 && strchr(" \t\r\n", text[last - 1]))
            last--;
        bool truncated = last == 0 || text[last - 1] != '}';
        *error = osh_str_printf("%s:%zu:%zu: invalid recording: JSON syntax error at byte %zu%s",
                                path, line, col, off, truncated ? " (the file ends early: truncated?)" : "");
        free(text);
        rec_document_free(d);
        return -1;
    }
    free(text);
    if (check_header(d, error) != 0) {
        rec_document_free(d);
        return -1;
    }
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(d->root, "exchanges"), *x;
    size_t n = (size_t)cJSON_GetArraySize(arr);
    d->exchanges = calloc(n ? n : 1, sizeof *d->exchanges);
    if (!d->exchanges)
        abort();
    cJSON_ArrayForEach(x, arr) {
        char *why = NULL;
        if (rec_exchange_from_json(x, d->count, &d->exchanges[d->count], &why) != 0) {
            *error = osh_str_printf("%s: %s", path, why);
            free(why);
            rec_document_free(d);
            return -1;
        }
        for (size_t k = 0; k < d->count; k++)
            if (d->exchanges[k].seq == d->exchanges[d->count].seq) {
                *error = osh_str_printf("%s: exchanges[%zu].seq: %ld is used twice (also exchanges[%zu])",
                                        path, d->count, d->exchanges[k].seq, k);
                d->count++;
                rec_document_free(d);
                return -1;
            }
        d->count++;
    }
    qsort(d->exchanges, d->count, sizeof *d->exchanges, compare_seq);
    return 0;
}

void rec_document_free(rec_document *d)
{
    for (size_t i = 0; i < d->count; i++)
        rec_exchange_free(&d->exchanges[i]);
    free(d->exchanges);
    cJSON_Delete(d->root);
    free(d->path);
    memset(d, 0, sizeof *d);
}
