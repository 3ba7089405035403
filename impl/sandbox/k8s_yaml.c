/* k8s_yaml.c: libyaml event stream -> cJSON tree (see k8s_yaml.h). */
#include "k8s_yaml.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "osh_str.h"

/* Deeper documents are refused: the reader recurses once per level (cJSON's parser stops at
 * 1000 levels too), and a kubeconfig is a handful of levels deep. */
#define K8S_YAML_MAX_DEPTH 1000

typedef struct yaml_reader {
    yaml_parser_t parser;
    char *error;
    int depth;
} yaml_reader;

static bool next_event(yaml_reader *r, yaml_event_t *event)
{
    if (yaml_parser_parse(&r->parser, event))
        return true;
    r->error = osh_str_printf("line %zu column %zu: %s", r->parser.problem_mark.line + 1,
                              r->parser.problem_mark.column + 1,
                              r->parser.problem ? r->parser.problem : "invalid YAML");
    return false;
}

static cJSON *scalar_value(const yaml_event_t *event)
{
    const char *text = (const char *)event->data.scalar.value;
    if (event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        if (strcasecmp(text, "true") == 0)
            return cJSON_CreateTrue();
        if (strcasecmp(text, "false") == 0)
            return cJSON_CreateFalse();
        if (*text == '\0' || strcmp(text, "~") == 0 || strcasecmp(text, "null") == 0)
            return cJSON_CreateNull();
    }
    return cJSON_CreateString(text);
}

static cJSON *read_node(yaml_reader *r, yaml_event_t *event);

/* Read items until the end event; mappings alternate key and value. */
static cJSON *read_collection(yaml_reader *r, bool mapping)
{
    if (++r->depth > K8S_YAML_MAX_DEPTH) {
        r->error = osh_str_printf("line %zu: YAML nested deeper than %d levels", r->parser.mark.line + 1,
                                  K8S_YAML_MAX_DEPTH);
        return NULL;
    }
    cJSON *out = mapping ? cJSON_CreateObject() : cJSON_CreateArray();
    for (;;) {
        yaml_event_t event;
        if (!next_event(r, &event))
            break;
        if (event.type == YAML_MAPPING_END_EVENT || event.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&event);
            r->depth--;
            return out;
        }
        if (!mapping) {
            cJSON *item = read_node(r, &event);
            if (!item)
                break;
            cJSON_AddItemToArray(out, item);
            continue;
        }
        if (event.type == YAML_MAPPING_START_EVENT || event.type == YAML_SEQUENCE_START_EVENT) {
            /* Printing such a key into a string doubles its escaping per level (exponential
             * text); client-go's YAML-to-JSON conversion refuses these keys as well. */
            r->error = osh_str_printf("line %zu: mapping keys must be scalars", event.start_mark.line + 1);
            yaml_event_delete(&event);
            break;
        }
        cJSON *key = read_node(r, &event);
        if (!key)
            break;
        if (!cJSON_IsString(key)) {
            char *printed = cJSON_PrintUnformatted(key);
            cJSON_Delete(key);
            key = cJSON_CreateString(printed);
            cJSON_free(printed);
        }
        yaml_event_t value_event;
        cJSON *value = next_event(r, &value_event) ? read_node(r, &value_event) : NULL;
        if (!value) {
            cJSON_Delete(key);
            break;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(out, key->valuestring); /* last key wins */
        cJSON_AddItemToObject(out, key->valuestring, value);
        cJSON_Delete(key);
    }
    cJSON_Delete(out);
    return NULL;
}

/* Consumes event. Returns NULL with r->error set on failure. */
static cJSON *read_node(yaml_reader *r, yaml_event_t *event)
{
    cJSON *out = NULL;
    switch (event->type) {
    case YAML_SCALAR_EVENT:
        out = scalar_value(event);
        break;
    case YAML_MAPPING_START_EVENT:
        out = read_collection(r, true);
        break;
    case YAML_SEQUENCE_START_EVENT:
        out = read_collection(r, false);
        break;
    case YAML_ALIAS_EVENT:
        r->error = osh_str_printf("line %zu: YAML aliases are not supported", event->start_mark.line + 1);
        break;
    default:
        r->error = osh_str_printf("line %zu: unexpected YAML event", event->start_mark.line + 1);
        break;
    }
    yaml_event_delete(event);
    return out;
}

static cJSON *read_first_document(yaml_reader *r)
{
    yaml_event_t event;
    for (;;) {
        if (!next_event(r, &event))
            return NULL;
        yaml_event_type_t type = event.type;
        if (type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&event);
            return cJSON_CreateNull(); /* an empty file */
        }
        if (type == YAML_STREAM_START_EVENT || type == YAML_DOCUMENT_START_EVENT) {
            yaml_event_delete(&event);
            continue;
        }
        return read_node(r, &event);
    }
}

cJSON *k8s_yaml_parse(const char *text, char **error)
{
    *error = NULL;
    cJSON *json = cJSON_ParseWithOpts(text, NULL, 1);
    if (json)
        return json;
    yaml_reader r = {.error = NULL};
    if (!yaml_parser_initialize(&r.parser)) {
        *error = osh_str_dup("cannot initialize the YAML parser");
        return NULL;
    }
    yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, strlen(text));
    json = read_first_document(&r);
    yaml_parser_delete(&r.parser);
    if (!json)
        *error = r.error ? r.error : osh_str_dup("invalid YAML");
    else
        free(r.error);
    return json;
}
