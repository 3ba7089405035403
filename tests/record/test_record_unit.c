/* test_record_unit.c: the parts of mocks/record that need no server: redaction, replay
 * normalisation, multiplexed framing, the exchange's JSON form and the loader's errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "osh_base64.h"
#include "osh_str.h"
#include "record_internal.h"

#define PEM "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgUNITKEY\n-----END PRIVATE KEY-----\n"

static void set_bytes(osh_buf *b, const char *s)
{
    osh_buf_reset(b);
    osh_buf_append_str(b, s);
}

static rec_exchange exchange(long seq)
{
    rec_exchange e = {0};
    e.seq = seq;
    e.method = osh_str_dup("POST");
    e.path = osh_str_dup("/v1.41/containers/create");
    e.query = osh_str_dup("");
    e.req_headers = cJSON_CreateObject();
    e.res_headers = cJSON_CreateArray();
    e.end = osh_str_dup("complete");
    return e;
}

static void test_pem_same_placeholder(void **state)
{
    (void)state;
    rec_redactor *r = rec_redactor_new();
    rec_exchange a = exchange(1), b = exchange(2);
    /* the same key raw in a stream and JSON-escaped in a body */
    rec_exchange_add_chunk(&a, REC_OUT, 1, 1, PEM, strlen(PEM));
    cJSON *s = cJSON_CreateString(PEM);
    char *escaped = cJSON_PrintUnformatted(s);
    osh_buf_appendf(&b.res_body, "{\"key\":%s}", escaped);
    rec_redact_exchange(r, &a);
    rec_redact_exchange(r, &b);
    assert_string_equal(osh_buf_str(&a.chunks[0].data), "<redacted:pem-private-key:1>\n");
    assert_string_equal(osh_buf_str(&b.res_body), "{\"key\":\"<redacted:pem-private-key:1>\\n\"}");
    cJSON *list = rec_redactor_json(r);
    char *text = cJSON_PrintUnformatted(list);
    assert_string_equal(text, "[{\"placeholder\":\"<redacted:pem-private-key:1>\",\"kind\":\"pem-private-key\",\"exchanges\":[1,2]}]");
    assert_string_equal(cJSON_GetArrayItem(a.redacted, 0)->valuestring, "<redacted:pem-private-key:1>");
    free(text);
    cJSON_Delete(list);
    cJSON_free(escaped);
    cJSON_Delete(s);
    rec_exchange_free(&a);
    rec_exchange_free(&b);
    rec_redactor_free(r);
}

static void test_base64_key_and_certificate(void **state)
{
    (void)state;
    rec_redactor *r = rec_redactor_new();
    osh_buf key = OSH_BUF_INIT, cert = OSH_BUF_INIT;
    osh_base64_encode(&key, PEM, strlen(PEM));
    const char *c = "-----BEGIN CERTIFICATE-----\nMIIBfake certificate body that is public\n-----END CERTIFICATE-----\n";
    osh_base64_encode(&cert, c, strlen(c));
    rec_exchange e = exchange(3);
    osh_buf line = OSH_BUF_INIT;
    osh_buf_appendf(&line, "%s\n%s\n", cert.data, key.data);
    rec_exchange_add_chunk(&e, REC_OUT, 1, 1, line.data, line.len);
    rec_redact_exchange(r, &e);
    char *want = osh_str_printf("%s\n<redacted:base64-private-key:1>\n", cert.data);
    assert_string_equal(osh_buf_str(&e.chunks[0].data), want);
    /* the replay's stand-in still decodes, to the placeholder's text */
    rec_unredact(&e.chunks[0].data);
    const char *b64 = strchr(osh_buf_str(&e.chunks[0].data), '\n') + 1;
    osh_buf dec = OSH_BUF_INIT;
    assert_true(osh_base64_decode(&dec, b64, strcspn(b64, "\n")));
    assert_string_equal(osh_buf_str(&dec), "<redacted:base64-private-key:1>\n");
    free(want);
    osh_buf_free(&dec);
    osh_buf_free(&line);
    osh_buf_free(&key);
    osh_buf_free(&cert);
    rec_exchange_free(&e);
    rec_redactor_free(r);
}

