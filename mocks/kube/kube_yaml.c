/* kube_yaml.c: YAML <-> cJSON through libyaml's event API (see kube_yaml.h). */
#include "kube_yaml.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "osh_buf.h"
#include "osh_str.h"

/* ---- parsing ---- */

static cJSON *plain_scalar(const char *v)
{
    if (!*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0)
        return cJSON_CreateNull();
    if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0)
        return cJSON_CreateTrue();
    if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "FALSE") == 0)
        return cJSON_CreateFalse();
    char *end;
    const char *p = v;
    if (*p == '-' || *p == '+')
        p++;
    if (*p >= '0' && *p <= '9') {
        errno = 0;
        double d = strtod(v, &end);
        /* go-yaml keeps a float that overflows (1e600) a string, as ParseFloat fails with
         * ErrRange; underflow is no error there (1e-600 is 0), so only overflow counts. */
        bool overflow = errno == ERANGE && isinf(d);
        if (*end == '\0' && !overflow)
            return cJSON_CreateNumber(d);
    }
    return cJSON_CreateString(v);
}

/* Nesting deeper than this is refused: parse_node recurses once per level, and a request body
 * of 30000 "[" overflowed the stack. go-yaml refuses at 10000; real manifests stay far below. */
#define KUBE_YAML_MAX_DEPTH 1000

typedef struct parse_state {
    yaml_parser_t parser;
    char *error;
    int depth;
} parse_state;

static bool next_event(parse_state *st, yaml_event_t *ev)
{
    if (yaml_parser_parse(&st->parser, ev))
        return true;
    st->error = osh_str_printf("yaml: line %zu, column %zu: %s", st->parser.problem_mark.line + 1,
                               st->parser.problem_mark.column + 1,
                               st->parser.problem ? st->parser.problem : "syntax error");
    return false;
}

static cJSON *parse_node(parse_state *st, yaml_event_t *ev);

static cJSON *parse_mapping(parse_state *st)
{
    cJSON *obj = cJSON_CreateObject();
    for (;;) {
        yaml_event_t key;
        if (!next_event(st, &key))
            break;
        if (key.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key);
            return obj;
        }
        if (key.type != YAML_SCALAR_EVENT) {
            yaml_event_delete(&key);
            st->error = osh_str_dup("yaml: only string keys are supported");
            break;
        }
        char *k = osh_str_dup((const char *)key.data.scalar.value);
        yaml_event_delete(&key);
        yaml_event_t val;
        if (!next_event(st, &val)) {
            free(k);
            break;
        }
        cJSON *v = parse_node(st, &val);
        yaml_event_delete(&val);
        if (!v) {
            free(k);
            break;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(obj, k);
        cJSON_AddItemToObject(obj, k, v);
        free(k);
    }
    cJSON_Delete(obj);
    return NULL;
}

static cJSON *parse_sequence(parse_state *st)
{
    cJSON *arr = cJSON_CreateArray();
    for (;;) {
        yaml_event_t ev;
        if (!next_event(st, &ev))
            break;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return arr;
        }
        cJSON *v = parse_node(st, &ev);
        yaml_event_delete(&ev);
        if (!v)
            break;
        cJSON_AddItemToArray(arr, v);
    }
    cJSON_Delete(arr);
    return NULL;
}

static cJSON *parse_collection(parse_state *st, bool mapping)
{
    if (st->depth >= KUBE_YAML_MAX_DEPTH) {
        st->error = osh_str_printf("yaml: exceeded max depth of %d", KUBE_YAML_MAX_DEPTH);
        return NULL;
    }
    st->depth++;
    cJSON *v = mapping ? parse_mapping(st) : parse_sequence(st);
    st->depth--;
    return v;
}

static cJSON *parse_node(parse_state *st, yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag)
            return plain_scalar((const char *)ev->data.scalar.value);
        return cJSON_CreateString((const char *)ev->data.scalar.value);
    case YAML_MAPPING_START_EVENT:
        return parse_collection(st, true);
    case YAML_SEQUENCE_START_EVENT:
        return parse_collection(st, false);
    case YAML_ALIAS_EVENT:
        st->error = osh_str_dup("yaml: aliases are not supported");
        return NULL;
    default:
        st->error = osh_str_dup("yaml: unexpected event");
        return NULL;
    }
}

