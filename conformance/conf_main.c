/* conf_main.c: openshell-conformance, the command line of the conformance runner. It
 * loads the scenario catalogue, runs the selected scenarios in parallel against the
 * implementation given by --impl, and writes the reports. */
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf_argv.h"
#include "conf_realdiff.h"
#include "conf_report.h"
#include "conf_rules.h"
#include "conf_run.h"
#include "conf_scenario.h"
#include "conf_world.h"
#include "osh_args.h"
#include "osh_buf.h"
#include "osh_file.h"
#include "osh_json_check.h"
#include "osh_str.h"

#ifndef OSH_VERSION
#define OSH_VERSION "unknown"
#endif

/* Where the catalogue and the rules are, relative to this binary's directory: the same in an
 * installed tree (PREFIX/bin) and in the build tree (build/bin, where CMake links
 * build/share/... to the sources), so no path is compiled in. */
#define CONF_CATALOGUE_REL "../share/openshell-conformance/scenarios"
#define CONF_RULES_REL "../share/doc/openshell-conformance/rules.md"

enum conf_flag {
    FLAG_IMPL, FLAG_CAPABILITIES, FLAG_FILTER, FLAG_LIST, FLAG_JOBS, FLAG_JUNIT, FLAG_TAP, FLAG_KEEP_GOING,
    FLAG_REPORT, FLAG_VERBOSE, FLAG_CATALOGUE, FLAG_COVERAGE, FLAG_RULES, FLAG_RULES_URL, FLAG_TIMEOUT_MS,
    FLAG_KEEP_TEMP, FLAG_DOCKER, FLAG_DOCKER_HOST, FLAG_REAL_IMAGE, FLAG_HELP, FLAG_VERSION
};

/* The command line, read top to bottom; --help prints it. */
static const osh_arg_flag conf_flags[] = {
    {"--impl", NULL, "'COMMAND PREFIX'", FLAG_IMPL, "the command that stands for `openshell` (default: openshell\n"
                                                    "next to this binary); split like a shell would"},
    {"--impl-capabilities", NULL, "FILE", FLAG_CAPABILITIES, "{\"missing\": [\"gpu\", ...]}: scenarios needing these are skipped"},
    {"--filter", NULL, "GLOB[,GLOB...]", FLAG_FILTER, "run only scenarios whose id matches"},
    {"--list", NULL, NULL, FLAG_LIST, "list the selected scenarios and exit"},
    {"--jobs", NULL, "N", FLAG_JOBS, "scenarios run in parallel (default: number of cores)"},
    {"--junit", NULL, "FILE", FLAG_JUNIT, "write JUnit XML"},
    {"--tap", NULL, NULL, FLAG_TAP, "write TAP to stdout (human lines go to stderr)"},
    {"--keep-going", NULL, NULL, FLAG_KEEP_GOING, "run a scenario's later steps and checks after a failed step"},
    {"--report", NULL, "DIR", FLAG_REPORT, "write an HTML report to DIR/index.html"},
    {"--verbose", NULL, NULL, FLAG_VERBOSE, "print diffs, outputs and journals of failures"},
    {"--catalogue", NULL, "DIR", FLAG_CATALOGUE, "the scenario catalogue (default: " CONF_CATALOGUE_REL "\n"
                                                 "relative to the directory of this binary)"},
    {"--scenarios", NULL, "DIR", FLAG_CATALOGUE, "the same as --catalogue (its older name)"},
    {"--coverage", NULL, NULL, FLAG_COVERAGE, "print each rule of the rules document with the scenarios\n"
                                              "citing it, then the rules no scenario covers, and exit"},
    {"--rules", NULL, "FILE", FLAG_RULES, "the rules document (default: " CONF_RULES_REL "\n"
                                          "relative to the directory of this binary)"},
    {"--rules-url", NULL, "URL", FLAG_RULES_URL, "where the HTML report's rule links point (default: the\n"
                                                 "--rules file)"},
    {"--timeout-ms", NULL, "N", FLAG_TIMEOUT_MS, "default time limit of one step (default 30000)"},
    {"--keep-temp", NULL, NULL, FLAG_KEEP_TEMP, "keep each scenario's temp dir (HOME, config, kubeconfig)"},
    {"--docker", NULL, "mock|real", FLAG_DOCKER, "real: run the scenarios marked \"real\" on the mocks AND on a\n"
                                                 "real dockerd, one at a time, and report SAME/DIFF per scenario"},
    {"--docker-host", NULL, "URL", FLAG_DOCKER_HOST, "the real daemon (default: $OSH_REAL_DOCKER_HOST)"},
    {"--real-image", NULL, "REF", FLAG_REAL_IMAGE, "the fake cluster image on it, tagged as the default cluster\n"
                                                   "image before each scenario (default: oshconf-fake-cluster:dev)"},
    {"--help", NULL, NULL, FLAG_HELP, "print this help and exit"},
    {"--version", NULL, NULL, FLAG_VERSION, "print the version and exit"},
    OSH_ARGS_END};

