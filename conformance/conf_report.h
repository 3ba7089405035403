/* conf_report.h: the runner's outputs: one console line per scenario, the summary line,
 * JUnit XML, TAP and the HTML report. */
#ifndef CONF_REPORT_H
#define CONF_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "conf_result.h"

typedef struct conf_counts {
    int passed, failed, skipped;
} conf_counts;

/* "PASS ID 0.123s" (+ failure lines, indented; with verbose also expected/actual diffs and
 * the step outputs). */
void conf_report_line(FILE *out, const conf_result *r, bool verbose);
/* Exactly "N passed, N failed, N skipped\n". */
void conf_report_summary(FILE *out, conf_counts c);
conf_counts conf_report_count(const conf_result *results, int n);

int conf_report_junit(const char *path, const conf_result *results, int n, double seconds, char **error);
void conf_report_tap(FILE *out, const conf_result *results, int n);
/* Writes DIR/index.html (DIR is created). impl is the command shown in the header; each
 * cited rule links to rules_url#ANCHOR (the anchors of docs/rules.md). */
int conf_report_html(const char *dir, const conf_result *results, int n, double seconds,
                     const char *impl, const char *rules_url, char **error);

#endif
