/* test_docker_archive_stream.c: archive uploads (PUT /containers/{c}/archive, POST
 * /images/load) are spooled as they arrive and unpacked from the spool, never held in memory
 * whole: a 192 MiB archive generated on the fly while it is sent leaves the front holding no
 * more than the journal's head of it (counted by the server, body_bytes_peak). Cut and
 * malformed archives answer what dockerd 20.10 answers (asked on the real daemon: Go's
 * archive/tar texts; entries before the failure stay, a cut entry keeps its bytes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk_test_client.h"
#include "mock_http.h"
#include "osh_base64.h"
#include "osh_str.h"

/* ---- A tar generated while it is sent --------------------------------------------- */

typedef struct gen_entry {
    const char *name;
    size_t size;        /* data bytes */
    const char *data;   /* NULL: a compressible pattern of size bytes */
} gen_entry;

typedef struct tar_gen {
    const gen_entry *entries;
    size_t count;
    size_t cut_at;      /* stop the archive after this many bytes (SIZE_MAX: whole) */
    bool end_blocks;
    size_t pos;         /* bytes produced so far */
    size_t entry;       /* current entry */
    size_t in_entry;    /* bytes of it produced (header included) */
} tar_gen;

static void ustar_header(char h[512], const gen_entry *e)
{
    memset(h, 0, 512);
    snprintf(h, 100, "%s", e->name);
    snprintf(h + 100, 8, "%07o", 0644);
    snprintf(h + 108, 8, "%07o", 0);
    snprintf(h + 116, 8, "%07o", 0);
    snprintf(h + 124, 12, "%011zo", e->size);
    snprintf(h + 136, 12, "%011o", 0);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += (unsigned char)h[i];
    snprintf(h + 148, 8, "%06o", sum);
}

static size_t entry_bytes(const gen_entry *e)
{
    return 512 + (e->size + 511) / 512 * 512;
}

static size_t tar_size(const tar_gen *g)
{
    size_t n = g->end_blocks ? 1024 : 0;
    for (size_t i = 0; i < g->count; i++)
        n += entry_bytes(&g->entries[i]);
    return n < g->cut_at ? n : g->cut_at;
}

/* One byte of the archive at the generator's position. */
static char next_byte(tar_gen *g)
{
    if (g->entry >= g->count)
        return 0; /* end blocks */
    const gen_entry *e = &g->entries[g->entry];
    char c;
    if (g->in_entry < 512) {
        char h[512];
        ustar_header(h, e); /* cheap enough per byte of 512 headers */
        c = h[g->in_entry];
    } else {
        size_t off = g->in_entry - 512;
        c = off >= e->size ? 0 : e->data ? e->data[off] : (char)('a' + off % 26);
    }
    if (++g->in_entry == entry_bytes(e)) {
        g->entry++;
        g->in_entry = 0;
    }
    return c;
}

static size_t gen_read(char *buf, size_t size, size_t n, void *ud)
{
    tar_gen *g = ud;
    size_t want = size * n, total = tar_size(g), i = 0;
    while (i < want && g->pos < total) {
        /* the bulk of a pattern entry goes a run at a time */
        const gen_entry *e = g->entry < g->count ? &g->entries[g->entry] : NULL;
        if (e && !e->data && g->in_entry >= 512 && g->in_entry - 512 < e->size) {
            size_t off = g->in_entry - 512;
            size_t run = e->size - off;
            if (run > want - i)
                run = want - i;
            if (run > total - g->pos)
                run = total - g->pos;
            for (size_t k = 0; k < run; k++)
                buf[i + k] = (char)('a' + (off + k) % 26);
            i += run;
            g->pos += run;
            g->in_entry += run;
            if (g->in_entry == entry_bytes(e)) {
                g->entry++;
                g->in_entry = 0;
            }
            continue;
        }
        buf[i++] = next_byte(g);
        g->pos++;
    }
    return i;
}

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
    osh_buf_append(ud, p, sz * n);
    return sz * n;
}

/* Send the generated archive with its Content-Length; the status and body back. */
static long send_tar(dk_test *t, const char *method, const char *target, tar_gen *g, osh_buf *body)
{
    CURL *c = curl_easy_init();
    char *url = osh_str_printf("http://docker%s", target);
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, t->sock);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, gen_read);
    curl_easy_setopt(c, CURLOPT_READDATA, g);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)tar_size(g));
    /* Expect: 100-continue (curl's default for uploads): a refused body is never sent */
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/x-tar");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
    long status = 0;
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(url);
    return status;
}

