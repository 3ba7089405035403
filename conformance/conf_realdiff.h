/* conf_realdiff.h: comparing one scenario's run on the mocks with its run on a real
 * dockerd (--docker real): exit statuses, key phrases, normalized Docker state. */
#ifndef CONF_REALDIFF_H
#define CONF_REALDIFF_H

#include <cjson/cJSON.h>

#include "conf_result.h"

/* The Docker-visible state of the scenario's gateway names, normalized to the fields both
 * sides can be compared on: {"NAME": {"container": {...}|null, "volume": bool,
 * "network": bool}}. state is the world state document ({"docker": {...}}). */
cJSON *conf_realdiff_normalize(const cJSON *state, const cJSON *names);

/* NULL when both runs agree, else a malloc'd list of differences, one per line. Both
 * results must have been run with keep_state. */
char *conf_realdiff_compare(const cJSON *scenario_doc, const conf_result *mock, const conf_result *real);

#endif
