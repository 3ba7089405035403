/* k3s_shell.c: the simulated container's command lines (see k3s_shell.h). The S3 and S4
 * scripts (loops, command substitution) are recognised whole and run step by step through
 * the simulated kubectl; every other line must be simple commands joined by ; && ||. */
#include "k3s_shell.h"

#include <stdlib.h>
#include <string.h>

#include "k3s_filters.h"
#include "k3s_images.h"
#include "kubectl_sim.h"
#include "osh_str.h"

#define KC "KUBECONFIG=/etc/rancher/k3s/k3s.yaml"

static const char *S1 = KC " kubectl get nodes --no-headers -o custom-columns=NAME:.metadata.name 2>/dev/null";
static const char *S2_PREFIX = KC " kubectl delete node ";
static const char *S3 =
    KC " kubectl get pods --all-namespaces --field-selector=status.phase=Running -o name 2>/dev/null; for pod_line in "
       "$(" KC " kubectl get pods --all-namespaces --no-headers 2>/dev/null | awk '$4 == \"Terminating\" {print "
       "$1\"/\"$2}'); do ns=${pod_line%%/*}; pod=${pod_line#*/}; " KC " kubectl delete pod \"$pod\" -n \"$ns\" --force "
       "--grace-period=0 --ignore-not-found 2>/dev/null; done";
static const char *S4 =
    KC "; export KUBECONFIG; CURRENT_NODE=$(kubectl get nodes --no-headers -o custom-columns=NAME:.metadata.name "
       "2>/dev/null | head -1); [ -z \"$CURRENT_NODE\" ] && exit 0; for pv in $(kubectl get pv -o "
       "jsonpath='{.items[*].metadata.name}' 2>/dev/null); do NODE=$(kubectl get pv \"$pv\" -o "
       "jsonpath='{.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}' 2>/dev/null); [ "
       "\"$NODE\" = \"$CURRENT_NODE\" ] && continue; NS=$(kubectl get pv \"$pv\" -o "
       "jsonpath='{.spec.claimRef.namespace}' 2>/dev/null); PVC=$(kubectl get pv \"$pv\" -o "
       "jsonpath='{.spec.claimRef.name}' 2>/dev/null); [ -n \"$PVC\" ] && kubectl delete pvc \"$PVC\" -n \"$NS\" "
       "--ignore-not-found 2>/dev/null; kubectl delete pv \"$pv\" --ignore-not-found 2>/dev/null; done";
static const char *M1 = KC " kubectl -n openshell get secret openshell-cli-client -o "
                           "jsonpath='{.data.ca\\.crt}{\"\\n\"}{.data.tls\\.crt}{\"\\n\"}{.data.tls\\.key}'";
static const char *W1 = KC " kubectl get statefulset/openshell -n openshell -o name 2>/dev/null";
static const char *W2 = KC " kubectl get deployment/openshell -n openshell -o name 2>/dev/null";

char *k3s_shell_normalize(const char *script)
{
    osh_buf out = OSH_BUF_INIT;
    for (const char *p = script; *p; p++) {
        if (*p == '\\' && p[1] == '\n') {
            p += 2;
            while (*p == ' ' || *p == '\t' || *p == '\n')
                p++;
            p--;
            if (out.len && out.data[out.len - 1] != ' ')
                osh_buf_append_char(&out, ' ');
            continue;
        }
        if (*p == ' ' || *p == '\t') {
            if (out.len && out.data[out.len - 1] != ' ')
                osh_buf_append_char(&out, ' ');
            continue;
        }
        osh_buf_append_char(&out, *p);
    }
    char *raw = osh_buf_detach(&out);
    char *trimmed = osh_str_trim_dup(raw ? raw : "");
    free(raw);
    return trimmed;
}

static const char *KIND_NAMES[] = {"other", "S1", "S2", "S3", "S4", "M1", "W1", "W2", "rollout-restart",
                                   "rollout-status", "ctr-import", "rm", "hostname"};

const char *k3s_command_kind_name(k3s_command_kind kind) { return KIND_NAMES[kind]; }