/* The size the archive HEAD reports for path in container, or -1 when missing. */
static long stat_size(dk_test *t, const char *container, const char *path)
{
    char *target = osh_str_printf("/v1.41/containers/%s/archive?path=%s", container, path);
    dk_reply r = dk_call(t, "HEAD", target, NULL, NULL);
    free(target);
    long size = -1;
    if (r.status == 200) {
        char *stat = dk_header(&r, "X-Docker-Container-Path-Stat");
        osh_buf decoded = OSH_BUF_INIT;
        assert_true(osh_base64_decode(&decoded, stat, strlen(stat)));
        cJSON *st = cJSON_Parse(osh_buf_str(&decoded));
        size = (long)dk_jget(st, "size")->valuedouble;
        cJSON_Delete(st);
        osh_buf_free(&decoded);
        free(stat);
    }
    dk_reply_free(&r);
    return size;
}

static const char *scenario = "{\"images\":[{\"ref\":\"busy:1\",\"config\":{\"Cmd\":[\"sh\"]}}]}";

static int setup(void **state)
{
    dk_test *t = dk_test_start(scenario);
    free(dk_create(t, "box", "{\"Image\":\"busy:1\"}", true));
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    dk_test_stop(*state);
    return 0;
}

#define BIG ((size_t)192 << 20)

static void test_large_archive_streamed(void **state)
{
    dk_test *t = *state;
    gen_entry e[] = {{"big.txt", BIG, NULL}, {"small.txt", 6, "small\n"}};
    tar_gen g = {e, 2, SIZE_MAX, true, 0, 0, 0};
    osh_buf body = OSH_BUF_INIT;
    assert_int_equal(send_tar(t, "PUT", "/v1.41/containers/box/archive?path=/tmp", &g, &body), 200);
    osh_buf_free(&body);
    assert_int_equal(stat_size(t, "box", "/tmp/big.txt"), (long)BIG);
    assert_int_equal(stat_size(t, "box", "/tmp/small.txt"), 6);
    mock_http_stats st;
    mock_http_server_stats(mock_docker_http(t->d), &st);
    /* what the front held of the 192 MiB: the journal's head (16 KiB by default) */
    assert_true(st.body_bytes_peak <= MOCK_HTTP_DEFAULT_JOURNAL_BODY_CAP);
    assert_true(st.body_bytes_peak > 0);
    /* the journal still knows the whole body's size */
    cJSON *j = mock_http_journal_json(mock_docker_http(t->d));
    const cJSON *last = cJSON_GetArrayItem(j, cJSON_GetArraySize(j) - 3); /* PUT, HEAD, HEAD */
    assert_string_equal(dk_jstr(last, "method"), "PUT");
    assert_int_equal((size_t)dk_jget(last, "body_size")->valuedouble, tar_size(&g));
    assert_int_equal(strlen(dk_jstr(last, "body_sha256")), 64);
    cJSON_Delete(j);
    osh_buf content = OSH_BUF_INIT;
    assert_int_equal(mock_docker_file_read(t->d, "box", "/tmp/small.txt", &content), 0);
    assert_string_equal(osh_buf_str(&content), "small\n");
    osh_buf_free(&content);
}

/* An image load of a large layer: the layer is read once, after the manifest, from the
 * spool; the front held only the journal's head. */