/* The wording of getopt_long, which read this command line before. */
static const osh_args_texts conf_texts = {"unrecognized option '%s'", "option '%s' requires an argument",
                                          "option '%s' doesn't allow an argument"};

#define CONF_HELP_COLUMN 30

static void print_usage(FILE *to)
{
    osh_buf b = OSH_BUF_INIT;
    osh_buf_appendf(&b, "%s",
                    "Usage: openshell-conformance [options]\n"
                    "\n"
                    "Judge an implementation of the OpenShell gateway CLI against the scenario catalogue, on\n"
                    "mock Docker and Kubernetes servers inside this process (or on a real dockerd).\n"
                    "\n"
                    "Options:\n");
    osh_args_help(&b, conf_flags, CONF_HELP_COLUMN);
    fputs(osh_buf_str(&b), to);
    osh_buf_free(&b);
}

typedef struct options options;

struct options {
    char *impl;
    const char *caps_file;
    const char *filter;
    bool list, tap, verbose, coverage;
    int jobs;
    const char *junit, *report;
    char *catalogue, *rules, *rules_url;
    bool real;
    const char *docker_host, *real_image;
    conf_run_config run;      /* a scenario's run on the mocks */
    conf_run_config real_run; /* --docker real: its run on the real daemon */
    conf_world_backend *mock_world, *real_world; /* opened by open_backends */
    /* How one scenario is run and judged, its lines written to lines: chosen once with the
     * backends. */
    void (*judge)(const options *o, const conf_scenario *s, conf_result *r, FILE *lines);
};

typedef struct pool {
    const options *o;
    conf_scenario **selected;
    conf_result *results;
    int *order;      /* dispatch order: indexes into selected/results */
    int n, next;
    pthread_mutex_t lock;
    FILE *lines;
} pool;

static bool names_time_bound(const char *key)
{
    static const char *const suffixes[] = {"_TIMEOUT_MS", "_TIMEOUT_SECS"};
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++)
        if (strlen(key) > strlen(suffixes[i]) && osh_str_ends_with(key, suffixes[i]))
            return true;
    return false;
}

/* Whether a scenario spends time waiting for real time rather than running: a request the
 * world never answers or answers late ("hang", "delay_ms"), or a time bound the
 * implementation is given (an env variable ending in _TIMEOUT_MS or _TIMEOUT_SECS). */
static bool waits_for_real_time(const cJSON *node)
{
    for (const cJSON *c = node ? node->child : NULL; c; c = c->next) {
        const char *k = c->string ? c->string : "";
        if ((strcmp(k, "hang") == 0 && cJSON_IsTrue(c)) || strcmp(k, "delay_ms") == 0 || names_time_bound(k) ||
            waits_for_real_time(c))
            return true;
    }
    return false;
}

/* With more than one job, scenarios that wait for real time are dispatched early, each
 * followed by one that does not: a wait then overlaps other jobs' work instead of leaving
 * cores idle at the end of the run, or all jobs waiting at once. Results keep catalogue
 * order; one job runs the catalogue in order. */
static int *dispatch_order(conf_scenario **sel, int n, int jobs)
{
    int *order = calloc((size_t)n + 1, sizeof *order);
    int *waits = calloc((size_t)n + 1, sizeof *waits), *runs = calloc((size_t)n + 1, sizeof *runs);
    int nw = 0, nr = 0, k = 0;
    for (int i = 0; i < n; i++) {
        if (jobs > 1 && waits_for_real_time(sel[i]->doc))
            waits[nw++] = i;
        else
            runs[nr++] = i;
    }
    for (int w = 0, r = 0; w < nw || r < nr;) {
        if (w < nw)
            order[k++] = waits[w++];
        if (r < nr)
            order[k++] = runs[r++];
    }
    free(waits);
    free(runs);
    return order;
}

