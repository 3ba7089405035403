/* conf_rules.c: reading the anchors of docs/rules.md and the coverage listing. The document
 * is the authority on which rules exist; scenarios cite them in their "spec" list. */
#include "conf_rules.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "osh_buf.h"
#include "osh_file.h"
#include "osh_str.h"

/* docs/rules.md is some 75 KB; a document fifty times that is a mistaken path. */
#define CONF_RULES_FILE_MAX ((size_t)4 * 1024 * 1024)

static void add_rule(conf_rules *r, char *anchor, char *title)
{
    r->list = realloc(r->list, (size_t)(r->n + 1) * sizeof *r->list);
    r->list[r->n].anchor = anchor;
    r->list[r->n].title = title;
    r->n++;
}

/* The heading text of a markdown line ("### §4.8.2 Create" -> "§4.8.2 Create"). */
static char *heading_text(const char *line)
{
    while (*line == '#')
        line++;
    return osh_str_trim_dup(line);
}

/* Read one markdown line: an anchor remembered in *pending, or the heading it belongs to. */
static void read_line(conf_rules *out, const char *line, char **pending)
{
    const char *a = strstr(line, "<a id=\"");
    if (a) {
        a += strlen("<a id=\"");
        const char *end = strchr(a, '"');
        if (end) {
            free(*pending);
            *pending = osh_str_ndup(a, (size_t)(end - a));
        }
    } else if (*pending && line[0] == '#') {
        add_rule(out, *pending, heading_text(line));
        *pending = NULL;
    }
}

int conf_rules_load(const char *file, conf_rules *out, char **error)
{
    memset(out, 0, sizeof *out);
    char *why = NULL;
    char *text = osh_file_read(file, CONF_RULES_FILE_MAX, NULL, &why);
    if (!text) {
        *error = osh_str_printf("rules document %s (give it with --rules FILE)", why);
        free(why);
        return -1;
    }
    char *pending = NULL; /* an anchor waiting for its heading */
    for (char *line = text, *next; *line; line = next) {
        next = line + strcspn(line, "\n");
        if (*next)
            *next++ = '\0';
        line[strcspn(line, "\r")] = '\0';
        read_line(out, line, &pending);
    }
    free(text);
    free(pending);
    if (out->n == 0) {
        *error = osh_str_printf("rules document %s: no <a id=\"...\"></a> anchors before headings", file);
        return -1;
    }
    return 0;
}

void conf_rules_free(conf_rules *r)
{
    for (int i = 0; i < r->n; i++) {
        free(r->list[i].anchor);
        free(r->list[i].title);
    }
    free(r->list);
    memset(r, 0, sizeof *r);
}

char *conf_rules_anchor(const char *citation)
{
    if (strncmp(citation, "§", strlen("§")) == 0)
        citation += strlen("§");
    char *a = osh_str_trim_dup(citation);
    for (char *p = a; *p; p++)
        *p = *p == ' ' ? '-' : (char)tolower((unsigned char)*p);
    return a;
}

/* Calls fn(anchor, scenario) for each citation of each scenario. */
typedef void (*cite_fn)(const char *anchor, const char *citation, const conf_scenario *s, void *ctx);

static void each_citation(conf_scenario *const *scenarios, int n, cite_fn fn, void *ctx)
{
    for (int i = 0; i < n; i++) {
        const cJSON *spec = cJSON_GetObjectItemCaseSensitive(scenarios[i]->doc, "spec");
        const cJSON *one = cJSON_IsString(spec) ? spec : spec ? spec->child : NULL;
        for (; one; one = cJSON_IsString(spec) ? NULL : one->next) {
            char *anchor = conf_rules_anchor(one->valuestring);
            fn(anchor, one->valuestring, scenarios[i], ctx);
            free(anchor);
        }
    }
}

/* anchor is rule or a sub-section of it ("4.8.2" under "4.8" and "4"). */
static bool within(const char *anchor, const char *rule)
{
    size_t n = strlen(rule);
    return strncmp(anchor, rule, n) == 0 && (anchor[n] == '\0' || anchor[n] == '.');
}

typedef struct coverage {
    const char *rule;
    osh_buf direct;
    bool nested;
} coverage;

static void collect(const char *anchor, const char *citation, const conf_scenario *s, void *ctx)
{
    coverage *c = ctx;
    if (strcmp(anchor, c->rule) == 0) {
        if (c->direct.len)
            osh_buf_append_str(&c->direct, " ");
        osh_buf_append_str(&c->direct, s->id);
    } else if (within(anchor, c->rule)) {
        c->nested = true;
    }
}

typedef struct unknown {
    const conf_rules *rules;
    FILE *out;
    int count;
} unknown;

static void check_known(const char *anchor, const char *citation, const conf_scenario *s, void *ctx)
{
    unknown *u = ctx;
    for (int i = 0; i < u->rules->n; i++)
        if (strcmp(u->rules->list[i].anchor, anchor) == 0)
            return;
    fprintf(u->out, "UNKNOWN %s in %s\n", citation, s->id);
    u->count++;
}

int conf_rules_coverage(FILE *out, const conf_rules *rules, conf_scenario *const *scenarios, int n)
{
    osh_buf uncovered = OSH_BUF_INIT;
    for (int i = 0; i < rules->n; i++) {
        coverage c = {.rule = rules->list[i].anchor, .direct = OSH_BUF_INIT};
        each_citation(scenarios, n, collect, &c);
        fprintf(out, "%s\t%s\n", rules->list[i].title,
                c.direct.len ? osh_buf_str(&c.direct) : c.nested ? "(through sub-sections)" : "-");
        if (!c.direct.len && !c.nested)
            osh_buf_appendf(&uncovered, "UNCOVERED %s %s\n", rules->list[i].anchor, rules->list[i].title);
        osh_buf_free(&c.direct);
    }
    fputs(uncovered.len ? osh_buf_str(&uncovered) : "", out);
    osh_buf_free(&uncovered);
    unknown u = {.rules = rules, .out = out};
    each_citation(scenarios, n, check_known, &u);
    return u.count;
}