static void test_large_image_load_streamed(void **state)
{
    dk_test *t = *state;
    const char *cfg_name = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.json";
    const char *cfg = "{\"architecture\":\"amd64\",\"config\":{\"Cmd\":[\"big\"]}}";
    char manifest[512];
    snprintf(manifest, sizeof manifest,
             "[{\"Config\":\"%s\",\"RepoTags\":[\"big:1\"],\"Layers\":[\"l1/layer.tar\"]}]", cfg_name);
    gen_entry e[] = {{cfg_name, strlen(cfg), cfg},
                     {"l1/layer.tar", (size_t)64 << 20, NULL},
                     {"manifest.json", strlen(manifest), manifest}};
    tar_gen g = {e, 3, SIZE_MAX, true, 0, 0, 0};
    osh_buf body = OSH_BUF_INIT;
    assert_int_equal(send_tar(t, "POST", "/v1.41/images/load?quiet=1", &g, &body), 200);
    assert_non_null(strstr(osh_buf_str(&body), "Loaded image: big:1"));
    osh_buf_free(&body);
    dk_reply r = dk_call(t, "GET", "/v1.41/images/big:1/json", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(cJSON_GetArrayItem(dk_jget(r.json, "Config.Cmd"), 0)->valuestring, "big");
    dk_reply_free(&r);
    mock_http_stats st;
    mock_http_server_stats(mock_docker_http(t->d), &st);
    assert_true(st.body_bytes_peak <= MOCK_HTTP_DEFAULT_JOURNAL_BODY_CAP);
}

/* Past the archive limit: 413 with dockerd's error shape, before any of it is read. */
static void test_archive_over_limit(void **state)
{
    dk_test *t = *state;
    gen_entry e[] = {{"huge", MOCK_DOCKER_ARCHIVE_BODY_LIMIT, NULL}};
    tar_gen g = {e, 1, SIZE_MAX, true, 0, 0, 0};
    osh_buf body = OSH_BUF_INIT;
    assert_int_equal(send_tar(t, "PUT", "/v1.41/containers/box/archive?path=/tmp", &g, &body), 413);
    char *want = osh_str_printf("{\"message\":\"request body too large: limit is %zu bytes\"}\n",
                                MOCK_DOCKER_ARCHIVE_BODY_LIMIT);
    assert_string_equal(osh_buf_str(&body), want);
    free(want);
    osh_buf_free(&body);
    assert_int_equal(stat_size(t, "box", "/tmp/huge"), -1);
}

typedef struct cut_case {
    const char *label;
    size_t cut_at;
    bool end_blocks;
    long status;
    const char *message; /* NULL for 200 */
    long ok1, cut2;      /* sizes after it, -1 = missing */
} cut_case;

/* Each case as dockerd 20.10 answered it (PUT into /tmp of a running container). */
static void test_cut_archives_as_dockerd(void **state)
{
    dk_test *t = *state;
    gen_entry e[] = {{"ok1", 5, "first"}, {"cut2", 5000, NULL}};
    const cut_case cases[] = {
        {"cut inside cut2's data", 512 + 512 + 512 + 1000, true, 500, "unexpected EOF", 5, 1000},
        {"cut in ok1's padding", 700, true, 200, NULL, 5, -1},
        {"no end blocks", SIZE_MAX, false, 200, NULL, 5, 5000},
        {"cut inside cut2's header", 1024 + 300, true, 500, "unexpected EOF", 5, -1},
        {"less than a block", 160, true, 500, "unexpected EOF", -1, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const cut_case *c = &cases[i];
        char *name = osh_str_printf("cut%zu", i);
        free(dk_create(t, name, "{\"Image\":\"busy:1\"}", true));
        tar_gen g = {e, 2, c->cut_at, c->end_blocks, 0, 0, 0};
        char *target = osh_str_printf("/v1.41/containers/%s/archive?path=/tmp", name);
        osh_buf body = OSH_BUF_INIT;
        long status = send_tar(t, "PUT", target, &g, &body);
        if (status != c->status)
            fail_msg("%s: %ld %s", c->label, status, osh_buf_str(&body));
        if (c->message) {
            char *want = osh_str_printf("{\"message\":\"Error processing tar file(exit status 1): %s\"}\n",
                                        c->message);
            assert_string_equal(osh_buf_str(&body), want);
            free(want);
        }
        assert_int_equal(stat_size(t, name, "/tmp/ok1"), c->ok1);
        assert_int_equal(stat_size(t, name, "/tmp/cut2"), c->cut2);
        osh_buf_free(&body);
        free(target);
        free(name);
    }
}

/* A whole block that is no tar header: Go's text, and the entries before it stay. */
static void test_garbage_block_as_dockerd(void **state)
{
    dk_test *t = *state;
    char garbage[2048];
    memset(garbage, 'Z', sizeof garbage);
    gen_entry lone[] = {{"ok1", 5, "first"}};
    tar_gen g = {lone, 1, SIZE_MAX, false, 0, 0, 0};
    char tar[1024];
    assert_int_equal(gen_read(tar, 1, sizeof tar, &g), sizeof tar);
    memcpy(garbage, tar, sizeof tar); /* ok1, then a block of 'Z' */
    for (int with_ok1 = 0; with_ok1 < 2; with_ok1++) {
        const char *body = with_ok1 ? garbage : garbage + 1024;
        dk_reply r = dk_call_bin(t, "PUT", "/v1.41/containers/box/archive?path=/tmp", body,
                                 with_ok1 ? 2048 : 1024, "application/x-tar");
        assert_int_equal(r.status, 500);
        assert_string_equal(dk_message(&r), "Error processing tar file(exit status 1): archive/tar: invalid tar header");
        dk_reply_free(&r);
    }
    assert_int_equal(stat_size(t, "box", "/tmp/ok1"), 5);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_large_archive_streamed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_image_load_streamed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_archive_over_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_archives_as_dockerd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_block_as_dockerd, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
