/* kube_continue.c: continue tokens and their errors (see kube_continue.h). The error texts
 * are those of continue.go, encoding/base64, encoding/json and strconv. */
#include "kube_continue.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osh_base64.h"
#include "osh_buf.h"
#include "osh_str.h"

#define TOKEN_VERSION "meta.k8s.io/v1"
#define INVALID "continue key is not valid"

char *kube_continue_encode(const char *key, long long rv)
{
    /* keys are DNS names joined by '/': nothing in them needs a JSON escape */
    char *json = osh_str_printf("{\"v\":\"" TOKEN_VERSION "\",\"rv\":%lld,\"start\":\"%s\\u0000\"}", rv, key);
    osh_buf out = OSH_BUF_INIT;
    osh_base64url_encode(&out, json, strlen(json));
    free(json);
    while (out.len > 0 && out.data[out.len - 1] == '=')
        out.len--; /* base64.RawURLEncoding: no padding */
    char *token = osh_str_ndup(out.data, out.len);
    osh_buf_free(&out);
    return token;
}

/* base64.RawURLEncoding.DecodeString, with its CorruptInputError offsets. */
static int raw_url_decode(const char *text, osh_buf *out, char **error)
{
    unsigned acc = 0;
    int have = 0;
    size_t i = 0, quantum_start = 0;
    for (; text[i]; i++) {
        if (text[i] == '\n' || text[i] == '\r')
            continue; /* Go skips line breaks */
        int v = osh_base64_sextet((unsigned char)text[i], true);
        if (v < 0) {
            *error = osh_str_printf(INVALID ": illegal base64 data at input byte %zu", i);
            return -1;
        }
        if (have == 0)
            quantum_start = i;
        acc = (acc << 6) | (unsigned)v;
        if (++have == 4) {
            char b[3] = {(char)(acc >> 16), (char)(acc >> 8), (char)acc};
            osh_buf_append(out, b, 3);
            have = 0;
            acc = 0;
        }
    }
    if (have == 1) {
        *error = osh_str_printf(INVALID ": illegal base64 data at input byte %zu", quantum_start);
        return -1;
    }
    if (have == 2) {
        char b = (char)(acc >> 4);
        osh_buf_append(out, &b, 1);
    } else if (have == 3) {
        char b[2] = {(char)(acc >> 10), (char)(acc >> 2)};
        osh_buf_append(out, b, 2);
    }
    return 0;
}

static const char *json_type_name(const cJSON *v)
{
    return cJSON_IsString(v) ? "string" : cJSON_IsNumber(v) ? "number" : cJSON_IsBool(v) ? "bool"
                                        : cJSON_IsArray(v)  ? "array"  : "object";
}

/* A byte as encoding/json's quoteChar shows it: 'x', or an escape such as '\u009d' for
 * bytes that are not printable (the message must stay valid UTF-8). */
static char *quote_char(unsigned char c)
{
    if (c >= 0x20 && c < 0x7f)
        return osh_str_printf("'%c'", c);
    if (c >= 0xa0) /* Latin-1 letters: the rune U+00A0..U+00FF in UTF-8 */
        return osh_str_printf("'%c%c'", 0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    if (c < 0x20 || c == 0x7f)
        return osh_str_printf("'\\x%02x'", c);
    return osh_str_printf("'\\u%04x'", c);
}

/* Any non-ASCII byte of an echoed value as U+FFFD, as json.Unmarshal repairs bad UTF-8. */
static char *ascii_only(const char *text)
{
    osh_buf b = OSH_BUF_INIT;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x80)
            osh_buf_append_char(&b, (char)*p);
        else
            osh_buf_append_str(&b, "\xef\xbf\xbd");
    }
    char *out = osh_str_dup(b.data ? b.data : "");
    osh_buf_free(&b);
    return out;
}

/* encoding/json's syntax error for the document text (len bytes), which cJSON rejected. */
static char *json_syntax_error(const char *text, size_t len)
{
    const char *at = cJSON_GetErrorPtr();
    size_t first = 0;
    while (first < len && isspace((unsigned char)text[first]))
        first++;
    if (!at || at < text || at >= text + len || first == len)
        return osh_str_dup("unexpected end of JSON input");
    /* cJSON points at the last token read when the text stops short ("{\"v\":") */
    size_t rest = (size_t)(at - text) + 1;
    while (rest < len && isspace((unsigned char)text[rest]))
        rest++;
    if (rest == len && strchr(":,{[", *at))
        return osh_str_dup("unexpected end of JSON input");
    char *q = quote_char((unsigned char)*at);
    /* Go names the context ("after object key", ...); only the first is modelled */
    char *msg = osh_str_printf("invalid character %s %s", q,
                               (size_t)(at - text) <= first ? "looking for beginning of value" : "in JSON");
    free(q);
    return msg;
}