k3s_command_kind k3s_command_kind_from_name(const char *name)
{
    for (size_t i = 1; i < sizeof(KIND_NAMES) / sizeof(KIND_NAMES[0]); i++)
        if (strcmp(KIND_NAMES[i], name) == 0)
            return (k3s_command_kind)i;
    return K3S_CMD_OTHER;
}

k3s_command_kind k3s_shell_classify(const char *const *argv, size_t argc)
{
    if (argc == 1 && strcmp(argv[0], "hostname") == 0)
        return K3S_CMD_HOSTNAME;
    if (argc >= 1 && strcmp(argv[0], "ctr") == 0)
        return K3S_CMD_CTR_IMPORT;
    if (argc >= 1 && strcmp(argv[0], "rm") == 0)
        return K3S_CMD_RM;
    if (argc != 3 || strcmp(argv[0], "sh") != 0 || (strcmp(argv[1], "-c") != 0 && strcmp(argv[1], "-lc") != 0))
        return K3S_CMD_OTHER;
    char *s = k3s_shell_normalize(argv[2]);
    k3s_command_kind k = K3S_CMD_OTHER;
    if (strcmp(s, S1) == 0)
        k = K3S_CMD_S1;
    else if (osh_str_starts_with(s, S2_PREFIX) && osh_str_ends_with(s, " --ignore-not-found"))
        k = K3S_CMD_S2;
    else if (strcmp(s, S3) == 0)
        k = K3S_CMD_S3;
    else if (strcmp(s, S4) == 0)
        k = K3S_CMD_S4;
    else if (strcmp(s, M1) == 0)
        k = K3S_CMD_M1;
    else if (strcmp(s, W1) == 0)
        k = K3S_CMD_W1;
    else if (strcmp(s, W2) == 0)
        k = K3S_CMD_W2;
    else if (osh_str_starts_with(s, KC " kubectl rollout restart "))
        k = K3S_CMD_ROLLOUT_RESTART;
    else if (osh_str_starts_with(s, KC " kubectl rollout status "))
        k = K3S_CMD_ROLLOUT_STATUS;
    free(s);
    return k;
}

/* ---- running kubectl lines ---- */

static int kubectl_words(const k3s_shell_env *env, const char *const *words, size_t n, osh_buf *out, osh_buf *err)
{
    kubectl_env kenv = {env->store, env->read_file, env->user, env->stdin_data};
    return kubectl_sim_run(&kenv, (int)n, (char **)words, out, err);
}

/* kubectl WORDS... with stderr dropped (the scripts' 2>/dev/null). */
static int kubectl_quiet(const k3s_shell_env *env, osh_buf *out, const char *const *words, size_t n)
{
    osh_buf err = OSH_BUF_INIT;
    int rc = kubectl_words(env, words, n, out, &err);
    osh_buf_free(&err);
    return rc;
}

static void run_s3(const k3s_shell_env *env, osh_buf *out, int *exit_code)
{
    const char *list_running[] = {"kubectl", "get", "pods", "--all-namespaces", "--field-selector=status.phase=Running",
                                  "-o", "name"};
    kubectl_quiet(env, out, list_running, 7);
    *exit_code = 0;
    if (!env->store)
        return;
    kube_result pods = kube_store_list(env->store, kube_resource_by_user_name("pods"), NULL, NULL, NULL);
    const cJSON *pod;
    cJSON_ArrayForEach(pod, cJSON_GetObjectItemCaseSensitive(pods.body, "items"))
    {
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
        if (!cJSON_GetObjectItemCaseSensitive(meta, "deletionTimestamp"))
            continue;
        const char *del[] = {"kubectl", "delete", "pod", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "name")),
                             "-n", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "namespace")),
                             "--force", "--grace-period=0", "--ignore-not-found"};
        *exit_code = kubectl_quiet(env, out, del, 9);
    }
    cJSON_Delete(pods.body);
}

static char *kubectl_capture(const k3s_shell_env *env, const char *const *words, size_t n)
{
    osh_buf out = OSH_BUF_INIT;
    kubectl_quiet(env, &out, words, n);
    char *s = osh_buf_detach(&out);
    return s ? s : osh_str_dup("");
}

/* $(...) strips trailing newlines. */
static void chomp(char *s)
{
    size_t l = strlen(s);
    while (l && s[l - 1] == '\n')
        s[--l] = '\0';
}