/* Each scenario's lines are written in one piece, so parallel runs never interleave them. */
static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        int next = p->next++;
        pthread_mutex_unlock(&p->lock);
        if (next >= p->n)
            return NULL;
        int i = p->order[next];
        char *text = NULL;
        size_t len = 0;
        FILE *lines = open_memstream(&text, &len);
        p->o->judge(p->o, p->selected[i], &p->results[i], lines);
        fclose(lines);
        pthread_mutex_lock(&p->lock);
        fwrite(text, 1, len, p->lines);
        pthread_mutex_unlock(&p->lock);
        free(text);
    }
}

/* The directory of this binary, or NULL. */
static char *self_dir(void)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return NULL;
    self[n] = '\0';
    *strrchr(self, '/') = '\0';
    return osh_str_dup(self);
}

/* rel from this binary's directory (canonical when it exists, so reports link to a clean
 * path), or rel itself when /proc/self/exe cannot be read. */
static char *beside_self(const char *rel)
{
    char *dir = self_dir();
    char *path = dir ? osh_str_printf("%s/%s", dir, rel) : osh_str_dup(rel);
    free(dir);
    char *real = realpath(path, NULL);
    if (real) {
        free(path);
        path = real;
    }
    return path;
}

/* Steps run in each scenario's temp dir, so relative paths in --impl that name existing
 * files are made absolute here ("./my-impl" means the user's ./my-impl). */
static void absolutize_impl(char **words)
{
    for (char **w = words; *w; w++) {
        if ((*w)[0] == '/' || !strchr(*w, '/') || access(*w, F_OK) != 0)
            continue;
        char *abs = realpath(*w, NULL);
        if (abs) {
            free(*w);
            *w = abs;
        }
    }
}

/* A number flag's value into *out, or the complaint and -1. */
static int number_flag(const char *name, const char *value, long lo, long hi, int *out)
{
    long v = 0;
    if (osh_args_int(value, lo, hi, &v) != 0) {
        fprintf(stderr, "openshell-conformance: %s: expected a number from %ld to %ld, got '%s'\n", name, lo, hi, value);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* One flag's value into o. Returns -1 to go on, else the exit status. */
static int set_flag(options *o, int id, const char *value)
{
    switch (id) {
    case FLAG_IMPL: free(o->impl); o->impl = osh_str_dup(value); break;
    case FLAG_CAPABILITIES: o->caps_file = value; break;
    case FLAG_FILTER: o->filter = value; break;
    case FLAG_LIST: o->list = true; break;
    case FLAG_JOBS: return number_flag("--jobs", value, 1, 256, &o->jobs) ? 2 : -1;
    case FLAG_JUNIT: o->junit = value; break;
    case FLAG_TAP: o->tap = true; break;
    case FLAG_KEEP_GOING: o->run.keep_going = true; break;
    case FLAG_REPORT: o->report = value; break;
    case FLAG_VERBOSE: o->verbose = true; break;
    case FLAG_CATALOGUE: free(o->catalogue); o->catalogue = osh_str_dup(value); break;
    case FLAG_COVERAGE: o->coverage = true; break;
    case FLAG_RULES: free(o->rules); o->rules = osh_str_dup(value); break;
    case FLAG_RULES_URL: free(o->rules_url); o->rules_url = osh_str_dup(value); break;
    case FLAG_TIMEOUT_MS: return number_flag("--timeout-ms", value, 1, 3600000, &o->run.default_timeout_ms) ? 2 : -1;
    case FLAG_KEEP_TEMP: o->run.keep_temp = true; break;
    case FLAG_DOCKER:
        if (strcmp(value, "mock") != 0 && strcmp(value, "real") != 0) {
            fprintf(stderr, "openshell-conformance: --docker: expected 'mock' or 'real', got '%s'\n", value);
            return 2;
        }
        o->real = strcmp(value, "real") == 0;
        break;
    case FLAG_DOCKER_HOST: o->docker_host = value; break;
    case FLAG_REAL_IMAGE: o->real_image = value; break;
    case FLAG_VERSION: printf("openshell-conformance %s\n", OSH_VERSION); return 0;
    case FLAG_HELP: print_usage(stdout); return 0;
    }
    return -1;
}

/* Returns -1 to run, else the exit status (0 after --help or --version). */
static int parse_options(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
            fprintf(stderr, "openshell-conformance: unexpected argument '%s'\n", argv[i]);
            print_usage(stderr);
            return 2;
        }
        const char *value = NULL;
        char *error = NULL;
        const osh_arg_flag *f = osh_args_take(argc, argv, &i, conf_flags, &conf_texts, &value, &error);
        if (!f) {
            fprintf(stderr, "openshell-conformance: %s\n", error);
            free(error);
            print_usage(stderr);
            return 2;
        }
        int rc = set_flag(o, f->id, value);
        if (rc >= 0)
            return rc;
    }
    if ((o->docker_host || o->real_image) && !o->real) {
        fprintf(stderr, "openshell-conformance: --docker-host and --real-image need --docker real\n");
        return 2;
    }
    return -1;
}

