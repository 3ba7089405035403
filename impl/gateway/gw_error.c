/* gw_error.c: the error codes, their texts, the Docker answer -> code mapping, and building
 * and combining messages (see gw_error.h). */
#include "gw_error.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "osh_buf.h"

/* A switch, not an array: -Wswitch names any code added without a text. */
const char *gw_strerror(gw_code code)
{
    switch (code) {
    case GW_OK: return "no error";
    case GW_E_USAGE: return "usage error";
    case GW_E_INVALID: return "invalid value";
    case GW_E_CONFIG: return "configuration problem";
    case GW_E_NOT_FOUND: return "not found";
    case GW_E_CONFLICT: return "conflict";
    case GW_E_PORT_IN_USE: return "port already in use";
    case GW_E_DOCKER_UNREACHABLE: return "Docker daemon unreachable";
    case GW_E_DOCKER: return "Docker daemon error";
    case GW_E_MALFORMED: return "malformed answer";
    case GW_E_TIMEOUT: return "timed out";
    case GW_E_UNHEALTHY: return "gateway unhealthy";
    case GW_E_IO: return "file system error";
    case GW_E_FAILED: return "step failed";
    case GW_E_LAST: break;
    }
    return "unknown error code";
}

gw_code gw_docker_code(long status, const char *message)
{
    switch (status) {
    case 404: return GW_E_NOT_FOUND;
    case 409: return GW_E_CONFLICT;
    case 500:
        /* The daemon has no structured code for this: its message is the only signal
         * (`Bind for 0.0.0.0:8080 failed: port is already allocated`). */
        return message && strstr(message, "port is already allocated") ? GW_E_PORT_IN_USE : GW_E_DOCKER;
    default: return GW_E_DOCKER;
    }
}

typedef enum edit_kind { EDIT_REPLACE, EDIT_PREFIX, EDIT_APPEND } edit_kind;

/* The one place a message is (re)built: the formatted text replaces, precedes or follows the
 * existing message. Prefixing or appending keeps the code (GW_E_FAILED when there was none). */
__attribute__((format(printf, 3, 0))) static void edit_message(gw_error *err, edit_kind how, const char *fmt,
                                                              va_list ap)
{
    osh_buf b = OSH_BUF_INIT;
    if (how == EDIT_APPEND)
        osh_buf_append_str(&b, gw_error_text(err));
    osh_buf_vappendf(&b, fmt, ap);
    if (how == EDIT_PREFIX)
        osh_buf_append_str(&b, gw_error_text(err));
    free(err->message);
    err->message = osh_buf_detach(&b);
    if (how != EDIT_REPLACE && err->code == GW_OK)
        err->code = GW_E_FAILED;
}

int gw_fail(gw_error *err, gw_code code, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    edit_message(err, EDIT_REPLACE, fmt, ap);
    va_end(ap);
    err->code = code;
    err->status = 0;
    return -1;
}

void gw_error_prefix(gw_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    edit_message(err, EDIT_PREFIX, fmt, ap);
    va_end(ap);
}

void gw_error_append(gw_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    edit_message(err, EDIT_APPEND, fmt, ap);
    va_end(ap);
}

void gw_error_move(gw_error *dst, gw_error *src)
{
    free(dst->message);
    *dst = *src;
    *src = (gw_error)GW_ERROR_INIT;
}

void gw_error_clear(gw_error *err)
{
    if (!err)
        return;
    free(err->message);
    *err = (gw_error)GW_ERROR_INIT;
}

const char *gw_error_text(const gw_error *err)
{
    return err && err->message ? err->message : "";
}
