/* test_docker_malformed.c: every route of the Docker mock against malformed input (bodies of
 * the wrong JSON type, broken JSON, binary, odd names and queries). Each request must get an
 * HTTP answer (no crash, no dropped connection, no sanitizer report), and the error answers
 * must be dockerd's {"message": ...} JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk_test_client.h"
#include "osh_str.h"

static const char *scenario =
    "{\"images\":[{\"ref\":\"busy:1\",\"config\":{\"Cmd\":[\"sh\"]}}],"
    " \"networks\":[{\"name\":\"net1\"}],\"volumes\":[{\"name\":\"vol1\"}],"
    " \"containers\":[{\"name\":\"box\",\"state\":\"running\",\"create\":{\"Image\":\"busy:1\"}}]}";

static const char *const bodies[] = {
    NULL, "", "null", "[]", "{", "\"text\"", "42", "{\"Image\":5}", "{\"Image\":\"busy:1\",\"Cmd\":\"x\"}",
    "{\"Image\":\"busy:1\",\"HostConfig\":[]}", "{\"Image\":\"busy:1\",\"HostConfig\":{\"PortBindings\":{\"1/tcp\":\"x\"}}}",
    "{\"Image\":\"busy:1\",\"HostConfig\":{\"Binds\":[5,\":\",\"x\"]}}", "{\"Name\":[]}", "{\"Container\":7}",
    "{\"Cmd\":[1,2]}", "{\"Detach\":\"yes\"}", "{\"Image\":\"busy:1\",\"Healthcheck\":{\"Test\":\"CMD\"}}",
    "{\"Image\":\"busy:1\",\"ExposedPorts\":[1]}", "{\"Image\":\"busy:1\",\"Env\":[null,1]}",
};

static const char *const targets[][2] = {
    {"POST", "/containers/create?name=m1"}, {"POST", "/containers/create"},
    {"GET", "/containers/json?all=1&filters=%5B%5D"}, {"GET", "/containers/json?filters=%7B%22name%22%3A5%7D"},
    {"GET", "/containers/box/json"}, {"POST", "/containers/box/start"}, {"POST", "/containers/box/stop?t=x"},
    {"POST", "/containers/box/wait?condition=bogus"}, {"GET", "/containers/box/logs?stdout=1&tail=x&since=y"},
    {"POST", "/containers/box/exec"}, {"PUT", "/containers/box/archive?path=/tmp"},
    {"GET", "/containers/box/archive?path="}, {"HEAD", "/containers/box/archive?path=/"},
    {"GET", "/containers/box/archive?path=/"}, {"POST", "/containers/box/attach?logs=1&stdout=1"},
    {"POST", "/exec//start"}, {"GET", "/exec/x/json"}, {"POST", "/networks/create"},
    {"POST", "/networks/net1/connect"}, {"POST", "/networks/net1/disconnect"}, {"GET", "/networks/"},
    {"POST", "/volumes/create"}, {"GET", "/volumes?filters=x"}, {"DELETE", "/volumes/"},
    {"POST", "/images/create?fromImage="}, {"POST", "/images/create?fromImage=:"},
    {"POST", "/images/create?fromImage=a/b/c:d:e&tag="}, {"POST", "/images/busy:1/tag?repo="},
    {"GET", "/images/get"}, {"POST", "/images/load"}, {"GET", "/images/json?filters=%7B%7D"},
    {"DELETE", "/images/"}, {"GET", "/images//json"}, {"GET", "/v1.x/_ping"}, {"GET", "/v99999999999999.1/version"},
    {"GET", "/_mock/state"}, {"POST", "/_mock/faults"}, {"DELETE", "/containers/box?force=maybe"},
};

static void test_malformed_inputs(void **state)
{
    dk_test *t = dk_test_start(scenario);
    size_t requests = 0;
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        for (size_t b = 0; b < sizeof bodies / sizeof bodies[0]; b++) {
            const char *method = targets[i][0];
            bool post_like = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;
            if (!post_like && b > 0)
                break;
            dk_reply r = dk_call(t, method, targets[i][1], bodies[b], NULL);
            requests++;
            if (r.rc != CURLE_OK || r.status < 100 || r.status > 599)
                fail_msg("%s %s with body %s: curl %d status %ld", method, targets[i][1],
                         bodies[b] ? bodies[b] : "(none)", r.rc, r.status);
            bool json_error = r.status >= 400 && strcmp(method, "HEAD") != 0 &&
                              !(r.status == 400 && osh_str_starts_with(osh_buf_str(&r.body), "client version"));
            if (json_error && !cJSON_IsString(dk_jget(r.json, "message")))
                fail_msg("%s %s: %ld without a message: %s", method, targets[i][1], r.status, osh_buf_str(&r.body));
            dk_reply_free(&r);
        }
    }
    /* still serving normally afterwards */
    dk_reply r = dk_call(t, "GET", "/_ping", NULL, NULL);
    assert_int_equal(r.status, 200);
    dk_reply_free(&r);
    assert_true(requests > 100);
    dk_test_stop(t);
}

