/* conf_rules.h: the rules document (docs/rules.md) as the runner sees it: its sections,
 * found by their anchors, and which scenarios cite each (--coverage). */
#ifndef CONF_RULES_H
#define CONF_RULES_H

#include <stdio.h>

#include "conf_scenario.h"

typedef struct conf_rule {
    char *anchor; /* "4.8.2", "appendix-b": the id of its <a id="..."> */
    char *title;  /* the heading text after the anchor: "§4.8.2 The create request" */
} conf_rule;

typedef struct conf_rules {
    conf_rule *list;
    int n;
} conf_rules;

/* Read every <a id="ANCHOR"></a> of the document and the heading that follows it (lines of
 * any length). Returns 0, or -1 with *error naming the file and the problem (unreadable,
 * larger than 4 MiB, no anchors at all). */
int conf_rules_load(const char *file, conf_rules *out, char **error);
void conf_rules_free(conf_rules *r);

/* The anchor a citation refers to: "§4.8.2" -> "4.8.2", "Appendix B" -> "appendix-b".
 * malloc'd. */
char *conf_rules_anchor(const char *citation);

/* --coverage: one line per rule, "§ID<TAB>TITLE<TAB>SCENARIOS" (the ids citing it, or
 * "(through sub-sections)" / "-"), then "UNCOVERED ANCHOR TITLE" for every rule that neither
 * it nor a sub-section of it is cited by a scenario, then "UNKNOWN CITATION in ID" for every
 * citation naming no rule. Returns the number of unknown citations. */
int conf_rules_coverage(FILE *out, const conf_rules *rules, conf_scenario *const *scenarios, int n);

#endif
