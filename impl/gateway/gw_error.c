/* gw_error.c: building and combining error messages (see gw_error.h). */
#include "gw_error.h"

#include <stdarg.h>
#include <stdlib.h>

#include "osh_buf.h"

int gw_fail(gw_error *err, gw_code code, const char *fmt, ...)
{
    if (!err)
        return -1;
    osh_buf b = OSH_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    osh_buf_vappendf(&b, fmt, ap);
    va_end(ap);
    free(err->message);
    err->message = osh_buf_detach(&b);
    err->code = code;
    err->status = 0;
    return -1;
}

void gw_error_prefix(gw_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    osh_buf b = OSH_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    osh_buf_vappendf(&b, fmt, ap);
    va_end(ap);
    osh_buf_append_str(&b, err->message ? err->message : "");
    free(err->message);
    err->message = osh_buf_detach(&b);
    if (err->code == GW_OK)
        err->code = GW_E_FAILED;
}

void gw_error_append(gw_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    osh_buf b = OSH_BUF_INIT;
    osh_buf_append_str(&b, err->message ? err->message : "");
    va_list ap;
    va_start(ap, fmt);
    osh_buf_vappendf(&b, fmt, ap);
    va_end(ap);
    free(err->message);
    err->message = osh_buf_detach(&b);
    if (err->code == GW_OK)
        err->code = GW_E_FAILED;
}

void gw_error_move(gw_error *dst, gw_error *src)
{
    free(dst->message);
    *dst = *src;
    src->message = NULL;
    src->code = GW_OK;
    src->status = 0;
}

void gw_error_clear(gw_error *err)
{
    if (!err)
        return;
    free(err->message);
    err->message = NULL;
    err->code = GW_OK;
    err->status = 0;
}

const char *gw_error_text(const gw_error *err)
{
    return err && err->message ? err->message : "";
}
