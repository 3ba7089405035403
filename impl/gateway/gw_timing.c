/* gw_timing.c: sleeps scaled by the test knob OPENSHELL_POLL_INTERVAL_MS (rules §3.7). */
#include "gw_timing.h"

#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "osh_str.h"

long gw_parse_poll_interval(const char *value)
{
    if (!value || !*value)
        return -1;
    for (const char *p = value; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    if (strlen(value) > 6)
        return -1;
    long v = strtol(value, NULL, 10);
    return v <= 600000 ? v : -1;
}

long gw_poll_override_ms(void) { return gw_parse_poll_interval(getenv("OPENSHELL_POLL_INTERVAL_MS")); }

static void sleep_ms(long ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

void gw_sleep_nominal(long nominal_ms)
{
    long o = gw_poll_override_ms();
    sleep_ms(o >= 0 ? o : nominal_ms);
}

void gw_sleep_backoff(long k)
{
    long o = gw_poll_override_ms();
    sleep_ms((o >= 0 ? o : 500) * k);
}

long gw_wait_bound_ms(long nominal_ms)
{
    long o = gw_poll_override_ms();
    if (o < 0)
        return nominal_ms;
    return o + 50 < nominal_ms ? o + 50 : nominal_ms;
}
