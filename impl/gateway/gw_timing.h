/* gw_timing.h: every sleep of the program, scaled by OPENSHELL_POLL_INTERVAL_MS (rules §3.7).
 * Attempt counts live with the loops; only durations are decided here. */
#ifndef GW_TIMING_H
#define GW_TIMING_H

/* The override in ms, or -1 when OPENSHELL_POLL_INTERVAL_MS is unset or invalid
 * (a decimal integer 0..600000 is valid). */
long gw_poll_override_ms(void);
/* Parse a knob value; -1 when invalid. Exposed for tests. */
long gw_parse_poll_interval(const char *value);

/* Sleep a fixed nominal duration (the override replaces it). */
void gw_sleep_nominal(long nominal_ms);
/* Sleep a backoff of the form 500 ms x k (the override gives N x k). */
void gw_sleep_backoff(long k);
/* The bound of a wait that normally ends early (an event ends it, not the clock): nominal
 * ms, or under the override N ms plus a 50 ms margin for a loaded machine, at most nominal. */
long gw_wait_bound_ms(long nominal_ms);

#endif
