/* conf_diff.h: a line diff of expected and actual text for failure reports. */
#ifndef CONF_DIFF_H
#define CONF_DIFF_H

/* Unified-style lines: "  same", "- expected only", "+ actual only". Both texts are split
 * on '\n'. Very long inputs (over 2000 lines) are shown whole, expected then actual.
 * Returns a malloc'd string. */
char *conf_diff_lines(const char *expected, const char *actual);

#endif
