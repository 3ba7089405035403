/* record.h: record and replay of the Docker Engine API (issue 15; format: docs/recording.md).
 *
 * Three uses, one file format:
 *   - record_proxy: a transparent proxy in front of a real daemon (unix:// or tcp://) that
 *     passes every request and answer through unchanged (complete bodies, chunked streams,
 *     the 101 upgrade of exec/attach in both directions) and writes each exchange to a
 *     recording file, redacting secrets unless told not to. The file is valid JSON after
 *     every completed exchange, and complete once record_proxy_finish() returns.
 *   - record_replay: a server that answers each request with the recorded answer of the
 *     matching exchange (in order per method and path, ids mapped, query and body compared
 *     after normalisation), streams frame by frame; GET /_mock/replay reports progress.
 *   - record_to_scenario: a world scenario (docs/scenarios.md) for the simulator that
 *     reproduces the situation the recording shows.
 * Errors are malloc'd strings naming the file and the position (line:column, or the JSON
 * path of the offending field) or the upstream address. */
#ifndef RECORD_H
#define RECORD_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "mock_http.h"

#define RECORD_FORMAT "openshell-docker-recording"
#define RECORD_VERSION 1

/* ---- Recording proxy ------------------------------------------------------------ */

typedef struct record_proxy record_proxy;

typedef struct record_proxy_options {
    const char *upstream;  /* "unix:///var/run/docker.sock" or "tcp://HOST:PORT" */
    const char *file;      /* the recording to write (replaced) */
    bool redact;           /* true: replace secrets by placeholders (the default) */
    /* Called once, from a connection thread, when the upstream stops answering (connection
     * refused, socket gone); the file is already complete then. May be NULL. */
    void (*upstream_gone)(void *ctx);
    void *upstream_gone_ctx;
} record_proxy_options;

/* Checks that the upstream answers GET /_ping and creates the file. NULL and *error
 * ("upstream unix:///x.sock: cannot connect: No such file or directory") otherwise. */
record_proxy *record_proxy_new(const record_proxy_options *o, char **error);
/* The server to listen with (mock_http_server_listen_unix/_tcp). */
mock_http_server *record_proxy_server(record_proxy *p);
/* Stop serving (open streams are cut and recorded as such) and write the final file with
 * this end reason ("SIGTERM"). Idempotent. 0, or -1 and *error naming the file. */
int record_proxy_finish(record_proxy *p, const char *reason, char **error);
/* Why the upstream went away, or NULL while it answers. */
const char *record_proxy_upstream_error(record_proxy *p);
void record_proxy_free(record_proxy *p); /* finishes first ("stopped") */

/* ---- Exact replay --------------------------------------------------------------- */

typedef struct record_replay record_replay;

typedef enum { RECORD_TIMING_COMPRESSED, RECORD_TIMING_REAL } record_timing;

/* Loads and checks the file; NULL and *error ("rec.json:12:5: syntax error",
 * "rec.json: exchanges[3].response.status: expected an integer 100..599"). */
record_replay *record_replay_new(const char *file, record_timing timing, char **error);
mock_http_server *record_replay_server(record_replay *r);
/* {"consumed": [...], "unconsumed": [...], "unmatched": [...]} as GET /_mock/replay. */
cJSON *record_replay_report(record_replay *r);
void record_replay_free(record_replay *r);

/* ---- Replay as a world ----------------------------------------------------------- */

/* The world scenario reproducing the recording; NULL and *error on a bad file. */
cJSON *record_to_scenario(const char *file, char **error);

#endif
