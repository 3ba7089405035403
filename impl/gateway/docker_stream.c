/* docker_stream.c: multiplexed frame decoding, UTF-8 repair and line splitting. */
#include "docker_stream.h"

#include <string.h>

void docker_mux_init(docker_mux_decoder *d, docker_frame_fn on_frame, void *ud)
{
    memset(d, 0, sizeof(*d));
    d->on_frame = on_frame;
    d->ud = ud;
}

static int start_frame(docker_mux_decoder *d, gw_error *err)
{
    const unsigned char *h = d->header;
    if (h[0] > DOCKER_STREAM_SYSERR) {
        d->failed = true;
        return gw_fail(err, GW_E_MALFORMED, "malformed multiplexed stream: unknown stream type %u", h[0]);
    }
    d->stream = h[0];
    d->remaining = ((uint32_t)h[4] << 24) | ((uint32_t)h[5] << 16) | ((uint32_t)h[6] << 8) | (uint32_t)h[7];
    d->header_len = 0;
    return 0;
}

int docker_mux_feed(docker_mux_decoder *d, const char *data, size_t len, gw_error *err)
{
    if (d->failed)
        return gw_fail(err, GW_E_MALFORMED, "malformed multiplexed stream: data after an error");
    size_t i = 0;
    while (i < len) {
        if (d->remaining == 0) {
            size_t take = 8 - d->header_len;
            if (take > len - i)
                take = len - i;
            memcpy(d->header + d->header_len, data + i, take);
            d->header_len += take;
            i += take;
            if (d->header_len == 8 && start_frame(d, err) != 0)
                return -1;
            continue;
        }
        size_t take = d->remaining < len - i ? d->remaining : len - i;
        if (d->stream != DOCKER_STREAM_STDIN && d->on_frame)
            d->on_frame(d->ud, d->stream, data + i, take);
        d->remaining -= (uint32_t)take;
        i += take;
    }
    return 0;
}

int docker_mux_finish(docker_mux_decoder *d, gw_error *err)
{
    if (d->failed)
        return gw_fail(err, GW_E_MALFORMED, "malformed multiplexed stream");
    if (d->header_len != 0 || d->remaining != 0)
        return gw_fail(err, GW_E_MALFORMED, "malformed multiplexed stream: truncated frame");
    return 0;
}

/* Length of the valid UTF-8 sequence at p (1..4); when invalid, 0 and *skip = the bytes
 * replaced by one U+FFFD (the maximal prefix of a valid sequence, at least 1). */
static size_t utf8_valid_len(const unsigned char *p, size_t avail, size_t *skip)
{
    unsigned char c = p[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    *skip = 1;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else
        return 0;
    for (size_t k = 1; k < need; k++) {
        unsigned char lo_k = k == 1 ? lo : 0x80, hi_k = k == 1 ? hi : 0xBF;
        if (k >= avail || p[k] < lo_k || p[k] > hi_k) {
            *skip = k;
            return 0;
        }
    }
    return need;
}

void docker_utf8_sanitize(osh_buf *out, const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t i = 0;
    while (i < len) {
        size_t skip;
        size_t n = utf8_valid_len(p + i, len - i, &skip);
        if (n == 0) {
            osh_buf_append(out, "\xEF\xBF\xBD", 3);
            i += skip;
        } else {
            osh_buf_append(out, p + i, n);
            i += n;
        }
    }
}

static void emit_line(const char *line, size_t len, docker_line_fn on_line, void *ud)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    on_line(ud, line, len);
}

void docker_lines_feed(docker_line_splitter *s, const char *data, size_t len, docker_line_fn on_line, void *ud)
{
    osh_buf_append(&s->partial, data, len);
    size_t start = 0;
    for (size_t i = 0; i < s->partial.len; i++) {
        if (s->partial.data[i] == '\n') {
            emit_line(s->partial.data + start, i - start, on_line, ud);
            start = i + 1;
        }
    }
    osh_buf_consume(&s->partial, start);
}

void docker_lines_finish(docker_line_splitter *s, docker_line_fn on_line, void *ud)
{
    if (s->partial.len > 0)
        emit_line(s->partial.data, s->partial.len, on_line, ud);
    osh_buf_reset(&s->partial);
}

void docker_lines_free(docker_line_splitter *s) { osh_buf_free(&s->partial); }
