/* record_redact.c: what the recorder never writes down. PEM private keys, the base64 of a
 * private key (the mTLS secret read by M1), X-Registry-Auth/X-Registry-Config headers and
 * credential values of NAME=VALUE environment strings (REGISTRY_PASSWORD in create bodies and
 * inspect answers) become "<redacted:KIND:N>": the same secret always gets the same N, and the
 * redactor lists which exchanges each placeholder appears in. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "osh_base64.h"
#include "osh_str.h"
#include "record_internal.h"

typedef struct secret {
    char *kind, *identity, *placeholder;
    cJSON *seqs;
} secret;

struct rec_redactor {
    pthread_mutex_t lock;
    secret *items;
    size_t count;
};

rec_redactor *rec_redactor_new(void)
{
    rec_redactor *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    pthread_mutex_init(&r->lock, NULL);
    return r;
}

void rec_redactor_free(rec_redactor *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++) {
        free(r->items[i].kind);
        free(r->items[i].identity);
        free(r->items[i].placeholder);
        cJSON_Delete(r->items[i].seqs);
    }
    free(r->items);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* The placeholder of (kind, identity), noting that exchange seq holds it. */
static const char *placeholder(rec_redactor *r, const char *kind, const char *identity,
                               rec_exchange *e)
{
    pthread_mutex_lock(&r->lock);
    secret *s = NULL;
    size_t same_kind = 0;
    for (size_t i = 0; i < r->count && !s; i++) {
        same_kind += strcmp(r->items[i].kind, kind) == 0;
        if (strcmp(r->items[i].kind, kind) == 0 && strcmp(r->items[i].identity, identity) == 0)
            s = &r->items[i];
    }
    if (!s) {
        r->items = realloc(r->items, (r->count + 1) * sizeof *r->items);
        if (!r->items)
            abort();
        s = &r->items[r->count++];
        s->kind = osh_str_dup(kind);
        s->identity = osh_str_dup(identity);
        s->placeholder = osh_str_printf("<redacted:%s:%zu>", kind, same_kind + 1);
        s->seqs = cJSON_CreateArray();
    }
    const cJSON *last = cJSON_GetArrayItem(s->seqs, cJSON_GetArraySize(s->seqs) - 1);
    bool listed = false;
    const cJSON *x;
    cJSON_ArrayForEach(x, s->seqs)
        listed = listed || x->valuedouble == (double)e->seq;
    if (!listed)
        cJSON_AddItemToArray(s->seqs, cJSON_CreateNumber((double)e->seq));
    (void)last;
    const char *p = s->placeholder;
    pthread_mutex_unlock(&r->lock);
    if (!e->redacted)
        e->redacted = cJSON_CreateArray();
    listed = false;
    cJSON_ArrayForEach(x, e->redacted)
        listed = listed || strcmp(x->valuestring, p) == 0;
    if (!listed)
        cJSON_AddItemToArray(e->redacted, cJSON_CreateString(p));
    return p; /* lives as long as the redactor */
}

cJSON *rec_redactor_json(rec_redactor *r)
{
    cJSON *arr = cJSON_CreateArray();
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->count; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "placeholder", r->items[i].placeholder);
        cJSON_AddStringToObject(o, "kind", r->items[i].kind);
        cJSON_AddItemToObject(o, "exchanges", cJSON_Duplicate(r->items[i].seqs, true));
        cJSON_AddItemToArray(arr, o);
    }
    pthread_mutex_unlock(&r->lock);
    return arr;
}

/* ---- Finding secrets in bytes ------------------------------------------------------ */

/* The key material without line breaks (raw or JSON-escaped) and blanks, so the same key
 * seen in a body and in a stream gets one placeholder. */
static char *key_identity(const char *s, size_t len)
{
    osh_buf b = OSH_BUF_INIT;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len && (s[i + 1] == 'n' || s[i + 1] == 'r')) {
            i++;
            continue;
        }
        if (!isspace((unsigned char)s[i]))
            osh_buf_append_char(&b, s[i]);
    }
    return osh_buf_detach(&b);
}

