/* conf_request.h: "request" steps: the runner itself sends one HTTP request to the
 * world's Docker or Kubernetes endpoint (libcurl), to change the world between two
 * implementation steps: remove a container behind the implementation's back, add a fault
 * rule through /_mock/faults, and so on. The answer is reported like a process: exit 0
 * for a 2xx/3xx status, 1 otherwise; the body is the stdout, "HTTP {status}" the stderr. */
#ifndef CONF_REQUEST_H
#define CONF_REQUEST_H

#include <cjson/cJSON.h>

#include "conf_proc.h"

/* req: {"method", "path", "query"?, "body"? (JSON value or string), "content_type"?
 * (default application/json), "which"?}. base_url is
 * "unix:///path", "tcp://host:port" or "http://host:port". Returns 0, or -1 with *error. */
int conf_request_send(const cJSON *req, const char *base_url, int timeout_ms,
                      conf_proc_result *res, char **error);

#endif