static void test_binary_body(void **state)
{
    dk_test *t = dk_test_start(scenario);
    const char bin[] = {'\x00', '\xff', '{', '\x01', '"'};
    const char *paths[] = {"/containers/create", "/networks/create", "/volumes/create",
                           "/containers/box/exec", "/images/load", "/containers/box/archive?path=/tmp"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        dk_reply r = dk_call_bin(t, strstr(paths[i], "archive") ? "PUT" : "POST", paths[i], bin,
                                 sizeof bin, strstr(paths[i], "load") || strstr(paths[i], "archive")
                                                 ? "application/x-tar" : "application/json");
        if (r.rc != CURLE_OK || r.status < 200)
            fail_msg("%s: curl %d status %ld", paths[i], r.rc, r.status);
        dk_reply_free(&r);
    }
    cJSON *j = mock_http_journal_json(mock_docker_http(t->d));
    assert_non_null(dk_jget(j, "0.body_base64"));
    cJSON_Delete(j);
    dk_test_stop(t);
}

/* Issue 12.3: a 100 MB JSON body is refused with dockerd's error shape before it is read
 * (the journal keeps its announced size, no copy); an archive route takes a larger body. */
static void test_body_limits(void **state)
{
    (void)state;
    dk_test *t = dk_test_start(scenario);
    size_t big = 100u << 20;
    char *body = malloc(big);
    memset(body, ' ', big);
    dk_reply r = dk_call_bin(t, "POST", "/v1.41/containers/create", body, big, "application/json");
    assert_int_equal(r.status, 413);
    assert_string_equal(dk_message(&r), "request body too large: limit is 4194304 bytes");
    dk_reply_free(&r);
    cJSON *j = mock_http_journal_json(mock_docker_http(t->d));
    const cJSON *last = cJSON_GetArrayItem(j, cJSON_GetArraySize(j) - 1);
    assert_int_equal(cJSON_GetObjectItem(last, "status")->valueint, 413);
    assert_true(cJSON_GetObjectItem(last, "body_size")->valuedouble == (double)big);
    assert_string_equal(cJSON_GetObjectItem(last, "body")->valuestring, "");
    cJSON_Delete(j);
    /* 5 MB into a container's tree: past the JSON limit, within the archive one (the body
     * is not a tar, so dockerd's 400 for it, not 413) */
    r = dk_call_bin(t, "PUT", "/v1.41/containers/box/archive?path=/tmp", body, 5u << 20,
                    "application/x-tar");
    assert_int_not_equal(r.status, 413);
    dk_reply_free(&r);
    free(body);
    dk_test_stop(t);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_inputs),
        cmocka_unit_test(test_binary_body),
        cmocka_unit_test(test_body_limits),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