static void test_registry_auth_and_env(void **state)
{
    (void)state;
    rec_redactor *r = rec_redactor_new();
    rec_exchange a = exchange(4), b = exchange(5);
    cJSON_AddStringToObject(a.req_headers, "X-Registry-Auth", "eyJ1c2VybmFtZSI6InUifQ==");
    cJSON_AddStringToObject(b.req_headers, "x-registry-auth", "eyJ1c2VybmFtZSI6InUifQ==");
    cJSON_AddStringToObject(b.req_headers, "Host", "docker");
    set_bytes(&a.req_body, "{\"Env\":[\"REGISTRY_USERNAME=__token__\",\"REGISTRY_PASSWORD=tk\\\"x\",\"A=1\"]}");
    rec_redact_exchange(r, &a);
    rec_redact_exchange(r, &b);
    assert_string_equal(cJSON_GetObjectItem(a.req_headers, "X-Registry-Auth")->valuestring, "<redacted:registry-auth:1>");
    assert_string_equal(cJSON_GetObjectItem(b.req_headers, "x-registry-auth")->valuestring, "<redacted:registry-auth:1>");
    assert_string_equal(cJSON_GetObjectItem(b.req_headers, "Host")->valuestring, "docker");
    assert_string_equal(osh_buf_str(&a.req_body),
                        "{\"Env\":[\"REGISTRY_USERNAME=__token__\",\"REGISTRY_PASSWORD=<redacted:credential-env:1>\",\"A=1\"]}");
    rec_exchange_free(&a);
    rec_exchange_free(&b);
    rec_redactor_free(r);
}

static void test_norm_query_and_body(void **state)
{
    (void)state;
    char *a = rec_norm_query("b=2&filters=%7B%22name%22%3A%5B%22x%22%5D%2C%22label%22%3A%5B%22y%22%5D%7D&a=1&since=1700000000");
    char *b = rec_norm_query("a=1&since=1800000000&filters={\"label\":[\"y\"],\"name\":[\"x\"]}&b=2");
    assert_string_equal(a, b);
    assert_string_equal(a, "a=1&b=2&filters={\"label\":[\"y\"],\"name\":[\"x\"]}&since=*");
    free(a);
    free(b);
    char *c = rec_norm_query("names=b&names=a"), *d = rec_norm_query("names=a&names=b");
    assert_string_not_equal(c, d); /* order within a key matters */
    free(c);
    free(d);
    size_t n;
    const char *recorded = "{\"Env\":[\"B=1\",\"A=2\",\"REGISTRY_PASSWORD=<redacted:credential-env:1>\"],"
                           "\"T\":\"2026-12-07T00:17:55.1Z\"}";
    char *x = rec_norm_body(recorded, strlen(recorded), &n);
    const char *live = "{\"T\":\"2025-01-01T10:00:00Z\",\"Env\":[\"REGISTRY_PASSWORD=tk\",\"A=2\",\"B=1\"]}";
    char *y = rec_norm_body(live, strlen(live), &n);
    assert_string_equal(x, y);
    free(x);
    free(y);
    char *z = rec_norm_body("\x1f\x8b binary", 9, &n);
    assert_string_equal(z, "<9 bytes>");
    free(z);
    char *p = rec_norm_path("/v1.41/containers/x/json");
    assert_string_equal(p, "/containers/x/json");
    free(p);
}

static void frame(osh_buf *b, int stream, const char *text)
{
    size_t n = strlen(text);
    unsigned char h[8] = {(unsigned char)stream, 0, 0, 0, 0, 0, (unsigned char)(n >> 8), (unsigned char)n};
    osh_buf_append(b, h, 8);
    osh_buf_append(b, text, n);
}

static void test_framing(void **state)
{
    (void)state;
    osh_buf all = OSH_BUF_INIT;
    frame(&all, 1, "out one\n");
    frame(&all, 2, "err\n");
    frame(&all, 1, "out two\n");
    rec_exchange e = exchange(6);
    e.kind = REC_UPGRADE;
    e.status = 101;
    rec_exchange_add_chunk(&e, REC_IN, 0.5, 6, "stdin", 5);
    rec_exchange_add_chunk(&e, REC_OUT, 1, 6, all.data, 10);            /* mid first frame */
    rec_exchange_add_chunk(&e, REC_OUT, 2, 7, all.data + 10, 20);       /* ends frames 1, 2 */
    rec_exchange_add_chunk(&e, REC_OUT, 3, 9, all.data + 30, all.len - 30);
    rec_exchange_frame(&e);
    assert_true(e.multiplexed);
    assert_int_equal(e.chunk_count, 4);
    assert_int_equal(e.chunks[0].dir, REC_IN);
    assert_string_equal(osh_buf_str(&e.chunks[1].data), "out one\n");
    assert_int_equal(e.chunks[1].stream, 1);
    assert_true(e.chunks[1].t_ms == 2 && e.chunks[1].after == 7);
    assert_int_equal(e.chunks[2].stream, 2);
    assert_true(e.chunks[3].t_ms == 3 && e.chunks[3].after == 9);
    /* JSON round trip keeps all of it */
    cJSON *j = rec_exchange_to_json(&e);
    rec_exchange back;
    char *error = NULL;
    assert_int_equal(rec_exchange_from_json(j, 0, &back, &error), 0);
    assert_true(back.multiplexed && back.kind == REC_UPGRADE && back.chunk_count == 4);
    assert_int_equal(back.chunks[0].dir, REC_IN);
    assert_string_equal(osh_buf_str(&back.chunks[3].data), "out two\n");
    rec_exchange_free(&back);
    cJSON_Delete(j);
    rec_exchange_free(&e);
    /* a stream that is not made of frames stays raw, binary as base64 */
    rec_exchange r = exchange(7);
    r.kind = REC_STREAM;
    r.status = 200;
    rec_exchange_add_chunk(&r, REC_OUT, 1, 7, "{\"status\":\"Pulling\"}\n", 21);
    rec_exchange_add_chunk(&r, REC_OUT, 2, 7, "\0\xff", 2);
    rec_exchange_frame(&r);
    assert_false(r.multiplexed);
    j = rec_exchange_to_json(&r);
    const cJSON *frames = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "response"), "stream"), "frames");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(frames, 1), "data_base64")->valuestring, "AP8=");
    cJSON_Delete(j);
    rec_exchange_free(&r);
    osh_buf_free(&all);
}