cJSON *kube_yaml_parse_all(const char *text, size_t len, char **error)
{
    *error = NULL;
    parse_state st = {.error = NULL};
    yaml_parser_initialize(&st.parser);
    yaml_parser_set_input_string(&st.parser, (const unsigned char *)text, len);
    cJSON *docs = cJSON_CreateArray();
    bool done = false;
    while (!done && !st.error) {
        yaml_event_t ev;
        if (!next_event(&st, &ev))
            break;
        if (ev.type == YAML_STREAM_END_EVENT) {
            done = true;
        } else if (ev.type == YAML_DOCUMENT_START_EVENT || ev.type == YAML_STREAM_START_EVENT ||
                   ev.type == YAML_DOCUMENT_END_EVENT) {
            /* structure only */
        } else {
            cJSON *v = parse_node(&st, &ev);
            if (v && !cJSON_IsNull(v))
                cJSON_AddItemToArray(docs, v);
            else
                cJSON_Delete(v);
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&st.parser);
    if (st.error) {
        cJSON_Delete(docs);
        *error = st.error;
        return NULL;
    }
    return docs;
}

cJSON *kube_yaml_parse(const char *text, size_t len, char **error)
{
    cJSON *docs = kube_yaml_parse_all(text, len, error);
    if (!docs)
        return NULL;
    if (cJSON_GetArraySize(docs) == 0) {
        cJSON_Delete(docs);
        *error = osh_str_dup("yaml: no document");
        return NULL;
    }
    cJSON *first = cJSON_DetachItemFromArray(docs, 0);
    cJSON_Delete(docs);
    return first;
}

/* ---- emitting ---- */

static int write_to_buf(void *data, unsigned char *buffer, size_t size)
{
    osh_buf_append((osh_buf *)data, buffer, size);
    return 1;
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* Whether a string must be quoted to stay a string when read back. */
static bool needs_quotes(const char *s)
{
    if (!*s)
        return true;
    cJSON *probe = plain_scalar(s);
    bool is_string = cJSON_IsString(probe);
    cJSON_Delete(probe);
    if (!is_string)
        return true;
    const char *yes_no[] = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"};
    for (size_t i = 0; i < sizeof(yes_no) / sizeof(yes_no[0]); i++)
        if (strcmp(s, yes_no[i]) == 0)
            return true;
    return false;
}

static void emit_scalar(yaml_emitter_t *em, const char *v, bool quote)
{
    yaml_event_t ev;
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)v, (int)strlen(v), 1, 1,
                                 quote ? YAML_SINGLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
    yaml_emitter_emit(em, &ev);
}

static void emit_node(yaml_emitter_t *em, const cJSON *v)
{
    yaml_event_t ev;
    if (cJSON_IsObject(v)) {
        size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
        const cJSON **kids = calloc(n + 1, sizeof(*kids));
        const cJSON *c;
        cJSON_ArrayForEach(c, v) kids[i++] = c;
        qsort(kids, n, sizeof(*kids), compare_keys);
        yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, n ? YAML_BLOCK_MAPPING_STYLE : YAML_FLOW_MAPPING_STYLE);
        yaml_emitter_emit(em, &ev);
        for (i = 0; i < n; i++) {
            emit_scalar(em, kids[i]->string, needs_quotes(kids[i]->string));
            emit_node(em, kids[i]);
        }
        free(kids);
        yaml_mapping_end_event_initialize(&ev);
        yaml_emitter_emit(em, &ev);
    } else if (cJSON_IsArray(v)) {
        yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                             cJSON_GetArraySize(v) ? YAML_BLOCK_SEQUENCE_STYLE : YAML_FLOW_SEQUENCE_STYLE);
        yaml_emitter_emit(em, &ev);
        const cJSON *c;
        cJSON_ArrayForEach(c, v) emit_node(em, c);
        yaml_sequence_end_event_initialize(&ev);
        yaml_emitter_emit(em, &ev);
    } else if (cJSON_IsString(v)) {
        emit_scalar(em, v->valuestring, needs_quotes(v->valuestring));
    } else if (cJSON_IsNumber(v)) {
        char *num = cJSON_PrintUnformatted(v);
        emit_scalar(em, num, false);
        free(num);
    } else if (cJSON_IsBool(v)) {
        emit_scalar(em, cJSON_IsTrue(v) ? "true" : "false", false);
    } else {
        emit_scalar(em, "null", false);
    }
}

char *kube_yaml_emit(const cJSON *doc)
{
    osh_buf out = OSH_BUF_INIT;
    yaml_emitter_t em;
    yaml_event_t ev;
    yaml_emitter_initialize(&em);
    yaml_emitter_set_output(&em, write_to_buf, &out);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, -1);
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    yaml_emitter_emit(&em, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    yaml_emitter_emit(&em, &ev);
    emit_node(&em, doc);
    yaml_document_end_event_initialize(&ev, 1);
    yaml_emitter_emit(&em, &ev);
    yaml_stream_end_event_initialize(&ev);
    yaml_emitter_emit(&em, &ev);
    yaml_emitter_delete(&em);
    return osh_buf_detach(&out);
}
