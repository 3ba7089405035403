/* kube_protobuf.c: protobuf wire format (varints and length-delimited fields) read against
 * the field numbers of k8s.io/api generated.proto for the few messages decoded here (see
 * kube_protobuf.h). No protobuf library is among the project's dependencies, and only these
 * messages are needed. */
#include "kube_protobuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "osh_base64.h"
#include "osh_str.h"

typedef struct pb_reader {
    const unsigned char *p, *end;
    bool bad;
} pb_reader;

typedef struct pb_field {
    unsigned number;
    unsigned wire;            /* 0 varint, 1 64-bit, 2 bytes, 5 32-bit */
    uint64_t varint;
    const unsigned char *data;
    size_t len;
} pb_field;

static uint64_t read_varint(pb_reader *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            r->bad = true;
            return 0;
        }
        unsigned char b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

/* Reads the next field; false at the end or on malformed input (r->bad). */
static bool next_field(pb_reader *r, pb_field *f)
{
    if (r->bad || r->p >= r->end)
        return false;
    uint64_t key = read_varint(r);
    f->number = (unsigned)(key >> 3);
    f->wire = (unsigned)(key & 7);
    f->data = NULL;
    f->len = 0;
    switch (f->wire) {
    case 0:
        f->varint = read_varint(r);
        break;
    case 1:
    case 5: {
        size_t n = f->wire == 1 ? 8 : 4;
        if ((size_t)(r->end - r->p) < n)
            r->bad = true;
        else
            r->p += n;
        break;
    }
    case 2: {
        uint64_t n = read_varint(r);
        if (r->bad || n > (uint64_t)(r->end - r->p)) {
            r->bad = true;
            break;
        }
        f->data = r->p;
        f->len = (size_t)n;
        r->p += n;
        break;
    }
    default:
        r->bad = true;
    }
    return !r->bad;
}

static pb_reader reader(const unsigned char *data, size_t len) { return (pb_reader){data, data + len, false}; }

static char *field_string(const pb_field *f) { return osh_str_ndup((const char *)f->data, f->len); }

/* map<string, string|bytes> entry {1: key, 2: value} into obj. */
static bool map_entry(const pb_field *f, cJSON *obj, bool bytes_value)
{
    pb_reader r = reader(f->data, f->len);
    pb_field e;
    char *key = NULL, *value = NULL;
    size_t value_len = 0;
    const unsigned char *raw = NULL;
    while (next_field(&r, &e)) {
        if (e.number == 1 && e.wire == 2) {
            free(key);
            key = field_string(&e);
        } else if (e.number == 2 && e.wire == 2) {
            free(value);
            value = field_string(&e);
            raw = e.data;
            value_len = e.len;
        }
    }
    if (!r.bad && key) {
        if (bytes_value) {
            osh_buf b64 = OSH_BUF_INIT;
            osh_base64_encode(&b64, raw ? raw : (const unsigned char *)"", value_len);
            cJSON_AddStringToObject(obj, key, osh_buf_str(&b64));
            osh_buf_free(&b64);
        } else {
            cJSON_AddStringToObject(obj, key, value ? value : "");
        }
    }
    free(key);
    free(value);
    return !r.bad;
}

static cJSON *object_in(cJSON *parent, const char *key)
{
    cJSON *o = cJSON_GetObjectItemCaseSensitive(parent, key);
    return o ? o : cJSON_AddObjectToObject(parent, key);
}

static cJSON *array_in(cJSON *parent, const char *key)
{
    cJSON *o = cJSON_GetObjectItemCaseSensitive(parent, key);
    return o ? o : cJSON_AddArrayToObject(parent, key);
}

/* ObjectMeta: name 1, generateName 2, namespace 3, labels 11, annotations 12, finalizers 14. */
static bool decode_meta(const pb_field *f, cJSON *obj)
{
    cJSON *meta = object_in(obj, "metadata");
    pb_reader r = reader(f->data, f->len);
    pb_field m;
    const char *names[] = {NULL, "name", "generateName", "namespace"};
    while (next_field(&r, &m)) {
        if (m.wire != 2)
            continue;
        if (m.number >= 1 && m.number <= 3) {
            char *s = field_string(&m);
            if (*s)
                cJSON_AddStringToObject(meta, names[m.number], s);
            free(s);
        } else if (m.number == 11 || m.number == 12) {
            if (!map_entry(&m, object_in(meta, m.number == 11 ? "labels" : "annotations"), false))
                return false;
        } else if (m.number == 14) {
            char *s = field_string(&m);
            cJSON_AddItemToArray(array_in(meta, "finalizers"), cJSON_CreateString(s));
            free(s);
        }
    }
    return !r.bad;
}