static const char *find_n(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

/* The two ends of a PEM private key's header line: "-----BEGIN RSA PRIVATE KEY-----". */
static const char pem_begin[] = "-----BEGIN ", pem_key_end[] = "PRIVATE KEY-----";
#define PEM_BEGIN_LEN (sizeof pem_begin - 1)
#define PEM_KEY_END_LEN (sizeof pem_key_end - 1)

/* A PEM private key block starting at s (at "-----BEGIN "): its length, or 0. */
static size_t pem_key_length(const char *s, size_t len)
{
    const char *head_end = find_n(s, len, pem_key_end);
    if (!head_end || head_end - s > 60)
        return 0;
    for (const char *p = s + PEM_BEGIN_LEN; p < head_end; p++)
        if (!isupper((unsigned char)*p) && *p != ' ')
            return 0;
    size_t off = (size_t)(head_end - s) + PEM_KEY_END_LEN;
    const char *end = find_n(s + off, len - off, "-----END ");
    if (!end)
        return 0;
    size_t rest = len - (size_t)(end - s);
    const char *tail = find_n(end, rest, pem_key_end);
    if (!tail || tail - end > 60)
        return 0;
    return (size_t)(tail - s) + PEM_KEY_END_LEN;
}

static bool is_b64(char c) { return isalnum((unsigned char)c) || c == '+' || c == '/' || c == '='; }

/* A run of base64 at s that decodes to something holding a private key: its length, or 0. */
static size_t b64_key_length(const char *s, size_t len, char **identity)
{
    size_t n = 0;
    while (n < len && is_b64(s[n]))
        n++;
    if (n < 40 || n % 4 != 0)
        return 0;
    osh_buf dec = OSH_BUF_INIT;
    size_t found = 0;
    if (osh_base64_decode(&dec, s, n) && find_n(osh_buf_str(&dec), dec.len, "PRIVATE KEY-----")) {
        *identity = key_identity(dec.data, dec.len);
        found = n;
    }
    osh_buf_free(&dec);
    return found;
}

static bool credential_name(const char *name, size_t len)
{
    static const char *const words[] = {"PASSWORD", "PASSWD", "TOKEN", "SECRET", "CREDENTIAL", NULL};
    char *up = osh_str_ndup(name, len);
    for (char *p = up; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    bool hit = false;
    for (size_t i = 0; words[i]; i++)
        hit = hit || strstr(up, words[i]) != NULL;
    free(up);
    return hit;
}

/* "NAME=VALUE" inside a JSON string at s (s points at the opening quote's successor):
 * sets the value's offset and length when NAME is a credential's. */
static bool env_credential(const char *s, size_t len, size_t *value_off, size_t *value_len)
{
    size_t n = 0;
    while (n < len && (isalnum((unsigned char)s[n]) || s[n] == '_'))
        n++;
    if (n == 0 || n >= len || s[n] != '=' || !credential_name(s, n))
        return false;
    size_t v = n + 1, e = v;
    while (e < len && s[e] != '"') {
        if (s[e] == '\\')
            e++;
        e++;
    }
    if (e >= len || e == v)
        return false;
    *value_off = v;
    *value_len = e - v;
    return true;
}

/* The placeholder for a secret, or "<secret>" when masking for comparison (no redactor). */
static const char *stand_in(rec_redactor *r, const char *kind, const char *identity, rec_exchange *e)
{
    return r ? placeholder(r, kind, identity, e) : "<secret>";
}

/* A placeholder "<redacted:KIND:N>" at s: its length, or 0. */
static size_t placeholder_length(const char *s, size_t len)
{
    static const char open_mark[] = "<redacted:";
    if (len < sizeof open_mark + 1 || memcmp(s, open_mark, sizeof open_mark - 1) != 0)
        return 0;
    const char *end = memchr(s, '>', len < 80 ? len : 80);
    return end ? (size_t)(end - s) + 1 : 0;
}

/* Redact the text patterns in data (r NULL: mask them and existing placeholders alike as
 * "<secret>", so a recorded request and a live one compare equal). */
static void redact_bytes(rec_redactor *r, rec_exchange *e, osh_buf *data)
{
    if (!data->len)
        return;
    osh_buf out = OSH_BUF_INIT;
    const char *s = data->data;
    size_t len = data->len, i = 0;
    bool changed = false;
    while (i < len) {
        size_t n, voff, vlen;
        char *id = NULL;
        if (!r && s[i] == '<' && (n = placeholder_length(s + i, len - i)) > 0) {
            osh_buf_append_str(&out, "<secret>");
        } else if (s[i] == '-' && len - i > PEM_BEGIN_LEN && memcmp(s + i, pem_begin, PEM_BEGIN_LEN) == 0 &&
            (n = pem_key_length(s + i, len - i)) > 0) {
            id = key_identity(s + i, n);
            osh_buf_append_str(&out, stand_in(r, "pem-private-key", id, e));
        } else if (is_b64(s[i]) && (i == 0 || !is_b64(s[i - 1])) &&
                   (n = b64_key_length(s + i, len - i, &id)) > 0) {
            osh_buf_append_str(&out, stand_in(r, "base64-private-key", id, e));
        } else if (s[i] == '"' && env_credential(s + i + 1, len - i - 1, &voff, &vlen)) {
            id = osh_str_ndup(s + i + 1 + voff, vlen);
            osh_buf_append(&out, s + i, 1 + voff);
            osh_buf_append_str(&out, stand_in(r, "credential-env", id, e));
            n = 1 + voff + vlen;
        } else {
            osh_buf_append_char(&out, s[i]);
            i++;
            continue;
        }
        free(id);
        changed = true;
        i += n;
    }
    if (changed) {
        osh_buf_free(data);
        *data = out;
    } else {
        osh_buf_free(&out);
    }
}

void rec_redact_exchange(rec_redactor *r, rec_exchange *e)
{
    static const char *const headers[] = {"X-Registry-Auth", "X-Registry-Config", "Authorization", NULL};
    cJSON *h;
    cJSON_ArrayForEach(h, e->req_headers)
        for (size_t i = 0; headers[i]; i++)
            if (cJSON_IsString(h) && osh_str_ieq(h->string, headers[i]) && h->valuestring[0]) {
                const char *p = placeholder(r, "registry-auth", h->valuestring, e);
                cJSON_SetValuestring(h, p);
            }
    redact_bytes(r, e, &e->req_body);
    redact_bytes(r, e, &e->res_body);
    for (size_t i = 0; i < e->chunk_count; i++)
        redact_bytes(r, e, &e->chunks[i].data);
}

void rec_mask_secrets(osh_buf *data)
{
    redact_bytes(NULL, NULL, data);
}

void rec_unredact(osh_buf *data)
{
    const char *tag = "<redacted:base64-private-key:";
    if (!data->len || !find_n(data->data, data->len, tag))
        return;
    osh_buf out = OSH_BUF_INIT;
    const char *s = data->data;
    size_t len = data->len;
    for (size_t i = 0; i < len;) {
        const char *end = NULL;
        if (len - i > strlen(tag) && memcmp(s + i, tag, strlen(tag)) == 0)
            end = memchr(s + i, '>', len - i);
        if (!end) {
            osh_buf_append_char(&out, s[i++]);
            continue;
        }
        size_t n = (size_t)(end - (s + i)) + 1;
        /* a stand-in that still decodes, marked as what it is */
        osh_buf_append(&out, "", 0);
        osh_buf text = OSH_BUF_INIT;
        osh_buf_append(&text, s + i, n);
        osh_buf_append_char(&text, '\n');
        osh_base64_encode(&out, text.data, text.len);
        osh_buf_free(&text);
        i += n;
    }
    osh_buf_free(data);
    *data = out;
}