static void run_s4(const k3s_shell_env *env, osh_buf *out, int *exit_code)
{
    *exit_code = 0;
    const char *nodes[] = {"kubectl", "get", "nodes", "--no-headers", "-o", "custom-columns=NAME:.metadata.name"};
    char *all = kubectl_capture(env, nodes, 6);
    char *nl = strchr(all, '\n');
    if (nl)
        *nl = '\0';
    char *current = osh_str_trim_dup(all);
    free(all);
    if (!*current) {
        free(current);
        return;
    }
    const char *pvs[] = {"kubectl", "get", "pv", "-o", "jsonpath={.items[*].metadata.name}"};
    char *names = kubectl_capture(env, pvs, 5);
    for (char *save = NULL, *pv = strtok_r(names, " \n\t", &save); pv; pv = strtok_r(NULL, " \n\t", &save)) {
        const char *q_node[] = {"kubectl", "get", "pv", pv, "-o",
                                "jsonpath={.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}"};
        char *node = kubectl_capture(env, q_node, 6);
        chomp(node);
        bool same = strcmp(node, current) == 0;
        free(node);
        if (same)
            continue;
        const char *q_ns[] = {"kubectl", "get", "pv", pv, "-o", "jsonpath={.spec.claimRef.namespace}"};
        const char *q_pvc[] = {"kubectl", "get", "pv", pv, "-o", "jsonpath={.spec.claimRef.name}"};
        char *ns = kubectl_capture(env, q_ns, 6), *pvc = kubectl_capture(env, q_pvc, 6);
        chomp(ns);
        chomp(pvc);
        if (*pvc) {
            const char *del_pvc[] = {"kubectl", "delete", "pvc", pvc, "-n", ns, "--ignore-not-found"};
            kubectl_quiet(env, out, del_pvc, 7);
        }
        const char *del_pv[] = {"kubectl", "delete", "pv", pv, "--ignore-not-found"};
        *exit_code = kubectl_quiet(env, out, del_pv, 5);
        free(ns);
        free(pvc);
    }
    free(names);
    free(current);
    *exit_code = 0;
}

/* ---- simple command lines ---- */

typedef enum { OP_END, OP_SEQ, OP_AND, OP_OR, OP_PIPE } joiner;

typedef struct simple_cmd {
    char **words;
    size_t n;
    bool drop_out, drop_err, err_to_out;
    joiner next;
} simple_cmd;

static void cmds_free(simple_cmd *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < c[i].n; j++)
            free(c[i].words[j]);
        free(c[i].words);
    }
    free(c);
}

static void add_word(simple_cmd *c, osh_buf *w)
{
    c->words = realloc(c->words, (c->n + 1) * sizeof(char *));
    if (!c->words)
        abort();
    char *s = osh_buf_detach(w);
    c->words[c->n++] = s ? s : osh_str_dup("");
}

/* Applies a redirection word; false when it is not one. */
static bool redirection(simple_cmd *c, const char *w)
{
    if (strcmp(w, "2>/dev/null") == 0)
        c->drop_err = true;
    else if (strcmp(w, ">/dev/null") == 0 || strcmp(w, "1>/dev/null") == 0)
        c->drop_out = true;
    else if (strcmp(w, "2>&1") == 0)
        c->err_to_out = true;
    else if (strcmp(w, "&>/dev/null") == 0)
        c->drop_out = c->drop_err = true;
    else
        return false;
    return true;
}

/* Splits a line into simple commands; NULL when it uses anything else. */
/* '...' at *p (on the opening quote) into w; false when unterminated. */
static bool read_single_quoted(const char **p, osh_buf *w)
{
    const char *e = strchr(*p + 1, '\'');
    if (!e)
        return false;
    osh_buf_append(w, *p + 1, (size_t)(e - *p - 1));
    *p = e;
    return true;
}

/* "..." at *p into w with its backslash escapes; false when unterminated or when it needs
 * expansion ($, `), which this shell does not do. */
static bool read_double_quoted(const char **p, osh_buf *w)
{
    const char *q = *p + 1;
    for (; *q && *q != '"'; q++) {
        if (*q == '$' || *q == '`')
            return false;
        if (*q == '\\' && (q[1] == '"' || q[1] == '\\' || q[1] == '$' || q[1] == '`'))
            q++;
        osh_buf_append_char(w, *q);
    }
    *p = q;
    return *q == '"';
}