static char *load_error(const char *text)
{
    char path[] = "/tmp/recunit.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    rec_document d;
    char *error = NULL;
    int rc = rec_document_load(path, &d, &error);
    if (rc == 0)
        rec_document_free(&d);
    unlink(path);
    if (!error)
        return osh_str_dup("");
    char *rest = osh_str_dup(error + strlen(path)); /* without the file name */
    free(error);
    return rest;
}

#define HEAD "{\"format\":\"openshell-docker-recording\",\"version\":1,\"exchanges\":["
#define EX(seq, status) "{\"seq\":" #seq ",\"t_ms\":1,\"request\":{\"method\":\"GET\",\"path\":\"/_ping\",\"query\":\"\"," \
    "\"headers\":{},\"body\":\"\"},\"response\":{\"status\":" #status ",\"headers\":[],\"body\":\"OK\"}}"

static void test_loader_errors(void **state)
{
    (void)state;
    char *e = load_error(HEAD EX(2, 200) "," EX(1, 200) "]}");
    assert_string_equal(e, "");
    free(e);
    e = load_error(HEAD EX(1, 200) ",\n{\"seq\":2,\"t_");
    assert_string_equal(e, ":2:11: invalid recording: JSON syntax error at byte 222 (the file ends early: truncated?)");
    free(e);
    e = load_error("{\"format\":\"openshell-docker-recording\",\"version\":7,\"exchanges\":[]}");
    assert_string_equal(e, ": version 7 is not supported (this openshell-mockd reads version 1)");
    free(e);
    e = load_error("{\"format\":\"har\",\"version\":1,\"exchanges\":[]}");
    assert_string_equal(e, ": format: expected \"openshell-docker-recording\"");
    free(e);
    e = load_error(HEAD EX(1, 200) "," EX(2, 42) "]}");
    assert_string_equal(e, ": exchanges[1].response.status: expected an integer 100..599 (0: no answer)");
    free(e);
    e = load_error(HEAD EX(1, 200) "," EX(1, 200) "]}");
    assert_string_equal(e, ": exchanges[1].seq: 1 is used twice (also exchanges[0])");
    free(e);
    e = load_error(HEAD "{\"seq\":1,\"t_ms\":1,\"request\":{\"method\":\"GET\",\"path\":\"/x\",\"query\":\"\",\"headers\":{},\"body\":\"\"},"
                   "\"response\":{\"status\":200,\"headers\":[],\"stream\":{\"framing\":\"zip\",\"frames\":[]}}}]}");
    assert_string_equal(e, ": exchanges[0].response.stream.framing: expected \"raw\" or \"multiplexed\"");
    free(e);
}

/* The proxied and the hijacked requests put the recorded (decoded) path back on the wire the
 * same way: RFC 3986 path characters as they are, everything else %XX. */
static void test_url_path_encoding(void **state)
{
    osh_buf b = OSH_BUF_INIT;
    rec_append_url_path(&b, "/v1.43/containers/my_app-1.2/attach");
    assert_string_equal(osh_buf_str(&b), "/v1.43/containers/my_app-1.2/attach");
    osh_buf_free(&b);
    rec_append_url_path(&b, "/images/reg:5000/a b%?#\"\xc3\xa9/json");
    assert_string_equal(osh_buf_str(&b), "/images/reg:5000/a%20b%25%3F%23%22%C3%A9/json");
    osh_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pem_same_placeholder),
        cmocka_unit_test(test_base64_key_and_certificate),
        cmocka_unit_test(test_registry_auth_and_env),
        cmocka_unit_test(test_norm_query_and_body),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_loader_errors),
        cmocka_unit_test(test_url_path_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
