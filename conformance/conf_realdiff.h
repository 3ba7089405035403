/* conf_realdiff.h: comparing one scenario's run on the mocks with its run on a real
 * dockerd (--docker real): exit statuses, key phrases, normalized Docker state. */
#ifndef CONF_REALDIFF_H
#define CONF_REALDIFF_H

#include <stdbool.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "conf_result.h"
#include "conf_run.h"

/* The Docker-visible state of the scenario's gateway names, normalized to the fields both
 * sides can be compared on: {"NAME": {"container": {...}|null, "volume": bool,
 * "network": bool}}. state is the world state document ({"docker": {...}}). */
cJSON *conf_realdiff_normalize(const cJSON *state, const cJSON *names);

/* NULL when both runs agree, else a malloc'd list of differences, one per line. Both
 * results must have been run with keep_state. */
char *conf_realdiff_compare(const cJSON *scenario_doc, const conf_result *mock, const conf_result *real);

/* The --docker real verdict on s: run it with mock (the mocks), then with real (the real
 * daemon), and fill *out with the comparison: SAME passes, DIFF fails listing what differed
 * (skipped when the scenario's "real" member names it a known_diff); a mock run that fails
 * its own checks fails ("no sound comparison"). The SAME/DIFF line and the differences go
 * to lines (with verbose also both runs' lines). Both configs need keep_state. */
void conf_realdiff_judge(const conf_run_config *mock, const conf_run_config *real, const conf_scenario *s,
                         conf_result *out, FILE *lines, bool verbose);

#endif