/* Ends the command at *p and starts the next one; *p moves past a two-byte operator. */
static simple_cmd *next_command(simple_cmd *cmds, size_t *n, const char **p)
{
    char ch = **p;
    bool pipe = ch == '|' && (*p)[1] != '|';
    cmds[*n - 1].next = ch == ';' ? OP_SEQ : ch == '&' ? OP_AND : pipe ? OP_PIPE : OP_OR;
    if (ch != ';' && !pipe)
        (*p)++;
    cmds = realloc(cmds, (*n + 1) * sizeof(*cmds));
    if (!cmds)
        abort();
    memset(&cmds[*n], 0, sizeof(*cmds));
    (*n)++;
    return cmds;
}

/* Splits a line into simple commands; NULL when it uses anything else (expansions,
 * subshells, background jobs, redirections other than to /dev/null or 2>&1). */
static simple_cmd *parse_line(const char *line, size_t *n_out)
{
    simple_cmd *cmds = calloc(1, sizeof(*cmds));
    size_t n = 1;
    osh_buf w = OSH_BUF_INIT;
    bool in_word = false, quoted_word = false, redirect_chars = false;
    char *pending_redirect = NULL;
    for (const char *p = line;; p++) {
        char ch = *p;
        if (ch == '\'' || ch == '"') {
            if (!(ch == '\'' ? read_single_quoted(&p, &w) : read_double_quoted(&p, &w)))
                goto fail;
            in_word = quoted_word = true;
            continue;
        }
        if (ch == '\\' && p[1]) {
            osh_buf_append_char(&w, *++p);
            in_word = true;
            continue;
        }
        if (ch == '$' || ch == '`' || ch == '(' || ch == ')' || ch == '<' || (ch == '{' && !in_word) ||
            (ch == '&' && p[1] != '&' && !(in_word && w.len && w.data[w.len - 1] == '>')))
            goto fail;
        bool sep = ch == '\0' || ch == ' ' || ch == '\t' || ch == '\n' || ch == ';' || (ch == '&' && p[1] == '&') || ch == '|';
        if (!sep) {
            redirect_chars = redirect_chars || ch == '>';
            osh_buf_append_char(&w, ch);
            in_word = true;
            continue;
        }
        if (in_word) {
            /* "2> /dev/null": the operator and its target as two words */
            const char *word = osh_buf_str(&w);
            if (!quoted_word && !pending_redirect &&
                (strcmp(word, ">") == 0 || strcmp(word, "1>") == 0 || strcmp(word, "2>") == 0)) {
                pending_redirect = osh_str_dup(word);
                osh_buf_reset(&w);
                in_word = redirect_chars = false;
                if (ch == ' ' || ch == '\t')
                    continue;
                goto fail; /* nothing follows the operator */
            }
            char *joined = pending_redirect ? osh_str_printf("%s%s", pending_redirect, word) : NULL;
            bool redirected = !quoted_word && redirection(&cmds[n - 1], joined ? joined : word);
            bool bad = (pending_redirect && !redirected) || (!redirected && redirect_chars && !quoted_word);
            free(joined);
            free(pending_redirect);
            pending_redirect = NULL;
            if (bad)
                goto fail;
            if (!redirected)
                add_word(&cmds[n - 1], &w);
            osh_buf_reset(&w);
            in_word = quoted_word = redirect_chars = false;
        }
        if (pending_redirect && ch != ' ' && ch != '\t')
            goto fail;
        if (ch == '\0')
            break;
        if (ch == ';' || ch == '&' || ch == '|')
            cmds = next_command(cmds, &n, &p);
    }
    osh_buf_free(&w);
    *n_out = n;
    return cmds;
fail:
    free(pending_redirect);
    osh_buf_free(&w);
    cmds_free(cmds, n);
    return NULL;
}

