/* conf_report.c: console, JUnit, TAP and HTML renderings of results (see conf_report.h). */
#include "conf_report.h"
#include "conf_rules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "conf_diff.h"
#include "osh_buf.h"
#include "osh_str.h"

static const char *status_word(conf_status s)
{
    return s == CONF_PASS ? "PASS" : s == CONF_FAIL ? "FAIL" : "SKIP";
}

static void indent_block(FILE *out, const char *text, const char *prefix)
{
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, "\n");
        fprintf(out, "%s%.*s\n", prefix, (int)n, p);
        p += n;
        if (*p)
            p++;
    }
}

void conf_report_line(FILE *out, const conf_result *r, bool verbose)
{
    fprintf(out, "%s %s %.3fs", status_word(r->status), r->scenario->id, r->seconds);
    if (r->status == CONF_SKIP && r->skip_reason)
        fprintf(out, " (%s)", r->skip_reason);
    fputc('\n', out);
    for (int i = 0; i < r->n_failures; i++) {
        const conf_failure *f = &r->failures[i];
        fprintf(out, "    %s: %s\n", f->where, f->message);
        if (!verbose)
            continue;
        if (f->expected && f->actual) {
            char *d = conf_diff_lines(f->expected, f->actual);
            fprintf(out, "      diff (- expected, + actual):\n");
            indent_block(out, d, "        ");
            free(d);
        } else if (f->actual) {
            fprintf(out, "      actual:\n");
            indent_block(out, f->actual, "        ");
        }
    }
    if (verbose && r->status == CONF_FAIL) {
        for (int i = 0; i < r->n_steps; i++) {
            const conf_step_record *s = &r->steps[i];
            fprintf(out, "    %s: $ %s -> exit %d%s\n", s->name, s->command, s->exit_code,
                    s->timed_out ? " (timed out)" : "");
            if (*s->out) {
                fprintf(out, "      stdout:\n");
                indent_block(out, s->out, "        ");
            }
            if (*s->err) {
                fprintf(out, "      stderr:\n");
                indent_block(out, s->err, "        ");
            }
        }
        if (r->docker_journal) {
            fprintf(out, "    docker journal:\n");
            indent_block(out, r->docker_journal, "      ");
        }
        if (r->kube_journal && strcmp(r->kube_journal, "(no requests)\n") != 0) {
            fprintf(out, "    kube journal:\n");
            indent_block(out, r->kube_journal, "      ");
        }
    }
    fflush(out);
}

conf_counts conf_report_count(const conf_result *results, int n)
{
    conf_counts c = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        if (results[i].status == CONF_PASS)
            c.passed++;
        else if (results[i].status == CONF_FAIL)
            c.failed++;
        else
            c.skipped++;
    }
    return c;
}

void conf_report_summary(FILE *out, conf_counts c)
{
    fprintf(out, "%d passed, %d failed, %d skipped\n", c.passed, c.failed, c.skipped);
    fflush(out);
}

/* XML and HTML share one escaping: markup characters as entities, control bytes (not
 * allowed in XML 1.0) as visible \xNN. */
static void escape(osh_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '&': osh_buf_append_str(b, "&amp;"); break;
        case '<': osh_buf_append_str(b, "&lt;"); break;
        case '>': osh_buf_append_str(b, "&gt;"); break;
        case '"': osh_buf_append_str(b, "&quot;"); break;
        case '\'': osh_buf_append_str(b, "&#39;"); break;
        default:
            if (*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r')
                osh_buf_appendf(b, "\\x%02x", *p);
            else
                osh_buf_append_char(b, (char)*p);
        }
    }
}

static char *failure_text(const conf_result *r)
{
    osh_buf b = OSH_BUF_INIT;
    for (int i = 0; i < r->n_failures; i++) {
        const conf_failure *f = &r->failures[i];
        osh_buf_appendf(&b, "%s: %s\n", f->where, f->message);
        if (f->expected && f->actual) {
            char *d = conf_diff_lines(f->expected, f->actual);
            osh_buf_appendf(&b, "diff (- expected, + actual):\n%s", d);
            free(d);
        } else if (f->actual) {
            osh_buf_appendf(&b, "actual:\n%s\n", f->actual);
        }
    }
    for (int i = 0; i < r->n_steps; i++)
        osh_buf_appendf(&b, "%s: $ %s -> exit %d\nstdout:\n%s\nstderr:\n%s\n", r->steps[i].name,
                        r->steps[i].command, r->steps[i].exit_code, r->steps[i].out, r->steps[i].err);
    if (r->docker_journal)
        osh_buf_appendf(&b, "docker journal:\n%s", r->docker_journal);
    return b.data ? osh_buf_detach(&b) : osh_str_dup("");
}

