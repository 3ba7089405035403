/* mockd_record.h: openshell-mockd's --record, --replay and --recording-to-scenario modes.
 * Each returns the process exit status. */
#ifndef MOCKD_RECORD_H
#define MOCKD_RECORD_H

#include "mockd_options.h"

int mockd_run_record(const mockd_options *o);
int mockd_run_replay(const mockd_options *o);
int mockd_run_to_scenario(const mockd_options *o);

#endif