static bool is_assignment(const char *w)
{
    const char *eq = strchr(w, '=');
    if (!eq || eq == w)
        return false;
    for (const char *p = w; p < eq; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_' || (p > w && *p >= '0' && *p <= '9')))
            return false;
    return true;
}

static bool known_command(const char *name)
{
    const char *known[] = {"kubectl", "hostname", "ctr", "rm", "nslookup", "echo", "true", "false", "exit", "export",
                           "head", "tail", "grep", "wc", "sort", "cat", "sh"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(known[i], name) == 0)
            return true;
    return false;
}

static int run_rm(const k3s_shell_env *env, const char *const *w, size_t n, osh_buf *err)
{
    bool force = false;
    int rc = 0;
    for (size_t i = 1; i < n; i++) {
        if (w[i][0] == '-') {
            force = force || strchr(w[i], 'f');
            continue;
        }
        if ((!env->remove_file || env->remove_file(env->user, w[i]) != 0) && !force) {
            osh_buf_appendf(err, "rm: cannot remove '%s': No such file or directory\n", w[i]);
            rc = 1;
        }
    }
    return rc;
}

static int run_nslookup(const k3s_shell_env *env, const char *const *w, size_t n, osh_buf *out)
{
    const char *host = n > 1 ? w[n - 1] : "kubernetes.default";
    if (env->dns_fails) {
        osh_buf_append_str(out, ";; connection timed out; no servers could be reached\n\n");
        return 1;
    }
    osh_buf_appendf(out, "Server:\t\t10.43.0.10\nAddress:\t10.43.0.10:53\n\nNon-authoritative answer:\nName:\t%s\nAddress: "
                         "140.82.112.34\n\n",
                    host);
    return 0;
}

/* A nested shell goes at most this deep (sh -c "sh -c '...'"), like a recursion guard. */
#define K3S_SHELL_MAX_DEPTH 8

static bool run_script(const k3s_shell_env *env, const char *script, osh_buf *out, osh_buf *err, int *exit_code,
                       int depth);
static bool script_supported(const char *script, int depth);

/* "sh -c SCRIPT" or "sh -lc SCRIPT": the only forms of sh this shell runs. */
static bool is_sh_c(const char *const *w, size_t n)
{
    return n == 3 && strcmp(w[0], "sh") == 0 && (strcmp(w[1], "-c") == 0 || strcmp(w[1], "-lc") == 0);
}

/* Runs one simple command (words without assignments); input is the pipe's data or NULL. */
static int run_words(const k3s_shell_env *env, const char *const *w, size_t n, const char *input, osh_buf *out,
                     osh_buf *err, int depth)
{
    const char *name = w[0];
    if (strcmp(name, "sh") == 0) {
        int rc = 0;
        run_script(env, w[2], out, err, &rc, depth + 1); /* checked by script_supported */
        return rc;
    }
    if (k3s_filter_is(name))
        return k3s_filter_run(env, w, n, input, out, err);
    if (strcmp(name, "kubectl") == 0)
        return kubectl_words(env, w, n, out, err);
    if (strcmp(name, "hostname") == 0) {
        osh_buf_appendf(out, "%s\n", env->hostname ? env->hostname : "");
        return 0;
    }
    if (strcmp(name, "ctr") == 0)
        return k3s_ctr_run(env, w, n, out, err);
    if (strcmp(name, "rm") == 0)
        return run_rm(env, w, n, err);
    if (strcmp(name, "nslookup") == 0)
        return run_nslookup(env, w, n, out);
    if (strcmp(name, "echo") == 0) {
        bool newline = !(n > 1 && strcmp(w[1], "-n") == 0);
        for (size_t i = newline ? 1 : 2; i < n; i++)
            osh_buf_appendf(out, "%s%s", i > (newline ? 1u : 2u) ? " " : "", w[i]);
        if (newline)
            osh_buf_append_char(out, '\n');
        return 0;
    }
    if (strcmp(name, "false") == 0)
        return 1;
    if (strcmp(name, "exit") == 0)
        return n > 1 ? atoi(w[1]) : 0;
    return 0; /* true, export */
}

/* Every command known, every nested sh -c script supported in turn: the whole line is
 * checked before anything runs, so a line this shell cannot run has no side effects. */
static bool commands_supported(simple_cmd *cmds, size_t n, int depth)
{
    for (size_t i = 0; i < n; i++) {
        size_t first = 0;
        while (first < cmds[i].n && is_assignment(cmds[i].words[first]))
            first++;
        if (first == cmds[i].n)
            continue;
        const char *const *w = (const char *const *)cmds[i].words + first;
        size_t wn = cmds[i].n - first;
        if (!known_command(w[0]))
            return false;
        if (strcmp(w[0], "sh") == 0 && !(is_sh_c(w, wn) && script_supported(w[2], depth + 1)))
            return false;
    }
    return true;
}

static bool script_supported(const char *script, int depth)
{
    if (depth > K3S_SHELL_MAX_DEPTH)
        return false;
    char *normal = k3s_shell_normalize(script);
    bool ok = strcmp(normal, S3) == 0 || strcmp(normal, S4) == 0;
    size_t n;
    simple_cmd *cmds = ok ? NULL : parse_line(normal, &n);
    if (cmds) {
        ok = commands_supported(cmds, n, depth);
        cmds_free(cmds, n);
    }
    free(normal);
    return ok;
}

static bool run_line(const k3s_shell_env *env, const char *line, osh_buf *out, osh_buf *err, int *exit_code,
                     int depth)
{
    size_t n;
    simple_cmd *cmds = parse_line(line, &n);
    if (!cmds)
        return false;
    if (!commands_supported(cmds, n, depth)) {
        cmds_free(cmds, n);
        return false;
    }
    int rc = 0;
    joiner prev = OP_SEQ;
    osh_buf pipe = OSH_BUF_INIT;
    bool piped = false;
    for (size_t i = 0; i < n; i++) {
        simple_cmd *c = &cmds[i];
        bool run = prev == OP_SEQ || prev == OP_PIPE || (prev == OP_AND && rc == 0) || (prev == OP_OR && rc != 0);
        bool reads_pipe = prev == OP_PIPE;
        prev = c->next;
        size_t first = 0;
        while (first < c->n && is_assignment(c->words[first]))
            first++;
        if (!run || first == c->n) {
            if (run)
                rc = 0;
            continue;
        }
        osh_buf o = OSH_BUF_INIT, e = OSH_BUF_INIT;
        char *input = reads_pipe && piped ? osh_buf_detach(&pipe) : NULL;
        piped = false;
        rc = run_words(env, (const char *const *)c->words + first, c->n - first, reads_pipe ? (input ? input : "") : NULL,
                       &o, &e, depth);
        free(input);
        if (c->next == OP_PIPE && !c->drop_out) {
            osh_buf_append(&pipe, o.data, o.len); /* to the next command, not the output */
            piped = true;
        } else if (!c->drop_out) {
            osh_buf_append(out, o.data, o.len);
        }
        if (c->err_to_out && !c->drop_out)
            osh_buf_append(out, e.data, e.len);
        else if (!c->drop_err && !c->err_to_out)
            osh_buf_append(err, e.data, e.len);
        osh_buf_free(&o);
        osh_buf_free(&e);
        if (strcmp(c->words[first], "exit") == 0)
            break;
    }
    osh_buf_free(&pipe);
    cmds_free(cmds, n);
    *exit_code = rc;
    return true;
}

bool k3s_shell_run(const k3s_shell_env *env, const char *const *argv, size_t argc, osh_buf *out, osh_buf *err,
                   int *exit_code)
{
    if (argc == 0)
        return false;
    if (is_sh_c(argv, argc))
        return run_script(env, argv[2], out, err, exit_code, 1);
    if (!known_command(argv[0]) || strcmp(argv[0], "sh") == 0)
        return false;
    *exit_code = run_words(env, argv, argc, NULL, out, err, 0);
    return true;
}

/* The script of one sh -c at nesting depth (1 for the exec's own sh). */
static bool run_script(const k3s_shell_env *env, const char *script, osh_buf *out, osh_buf *err, int *exit_code,
                       int depth)
{
    if (depth > K3S_SHELL_MAX_DEPTH)
        return false;
    char *normal = k3s_shell_normalize(script);
    bool handled = true;
    if (strcmp(normal, S3) == 0)
        run_s3(env, out, exit_code);
    else if (strcmp(normal, S4) == 0)
        run_s4(env, out, exit_code);
    else
        handled = run_line(env, normal, out, err, exit_code, depth);
    free(normal);
    return handled;
}
