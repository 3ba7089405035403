/* dk_test_client.h: a small libcurl client for the Docker mock tests: one request, the
 * status, headers and body back; JSON helpers; a test instance on a private unix socket. */
#ifndef DK_TEST_CLIENT_H
#define DK_TEST_CLIENT_H

#include <curl/curl.h>
#include <stdbool.h>
#include <cjson/cJSON.h>

#include "mock_docker.h"
#include "osh_buf.h"

typedef struct dk_reply {
    long status;
    CURLcode rc;
    osh_buf body;
    osh_buf headers;
    cJSON *json;            /* parsed body, or NULL */
} dk_reply;

typedef struct dk_test {
    mock_docker *d;
    char dir[64];
    char sock[128];
} dk_test;

/* A mock from a scenario text ("" = none) on a socket in a fresh temp dir; aborts the test
 * on failure. */
dk_test *dk_test_start(const char *scenario_json);
void dk_test_stop(dk_test *t);

/* method, target ("/v1.41/containers/json?all=1"), JSON body (may be NULL), extra header
 * line (may be NULL). */
dk_reply dk_call(dk_test *t, const char *method, const char *target, const char *body,
                 const char *header);
dk_reply dk_call_bin(dk_test *t, const char *method, const char *target, const void *body,
                     size_t len, const char *content_type);
void dk_reply_free(dk_reply *r);
/* The "message" of an error body ("" when absent). */
const char *dk_message(const dk_reply *r);
/* A string at a dotted path of the reply's JSON ("State.Health.Status"), or NULL. */
const char *dk_jstr(const cJSON *root, const char *path);
const cJSON *dk_jget(const cJSON *root, const char *path);
/* The value of a response header (malloc'd) or NULL. */
char *dk_header(const dk_reply *r, const char *name);

/* Create (and optionally start) a container; returns its ID (malloc'd). */
char *dk_create(dk_test *t, const char *name, const char *body, bool start);

/* Decode stdcopy frames: appends stdout to out, stderr to err; returns false on a bad or
 * truncated frame. */
bool dk_demux(const char *data, size_t len, osh_buf *out, osh_buf *err);

#endif
