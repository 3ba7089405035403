/* world_client.h: a small Docker/Kubernetes HTTP client (libcurl) for the simulator tests:
 * requests over the world's unix socket or TCP, and exec with the multiplexed stream
 * decoded. */
#ifndef WORLD_CLIENT_H
#define WORLD_CLIENT_H

#include <cjson/cJSON.h>

#include "mock_world.h"
#include "osh_buf.h"

/* A Docker API request; returns the status, body in out (may be NULL). */
int wc_docker(mock_world *w, const char *method, const char *path, const char *body, osh_buf *out);
/* PUT a tar body (application/x-tar) to a Docker API path; returns the status. */
int wc_put_tar(mock_world *w, const char *path, const void *data, size_t len);
/* A Kubernetes API request (GET). */
int wc_kube(mock_world *w, const char *path, osh_buf *out);
/* Creates a container; returns its ID (malloc'd) or NULL. */
char *wc_create(mock_world *w, const char *name, const char *body);
/* Runs argv in a container: output (stdout+stderr), the exit code (-2 when ExitCode is null). */
int wc_exec(mock_world *w, const char *id, const char *const *argv, size_t argc, osh_buf *out);
/* sh -c script. */
int wc_sh(mock_world *w, const char *id, const char *script, osh_buf *out);
/* State.Health.Status of an inspect ("" without health), or NULL when the inspect failed;
 * also returns State.Running in *running. malloc'd. */
char *wc_inspect_health(mock_world *w, const char *id, bool *running);

#endif