/* Namespace {1 metadata, 2 spec {1 finalizers}} */
static bool decode_namespace(pb_reader *r, cJSON *obj)
{
    pb_field f;
    while (next_field(r, &f)) {
        if (f.number == 1 && f.wire == 2 && !decode_meta(&f, obj))
            return false;
        if (f.number == 2 && f.wire == 2) {
            pb_reader s = reader(f.data, f.len);
            pb_field sf;
            cJSON *spec = object_in(obj, "spec");
            while (next_field(&s, &sf)) {
                if (sf.number == 1 && sf.wire == 2) {
                    char *v = field_string(&sf);
                    cJSON_AddItemToArray(array_in(spec, "finalizers"), cJSON_CreateString(v));
                    free(v);
                }
            }
            if (s.bad)
                return false;
        }
    }
    return !r->bad;
}

/* Secret {1 metadata, 2 data map<string,bytes>, 3 type, 4 stringData, 5 immutable} */
static bool decode_secret(pb_reader *r, cJSON *obj)
{
    pb_field f;
    while (next_field(r, &f)) {
        if (f.number == 1 && f.wire == 2 && !decode_meta(&f, obj))
            return false;
        if ((f.number == 2 || f.number == 4) && f.wire == 2 &&
            !map_entry(&f, object_in(obj, f.number == 2 ? "data" : "stringData"), f.number == 2))
            return false;
        if (f.number == 3 && f.wire == 2) {
            char *t = field_string(&f);
            if (*t)
                cJSON_AddStringToObject(obj, "type", t);
            free(t);
        }
        if (f.number == 5 && f.wire == 0)
            cJSON_AddBoolToObject(obj, "immutable", f.varint != 0);
    }
    return !r->bad;
}

bool kube_protobuf_is_envelope(const void *body, size_t len)
{
    return len >= 4 && memcmp(body, "k8s\0", 4) == 0;
}

cJSON *kube_protobuf_decode(const void *body, size_t len, char **error)
{
    *error = NULL;
    if (!kube_protobuf_is_envelope(body, len)) {
        *error = osh_str_dup("not a Kubernetes protobuf envelope");
        return NULL;
    }
    /* runtime.Unknown {1 typeMeta {1 apiVersion, 2 kind}, 2 raw} */
    pb_reader r = reader((const unsigned char *)body + 4, len - 4);
    pb_field f;
    char *api_version = NULL, *kind = NULL;
    const unsigned char *raw = NULL;
    size_t raw_len = 0;
    while (next_field(&r, &f)) {
        if (f.number == 1 && f.wire == 2) {
            pb_reader t = reader(f.data, f.len);
            pb_field tf;
            while (next_field(&t, &tf)) {
                if (tf.number == 1 && tf.wire == 2) {
                    free(api_version);
                    api_version = field_string(&tf);
                } else if (tf.number == 2 && tf.wire == 2) {
                    free(kind);
                    kind = field_string(&tf);
                }
            }
            r.bad = r.bad || t.bad;
        } else if (f.number == 2 && f.wire == 2) {
            raw = f.data;
            raw_len = f.len;
        }
    }
    cJSON *obj = NULL;
    if (r.bad || !kind || !raw) {
        *error = osh_str_dup("malformed protobuf envelope");
    } else if (strcmp(kind, "Namespace") == 0 || strcmp(kind, "Secret") == 0) {
        obj = cJSON_CreateObject();
        cJSON_AddStringToObject(obj, "apiVersion", api_version ? api_version : "v1");
        cJSON_AddStringToObject(obj, "kind", kind);
        pb_reader o = reader(raw, raw_len);
        bool ok = strcmp(kind, "Namespace") == 0 ? decode_namespace(&o, obj) : decode_secret(&o, obj);
        if (!ok) {
            cJSON_Delete(obj);
            obj = NULL;
            *error = osh_str_printf("malformed protobuf %s", kind);
        }
    } else {
        *error = osh_str_printf("protobuf bodies of kind %s are not decoded by the mock", kind);
    }
    free(api_version);
    free(kind);
    return obj;
}
