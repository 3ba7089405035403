/* record_scenario.c: a world scenario (docs/scenarios.md) from a recording. */
#include <stdlib.h>
#include "osh_str.h"
#include "record_internal.h"

cJSON *record_to_scenario(const char *file, char **error)
{
    rec_document d;
    if (rec_document_load(file, &d, error) != 0)
        return NULL;
    cJSON *w = cJSON_CreateObject();
    rec_document_free(&d);
    return w;
}
