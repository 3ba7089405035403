/* fuzz_docker_answers.c: the gateway reading Docker's JSON answers: a pull progress stream
 * (newline-separated objects, errorDetail, progressDetail), a container inspect document
 * (State.Running, the exit text of the health loop), the /info CDISpecDirs probe and the M1
 * secret output of the mTLS fetch, through the gateway's internal readers (gw_answers.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_answers.h"
#include "osh_str.h"

#include "fuzz_util.h"

static void on_event(void *ud, gw_event kind, const char *text) { *(size_t *)ud += strlen(text); }

static void check_pull_stream(const char *text, size_t len)
{
    size_t emitted = 0;
    gw_ctx ctx = {.on_event = on_event, .event_ud = &emitted};
    gw_pull_state p = {.ctx = &ctx, .report_progress = true};
    for (size_t i = 0; i < len && !p.failed; i += 64)
        docker_lines_feed(&p.lines, text + i, len - i < 64 ? len - i : 64, gw_pull_line, &p);
    if (!p.failed)
        docker_lines_finish(&p.lines, gw_pull_line, &p);
    FUZZ_CHECK(!p.failed || (p.err.message && osh_str_starts_with(p.err.message, "failed to pull image: ")));
    docker_lines_free(&p.lines);
    gw_error_clear(&p.err);
}

static void check_inspect(const char *text, size_t len)
{
    docker_response resp = DOCKER_RESPONSE_INIT;
    osh_buf_append(&resp.body, text, len);
    resp.status = 200;
    gw_error err = GW_ERROR_INIT;
    cJSON *doc = docker_response_json(&resp, "GET", "/containers/x/json", &err);
    FUZZ_CHECK(doc || (err.message && strstr(err.message, "malformed JSON in Docker response to GET")));
    if (doc) {
        (void)gw_state_running(doc);
        (void)gw_json_string(doc, "State.Health.Status");
        char *exit = gw_exit_text(doc);
        FUZZ_CHECK(osh_str_starts_with(exit, "gateway container exited unexpectedly (exit_code="));
        free(exit);
        const cJSON *dirs = cJSON_GetObjectItemCaseSensitive(doc, "CDISpecDirs");
        (void)(cJSON_IsArray(dirs) && cJSON_GetArraySize(dirs) > 0);
    }
    cJSON_Delete(doc);
    gw_error_clear(&err);
    docker_response_free(&resp);
}

static void check_secret(const char *text)
{
    osh_buf decoded[3] = {OSH_BUF_INIT, OSH_BUF_INIT, OSH_BUF_INIT};
    gw_error err = GW_ERROR_INIT;
    int rc = gw_mtls_parse_secret(text, 0, decoded, &err);
    FUZZ_CHECK(rc == 1 || rc == 0 || (rc == -1 && err.message && strstr(err.message, ": invalid base64 in ")));
    for (int i = 0; i < 3; i++)
        osh_buf_free(&decoded[i]);
    gw_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    check_pull_stream(text, size);
    check_inspect(text, size);
    check_secret(text);
    free(text);
    return 0;
}