static int write_file(const char *path, const osh_buf *b, char **error)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        *error = osh_str_printf("%s: %s", path, strerror(errno));
        return -1;
    }
    fwrite(osh_buf_str(b), 1, b->len, f);
    if (fclose(f) != 0) {
        *error = osh_str_printf("%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int conf_report_junit(const char *path, const conf_result *results, int n, double seconds, char **error)
{
    conf_counts c = conf_report_count(results, n);
    osh_buf b = OSH_BUF_INIT;
    osh_buf_appendf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<testsuites tests=\"%d\" failures=\"%d\" skipped=\"%d\" time=\"%.3f\">\n"
                        "  <testsuite name=\"openshell-conformance\" tests=\"%d\" failures=\"%d\" "
                        "errors=\"0\" skipped=\"%d\" time=\"%.3f\">\n",
                    n, c.failed, c.skipped, seconds, n, c.failed, c.skipped, seconds);
    for (int i = 0; i < n; i++) {
        const conf_result *r = &results[i];
        osh_buf_append_str(&b, "    <testcase classname=\"conformance\" name=\"");
        escape(&b, r->scenario->id);
        osh_buf_appendf(&b, "\" time=\"%.3f\">\n", r->seconds);
        if (r->status == CONF_FAIL) {
            osh_buf_append_str(&b, "      <failure message=\"");
            escape(&b, r->n_failures ? r->failures[0].message : "failed");
            osh_buf_append_str(&b, "\">");
            char *t = failure_text(r);
            escape(&b, t);
            free(t);
            osh_buf_append_str(&b, "</failure>\n");
        } else if (r->status == CONF_SKIP) {
            osh_buf_append_str(&b, "      <skipped message=\"");
            escape(&b, r->skip_reason);
            osh_buf_append_str(&b, "\"/>\n");
        }
        osh_buf_append_str(&b, "      <system-out>");
        escape(&b, r->scenario->rule);
        osh_buf_append_str(&b, " (rules ");
        escape(&b, r->scenario->spec);
        osh_buf_append_str(&b, ")</system-out>\n    </testcase>\n");
    }
    osh_buf_append_str(&b, "  </testsuite>\n</testsuites>\n");
    int rc = write_file(path, &b, error);
    osh_buf_free(&b);
    return rc;
}

void conf_report_tap(FILE *out, const conf_result *results, int n)
{
    fprintf(out, "TAP version 13\n1..%d\n", n);
    for (int i = 0; i < n; i++) {
        const conf_result *r = &results[i];
        if (r->status == CONF_SKIP) {
            fprintf(out, "ok %d - %s # SKIP %s\n", i + 1, r->scenario->id, r->skip_reason);
            continue;
        }
        fprintf(out, "%s %d - %s\n", r->status == CONF_PASS ? "ok" : "not ok", i + 1, r->scenario->id);
        for (int k = 0; k < r->n_failures; k++)
            fprintf(out, "# %s: %s\n", r->failures[k].where, r->failures[k].message);
    }
    fflush(out);
}

/* ---- HTML ---- */

static const char *const html_head =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>OpenShell conformance report</title>\n<style>\n"
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}\n"
    "h1{font-size:1.4em;margin:0 0 .3em}\n.meta{color:#555;margin-bottom:1em}\n"
    ".sum span{display:inline-block;padding:.2em .7em;margin-right:.4em;border-radius:4px;font-weight:600}\n"
    "table{border-collapse:collapse;width:100%;table-layout:fixed}\n"
    "col.c-st{width:4.5em}col.c-id{width:13em}col.c-spec{width:9em}col.c-time{width:6em}\n"
    "td,summary,.fail-msg{overflow-wrap:anywhere}\n"
    "th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #ddd;vertical-align:top}\n"
    "th{background:#f3f3f3}\n"
    ".PASS{background:#e3f6e5;color:#17622a}.FAIL{background:#fde4e1;color:#9b1c12}"
    ".SKIP{background:#fff4d6;color:#7a5600}\n"
    "td.st{font-weight:700;width:3.5em;text-align:center}\n"
    "td.time{text-align:right;white-space:nowrap;width:5em}\n"
    "td.id{font-family:monospace}\n"
    "details{margin:.3em 0}summary{cursor:pointer;color:#0b57d0}\n"
    "pre{background:#f7f7f7;border:1px solid #e2e2e2;padding:.5em;overflow:auto;max-height:28em;"
    "font-size:.85em;white-space:pre-wrap;word-break:break-all}\n"
    ".del{background:#fde4e1;display:block}.add{background:#e3f6e5;display:block}\n"
    ".fail-msg{font-family:monospace;color:#9b1c12;margin:.2em 0}\n"
    ".filter{margin:.6em 0}\n</style>\n"
    "<script>function only(s){for(const r of document.querySelectorAll('tr.row'))"
    "r.style.display=(s==='ALL'||r.dataset.st===s)?'':'none'}</script>\n</head><body>\n";