/* A field's type against the struct's (Go: "cannot unmarshal X into Go struct field ..."). */
static char *field_type_error(const cJSON *doc, const char *field, bool want_string)
{
    const cJSON *v = cJSON_GetObjectItem(doc, field); /* Go matches field names case-insensitively */
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (want_string && !cJSON_IsString(v))
        return osh_str_printf(INVALID ": json: cannot unmarshal %s into Go struct field continueToken.%s of type string",
                              json_type_name(v), field);
    if (!want_string && !cJSON_IsNumber(v))
        return osh_str_printf(INVALID ": json: cannot unmarshal %s into Go struct field continueToken.%s of type int64",
                              json_type_name(v), field);
    if (!want_string && (v->valuedouble != (double)(long long)v->valuedouble || v->valuedouble > 9.2e18 ||
                         v->valuedouble < -9.2e18))
        return osh_str_printf(INVALID ": json: cannot unmarshal number %g into Go struct field continueToken.%s of type int64",
                              v->valuedouble, field);
    return NULL;
}

/* path.Clean("/" + start) == "/" + start: no empty, "." or ".." segment, no trailing '/'. */
static bool clean_path(const char *start)
{
    const char *p = start[0] == '/' ? start + 1 : start;
    if (!*p)
        return true;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        if (!slash)
            return true;
        p = slash + 1;
    }
}

static int decode_fields(const cJSON *doc, const char *raw, kube_continue *out, char **error)
{
    if (!cJSON_IsObject(doc)) {
        *error = osh_str_printf(INVALID ": json: cannot unmarshal %s into Go value of type storage.continueToken",
                                json_type_name(doc));
        return -1;
    }
    if ((*error = field_type_error(doc, "v", true)) || (*error = field_type_error(doc, "rv", false)) ||
        (*error = field_type_error(doc, "start", true)))
        return -1;
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(doc, "v"));
    const cJSON *rv = cJSON_GetObjectItem(doc, "rv");
    const char *start = cJSON_GetStringValue(cJSON_GetObjectItem(doc, "start"));
    if (!v || strcmp(v, TOKEN_VERSION) != 0) {
        char *shown = ascii_only(v ? v : "");
        *error = osh_str_printf(INVALID ": server does not recognize this encoded version %s", shown);
        free(shown);
        return -1;
    }
    out->rv = cJSON_IsNumber(rv) ? (long long)rv->valuedouble : 0;
    if (out->rv == 0) {
        *error = osh_str_dup(INVALID ": incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        return -1;
    }
    /* cJSON ends the string at the "\u0000" every issued token carries; the raw text tells */
    out->after = strstr(raw, "\\u0000") != NULL;
    if ((!start || !*start) && !out->after) {
        *error = osh_str_dup(INVALID ": encoded start key empty (version meta.k8s.io/v1)");
        return -1;
    }
    const char *key = start ? start : "";
    if (!clean_path(key)) {
        char *shown = ascii_only(key);
        *error = osh_str_printf(INVALID ": %s", shown);
        free(shown);
        return -1;
    }
    out->start = osh_str_dup(key[0] == '/' ? key + 1 : key);
    return 0;
}

int kube_continue_decode(const char *token, kube_continue *out, char **error)
{
    memset(out, 0, sizeof(*out));
    *error = NULL;
    osh_buf raw = OSH_BUF_INIT;
    if (raw_url_decode(token, &raw, error) != 0) {
        osh_buf_free(&raw);
        return -1;
    }
    cJSON *doc = cJSON_ParseWithLength(raw.data ? raw.data : "", raw.len);
    int rc = -1;
    if (!doc) {
        char *why = json_syntax_error(raw.data ? raw.data : "", raw.len);
        *error = osh_str_printf(INVALID ": %s", why);
        free(why);
    } else {
        char *text = osh_str_ndup(raw.data, raw.len);
        rc = decode_fields(doc, text, out, error);
        free(text);
    }
    cJSON_Delete(doc);
    osh_buf_free(&raw);
    if (rc != 0)
        kube_continue_free(out);
    return rc;
}

void kube_continue_free(kube_continue *c)
{
    free(c->start);
    c->start = NULL;
}

/* strconv.Quote's view of a value, near enough: ASCII shown, quotes and backslashes
 * escaped, every other byte as \xNN (so the message stays valid UTF-8). */
static char *go_quote(const char *text)
{
    osh_buf b = OSH_BUF_INIT;
    osh_buf_append_char(&b, '"');
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\') {
            osh_buf_append_char(&b, '\\');
            osh_buf_append_char(&b, (char)*p);
        } else if (*p >= 0x20 && *p < 0x7f) {
            osh_buf_append_char(&b, (char)*p);
        } else {
            char esc[8];
            snprintf(esc, sizeof(esc), "\\x%02x", *p);
            osh_buf_append_str(&b, esc);
        }
    }
    osh_buf_append_char(&b, '"');
    char *out = osh_str_dup(b.data);
    osh_buf_free(&b);
    return out;
}

int kube_parse_int64(const char *text, long long *out, char **error)
{
    const char *p = text;
    if (*p == '+' || *p == '-')
        p++;
    bool digits = *p != '\0';
    for (const char *q = p; *q; q++)
        digits = digits && isdigit((unsigned char)*q);
    if (!digits) {
        char *q = go_quote(text);
        *error = osh_str_printf("strconv.ParseInt: parsing %s: invalid syntax", q);
        free(q);
        return -1;
    }
    errno = 0;
    long long v = strtoll(text, NULL, 10);
    if (errno == ERANGE) {
        char *q = go_quote(text);
        *error = osh_str_printf("strconv.ParseInt: parsing %s: value out of range", q);
        free(q);
        return -1;
    }
    *out = v;
    return 0;
}