/* A capabilities file names a handful of capabilities; bigger is a mistaken path. */
#define CONF_CAPABILITIES_FILE_MAX ((size_t)1024 * 1024)

/* {"missing": ["cap", ...]} -> the array (owned by *doc). */
static int load_capabilities(const char *file, cJSON **doc)
{
    char *error = NULL;
    char *text = osh_file_read(file, CONF_CAPABILITIES_FILE_MAX, NULL, &error);
    if (!text) {
        fprintf(stderr, "openshell-conformance: --impl-capabilities %s\n", error);
        free(error);
        return -1;
    }
    *doc = cJSON_Parse(text);
    free(text);
    static const osh_json_field fields[] = {{"missing", OSH_JSON_STRINGS, false, NULL}, {NULL, 0, false, NULL}};
    if (!*doc) {
        fprintf(stderr, "openshell-conformance: --impl-capabilities %s: not JSON\n", file);
        return -1;
    }
    if (osh_json_check(*doc, fields, NULL, &error) != OSH_JSON_OK) {
        fprintf(stderr, "openshell-conformance: --impl-capabilities %s: %s\n", file, error);
        free(error);
        return -1;
    }
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The one reporting path of both modes: TAP, JUnit, HTML, the summary line. Frees the
 * results. Returns the exit status: 2 when a report could not be written, else 1 when a
 * scenario failed, else 0. */
static int report_and_free(const options *o, conf_result *results, int n, double seconds, FILE *lines)
{
    int rc = 0;
    char *err = NULL;
    if (o->tap)
        conf_report_tap(stdout, results, n);
    if (o->junit && conf_report_junit(o->junit, results, n, seconds, &err) != 0)
        rc = 2;
    if (o->report && !err &&
        conf_report_html(o->report, results, n, seconds, o->impl, o->rules_url, &err) != 0)
        rc = 2;
    if (err) {
        fprintf(stderr, "openshell-conformance: %s\n", err);
        free(err);
    }
    conf_counts c = conf_report_count(results, n);
    conf_report_summary(lines, c);
    for (int i = 0; i < n; i++)
        conf_result_clear(&results[i]);
    free(results);
    return rc ? rc : c.failed ? 1 : 0;
}

static int run_selected(options *o, conf_scenario **sel, int n)
{
    conf_result *results = calloc((size_t)n + 1, sizeof *results);
    int jobs = o->jobs < n ? o->jobs : n;
    pool p = {.o = o, .selected = sel, .results = results, .order = dispatch_order(sel, n, jobs), .n = n,
              .lines = o->tap ? stderr : stdout};
    pthread_mutex_init(&p.lock, NULL);
    pthread_t *threads = calloc((size_t)jobs + 1, sizeof *threads);
    double start = now_seconds();
    for (int i = 0; i < jobs; i++)
        pthread_create(&threads[i], NULL, worker, &p);
    for (int i = 0; i < jobs; i++)
        pthread_join(threads[i], NULL);
    double seconds = now_seconds() - start;
    pthread_mutex_destroy(&p.lock);
    free(p.order);
    free(threads);
    return report_and_free(o, results, n, seconds, p.lines);
}

/* The scenario alone on the mocks, judged by its own checks. */
static void judge_on_mocks(const options *o, const conf_scenario *s, conf_result *r, FILE *lines)
{
    conf_run_scenario(&o->run, s, r);
    conf_report_line(lines, r, o->verbose);
}

/* --docker real: on the mocks and on the real daemon, judged by comparing the two. */
static void judge_against_real(const options *o, const conf_scenario *s, conf_result *r, FILE *lines)
{
    conf_realdiff_judge(&o->run, &o->real_run, s, r, lines, o->verbose);
}

/* The one place the mode is chosen: the backends and the judge. */
static void open_backends(options *o)
{
    o->mock_world = conf_world_mock_open();
    o->run.backend = o->mock_world;
    o->judge = judge_on_mocks;
    if (!o->real)
        return;
    const char *env = getenv("OSH_REAL_DOCKER_HOST");
    o->real_world = conf_world_real_open(o->docker_host ? o->docker_host : env ? env : "",
                                         o->real_image ? o->real_image : "oshconf-fake-cluster:dev");
    o->run.keep_state = true; /* the final states are compared */
    o->real_run = o->run;
    o->real_run.backend = o->real_world;
    o->real_run.keep_going = true; /* checks the real daemon cannot judge must not stop the steps */
    o->jobs = 1; /* gateway names and host ports are fixed: real runs cannot overlap */
    o->judge = judge_against_real;
}

/* --coverage: needs the rules document; exit 1 when a scenario cites a rule it lacks. */
static int print_coverage(const options *o, conf_scenario **sel, int n)
{
    conf_rules rules;
    char *err = NULL;
    if (conf_rules_load(o->rules, &rules, &err) != 0) {
        fprintf(stderr, "openshell-conformance: %s\n", err);
        free(err);
        return 2;
    }
    int unknown = conf_rules_coverage(stdout, &rules, sel, n);
    conf_rules_free(&rules);
    if (unknown)
        fprintf(stderr, "openshell-conformance: %d citation(s) name no section of %s\n", unknown, o->rules);
    return unknown ? 1 : 0;
}

/* Select by --filter, then list or run. Returns the exit status. */
static int select_and_run(options *o, conf_scenario **all, int n)
{
    conf_scenario **sel = calloc((size_t)n + 1, sizeof *sel);
    int k = 0, rc;
    for (int i = 0; i < n; i++)
        if (conf_scenario_filter_match(o->filter, all[i]->id) &&
            (!o->real || cJSON_GetObjectItemCaseSensitive(all[i]->doc, "real")))
            sel[k++] = all[i];
    if (k == 0 && (o->filter || o->real)) {
        fprintf(stderr, "openshell-conformance: no scenario matches --filter '%s'%s\n", o->filter ? o->filter : "*",
                o->real ? " and is marked \"real\"" : "");
        rc = 2;
    } else if (o->coverage) {
        rc = print_coverage(o, sel, k);
    } else if (o->list) {
        for (int i = 0; i < k; i++)
            printf("%s\t%s (rules %s)\n", sel[i]->id, sel[i]->rule, sel[i]->spec);
        rc = 0;
    } else {
        rc = run_selected(o, sel, k);
    }
    free(sel);
    return rc;
}

static void default_options(options *o)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    memset(o, 0, sizeof *o);
    o->jobs = cores > 0 ? (int)cores : 1;
    o->run.default_timeout_ms = 30000;
    const char *tmp = getenv("TMPDIR");
    o->run.temp_root = tmp && *tmp ? tmp : "/tmp";
}