static void html_pre(osh_buf *b, const char *title, const char *text, bool open)
{
    osh_buf_appendf(b, "<details%s><summary>", open ? " open" : "");
    escape(b, title);
    osh_buf_append_str(b, "</summary><pre>");
    escape(b, text);
    osh_buf_append_str(b, "</pre></details>\n");
}

static void html_diff(osh_buf *b, const char *expected, const char *actual)
{
    char *d = conf_diff_lines(expected, actual);
    osh_buf_append_str(b, "<details open><summary>diff: expected (−) vs actual (+)</summary><pre>");
    for (const char *p = d; *p;) {
        size_t n = strcspn(p, "\n");
        char *line = osh_str_ndup(p, n);
        const char *cls = line[0] == '-' ? "del" : line[0] == '+' ? "add" : NULL;
        if (cls)
            osh_buf_appendf(b, "<span class=\"%s\">", cls);
        escape(b, line);
        osh_buf_append_str(b, cls ? "</span>" : "\n");
        free(line);
        p += n;
        if (*p)
            p++;
    }
    osh_buf_append_str(b, "</pre></details>\n");
    free(d);
}

static void html_details(osh_buf *b, const conf_result *r)
{
    for (int i = 0; i < r->n_failures; i++) {
        const conf_failure *f = &r->failures[i];
        osh_buf_append_str(b, "<div class=\"fail-msg\">");
        escape(b, f->where);
        osh_buf_append_str(b, ": ");
        escape(b, f->message);
        osh_buf_append_str(b, "</div>\n");
        if (f->expected && f->actual)
            html_diff(b, f->expected, f->actual);
        else if (f->actual)
            html_pre(b, "actual", f->actual, false);
    }
    for (int i = 0; i < r->n_steps; i++) {
        const conf_step_record *s = &r->steps[i];
        char *title = osh_str_printf("%s: $ %s → exit %d%s (%.3fs)", s->name, s->command, s->exit_code,
                                     s->timed_out ? ", timed out" : "", s->seconds);
        char *body = osh_str_printf("stdout:\n%s\nstderr:\n%s", s->out, s->err);
        html_pre(b, title, body, false);
        free(title);
        free(body);
    }
    if (r->docker_journal)
        html_pre(b, "Docker request journal", r->docker_journal, false);
    if (r->kube_journal)
        html_pre(b, "Kubernetes request journal", r->kube_journal, false);
    if (r->state)
        html_pre(b, "final world state", r->state, false);
}

static void html_row(osh_buf *b, const conf_result *r, const char *rules_url);

/* "§4.8.2, §9.6" -> one link per citation to rules_url#ANCHOR. */
static void html_rule_links(osh_buf *b, const char *spec, const char *rules_url)
{
    char *copy = osh_str_dup(spec);
    char *save = NULL;
    for (char *one = strtok_r(copy, ",", &save); one; one = strtok_r(NULL, ",", &save)) {
        char *cite = osh_str_trim_dup(one);
        char *anchor = conf_rules_anchor(cite);
        osh_buf_append_str(b, "<a href=\"");
        escape(b, rules_url);
        osh_buf_append_str(b, "#");
        escape(b, anchor);
        osh_buf_append_str(b, "\">");
        escape(b, cite);
        osh_buf_append_str(b, "</a> ");
        free(anchor);
        free(cite);
    }
    free(copy);
}

int conf_report_html(const char *dir, const conf_result *results, int n, double seconds,
                     const char *impl, const char *rules_url, char **error)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        *error = osh_str_printf("report directory %s: %s", dir, strerror(errno));
        return -1;
    }
    conf_counts c = conf_report_count(results, n);
    osh_buf b = OSH_BUF_INIT;
    osh_buf_append_str(&b, html_head);
    char when[64];
    time_t t = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
    osh_buf_append_str(&b, "<h1>OpenShell gateway conformance</h1>\n<div class=\"meta\">Implementation: <code>");
    escape(&b, impl);
    osh_buf_appendf(&b, "</code> · %s · %d scenarios in %.2f s</div>\n", when, n, seconds);
    osh_buf_appendf(&b, "<div class=\"sum\"><span class=\"PASS\">%d passed</span><span class=\"FAIL\">%d failed</span>"
                        "<span class=\"SKIP\">%d skipped</span></div>\n",
                    c.passed, c.failed, c.skipped);
    osh_buf_append_str(&b, "<div class=\"filter\">Show: <a href=\"#\" onclick=\"only('ALL')\">all</a> · "
                           "<a href=\"#\" onclick=\"only('FAIL')\">failed</a> · "
                           "<a href=\"#\" onclick=\"only('SKIP')\">skipped</a> · "
                           "<a href=\"#\" onclick=\"only('PASS')\">passed</a></div>\n"
                           "<table><colgroup><col class=\"c-st\"><col class=\"c-id\"><col><col class=\"c-spec\">"
                           "<col class=\"c-time\"></colgroup>\n<tr><th>Result</th><th>Scenario</th><th>Rule pinned</th><th>Rules</th>"
                           "<th>Time</th></tr>\n");
    static const conf_status order[] = {CONF_FAIL, CONF_SKIP, CONF_PASS};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < n; i++)
            if (results[i].status == order[k])
                html_row(&b, &results[i], rules_url);
    osh_buf_append_str(&b, "</table>\n</body></html>\n");
    char *path = osh_str_printf("%s/index.html", dir);
    int rc = write_file(path, &b, error);
    free(path);
    osh_buf_free(&b);
    return rc;
}

/* One scenario: failed rows first (see the caller), each expandable. */
static void html_row(osh_buf *b, const conf_result *r, const char *rules_url)
{
    const char *st = status_word(r->status);
    osh_buf_appendf(b, "<tr class=\"row\" data-st=\"%s\"><td class=\"st %s\">%s</td><td class=\"id\">", st, st, st);
    escape(b, r->scenario->id);
    osh_buf_append_str(b, "</td><td>");
    escape(b, r->scenario->rule);
    if (r->scenario->upstream) {
        osh_buf_append_str(b, " <em>(reproduces ");
        escape(b, r->scenario->upstream);
        osh_buf_append_str(b, ")</em>");
    }
    if (r->status == CONF_SKIP) {
        osh_buf_append_str(b, "<div><em>skipped: ");
        escape(b, r->skip_reason);
        osh_buf_append_str(b, "</em></div>");
    }
    if (r->status == CONF_FAIL || r->n_steps) {
        osh_buf_appendf(b, "<details%s><summary>%s</summary>\n", r->status == CONF_FAIL ? " open" : "",
                        r->status == CONF_FAIL ? "failure details" : "steps");
        html_details(b, r);
        osh_buf_append_str(b, "</details>");
    }
    osh_buf_append_str(b, "</td><td>");
    html_rule_links(b, r->scenario->spec, rules_url);
    osh_buf_appendf(b, "</td><td class=\"time\">%.3f s</td></tr>\n", r->seconds);
}