int main(int argc, char **argv)
{
    options o;
    default_options(&o);
    curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread: request steps use libcurl */
    int rc = parse_options(argc, argv, &o);
    if (rc < 0 && !o.impl)
        o.impl = beside_self("openshell");
    if (!o.catalogue)
        o.catalogue = beside_self(CONF_CATALOGUE_REL);
    if (!o.rules)
        o.rules = beside_self(CONF_RULES_REL);
    if (!o.rules_url)
        o.rules_url = osh_str_dup(o.rules);
    cJSON *caps = NULL;
    char *err = NULL;
    int count = 0, n = -1;
    char **impl = NULL;
    conf_scenario **all = NULL;
    if (rc >= 0) {
        /* --help or a usage error: nothing else to do */
    } else if (!(impl = conf_argv_split(o.impl, &count, &err))) {
        fprintf(stderr, "openshell-conformance: %s\n", err);
        rc = 2;
    } else if (o.caps_file && load_capabilities(o.caps_file, &caps) != 0) {
        rc = 2;
    } else if (access(o.catalogue, F_OK) != 0) {
        fprintf(stderr, "openshell-conformance: scenario catalogue %s: %s (give it with --catalogue DIR)\n",
                o.catalogue, strerror(errno));
        rc = 2;
    } else if ((n = conf_scenario_load_dir(o.catalogue, &all, &err)) < 0) {
        fprintf(stderr, "openshell-conformance: %s\n", err);
        rc = 2;
    } else {
        absolutize_impl(impl);
        o.run.impl = impl;
        o.run.missing = cJSON_GetObjectItemCaseSensitive(caps, "missing");
        open_backends(&o);
        rc = select_and_run(&o, all, n);
    }
    free(err);
    if (n > 0)
        conf_scenario_free_all(all, n);
    else
        free(all);
    conf_world_close(o.mock_world);
    conf_world_close(o.real_world);
    cJSON_Delete(caps);
    conf_argv_free(impl);
    free(o.impl);
    free(o.catalogue);
    free(o.rules);
    free(o.rules_url);
    curl_global_cleanup();
    return rc;
}
