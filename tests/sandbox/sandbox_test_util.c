/* sandbox_test_util.c: see sandbox_test_util.h. */
#include "sandbox_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "osh_buf.h"
#include "osh_file.h"
#include "osh_str.h"

/* Test files are fixtures and outputs of a few KiB. */
#define TEST_FILE_MAX ((size_t)64 * 1024 * 1024)

char *test_read_file(const char *path)
{
    char *error = NULL;
    char *text = osh_file_read(path, TEST_FILE_MAX, NULL, &error);
    free(error);
    return text;
}

cJSON *test_load_json(const char *path)
{
    char *text = test_read_file(path);
    if (!text)
        fail_msg("cannot read %s", path);
    cJSON *json = cJSON_Parse(text);
    free(text);
    if (!json)
        fail_msg("%s is not JSON", path);
    return json;
}

void test_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static const char *config_string(const cJSON *config, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(config, key);
    if (!cJSON_IsString(item))
        fail_msg("golden config: %s: expected string", key);
    return item->valuestring;
}

void test_config_from_golden(const cJSON *input, sandbox_client_config *config)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(input, "config");
    assert_true(cJSON_IsObject(c));
    memset(config, 0, sizeof *config);
    config->namespace_ = config_string(c, "namespace");
    config->default_image = config_string(c, "default_image");
    config->image_pull_policy = config_string(c, "image_pull_policy");
    config->grpc_endpoint = config_string(c, "grpc_endpoint");
    config->ssh_listen_addr = config_string(c, "ssh_listen_addr");
    config->ssh_handshake_secret = config_string(c, "ssh_handshake_secret");
    const cJSON *skew = cJSON_GetObjectItemCaseSensitive(c, "ssh_handshake_skew_secs");
    assert_true(cJSON_IsNumber(skew));
    config->ssh_handshake_skew_secs = (unsigned long long)skew->valuedouble;
    config->client_tls_secret = config_string(c, "client_tls_secret");
    config->host_gateway_ip = config_string(c, "host_gateway_ip");
}

int test_golden_create_args(const cJSON *input, const char *spec_path, char skew[32], const char **args)
{
    sandbox_client_config c;
    test_config_from_golden(input, &c);
    snprintf(skew, 32, "%llu", c.ssh_handshake_skew_secs);
    const char *line[] = {"create", "--name", config_string(input, "name"), "--id", config_string(input, "id"),
                          "--namespace", c.namespace_, "--default-image", c.default_image,
                          "--image-pull-policy", c.image_pull_policy, "--grpc-endpoint", c.grpc_endpoint,
                          "--ssh-listen-addr", c.ssh_listen_addr, "--ssh-handshake-secret", c.ssh_handshake_secret,
                          "--ssh-handshake-skew-secs", skew, "--client-tls-secret", c.client_tls_secret,
                          "--host-gateway-ip", c.host_gateway_ip};
    int n = 0;
    for (size_t i = 0; i < sizeof line / sizeof *line; i++)
        args[n++] = line[i];
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(input, "spec");
    if (spec) {
        char *text = cJSON_Print(spec);
        test_write_file(spec_path, text);
        cJSON_free(text);
        args[n++] = "--spec";
        args[n++] = spec_path;
    }
    return n;
}

bool test_json_equal(const char *label, const cJSON *expected, const cJSON *actual)
{
    if (expected && actual && cJSON_Compare(expected, actual, 1))
        return true;
    char *e = expected ? cJSON_Print(expected) : osh_str_dup("(null)");
    char *a = actual ? cJSON_Print(actual) : osh_str_dup("(null)");
    fprintf(stderr, "%s: JSON differs\n--- expected\n%s\n--- actual\n%s\n", label, e, a);
    free(e);
    free(a);
    return false;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int test_list_golden_cases(const char *dir, char ***names)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s", dir);
    int count = 0;
    *names = NULL;
    struct dirent *entry;
    while ((entry = readdir(d))) {
        if (!osh_str_ends_with(entry->d_name, ".input.json"))
            continue;
        *names = realloc(*names, (size_t)(count + 1) * sizeof **names);
        (*names)[count++] = osh_str_ndup(entry->d_name, strlen(entry->d_name) - strlen(".input.json"));
    }
    closedir(d);
    qsort(*names, (size_t)count, sizeof **names, compare_names);
    return count;
}

extern char **environ;

/* environ with the "K=V" entries of env set and the bare "K" entries removed. */
static char **build_environment(char *const env[])
{
    size_t n = 0, extra = 0;
    while (environ[n])
        n++;
    while (env && env[extra])
        extra++;
    char **out = calloc(n + extra + 1, sizeof *out);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        bool overridden = false;
        for (size_t k = 0; k < extra; k++) {
            size_t key_len = strcspn(env[k], "=");
            if (strncmp(environ[i], env[k], key_len) == 0 && environ[i][key_len] == '=')
                overridden = true;
        }
        if (!overridden)
            out[count++] = environ[i];
    }
    for (size_t k = 0; k < extra; k++)
        if (strchr(env[k], '='))
            out[count++] = env[k];
    out[count] = NULL;
    return out;
}

void test_run(char *const argv[], char *const env[], test_run_result *result)
{
    char dir[] = "/tmp/osh-sbx-run-XXXXXX";
    if (!mkdtemp(dir))
        fail_msg("mkdtemp failed");
    char *out_path = osh_str_printf("%s/out", dir);
    char *err_path = osh_str_printf("%s/err", dir);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char **envp = build_environment(env);
    pid_t pid;
    if (posix_spawn(&pid, argv[0], &actions, NULL, argv, envp) != 0)
        fail_msg("cannot run %s", argv[0]);
    posix_spawn_file_actions_destroy(&actions);
    free(envp);
    int status = 0;
    waitpid(pid, &status, 0);
    result->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result->out = test_read_file(out_path);
    result->err = test_read_file(err_path);
    unlink(out_path);
    unlink(err_path);
    rmdir(dir);
    free(out_path);
    free(err_path);
}

void test_run_result_free(test_run_result *result)
{
    free(result->out);
    free(result->err);
    memset(result, 0, sizeof *result);
}

int test_spawn_watch(const char *kubeconfig, const char *max_events, const char *err_path, int *out_fd)
{
    const char *argv[12];
    int n = test_cli_prefix(argv);
    const char *rest[] = {"watch", "--kubeconfig", kubeconfig, "--max-events", max_events, NULL};
    for (size_t i = 0; i < sizeof rest / sizeof *rest; i++)
        argv[n + (int)i] = rest[i];
    return test_spawn_reading((char *const *)argv, NULL, err_path, out_fd);
}

int test_spawn_reading(char *const argv[], char *const env[], const char *err_path, int *out_fd)
{
    int fds[2];
    if (pipe(fds) != 0)
        fail_msg("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    posix_spawn_file_actions_addopen(&actions, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char **envp = build_environment(env);
    pid_t pid;
    if (posix_spawn(&pid, argv[0], &actions, NULL, argv, envp) != 0)
        fail_msg("cannot run %s", argv[0]);
    posix_spawn_file_actions_destroy(&actions);
    free(envp);
    close(fds[1]);
    *out_fd = fds[0];
    return pid;
}

char *test_read_line(int fd)
{
    osh_buf line = OSH_BUF_INIT;
    char c;
    ssize_t n;
    while ((n = read(fd, &c, 1)) == 1 && c != '\n')
        osh_buf_append_char(&line, c);
    if (n != 1 && line.len == 0) {
        osh_buf_free(&line);
        return NULL;
    }
    osh_buf_append(&line, "", 0);
    return osh_buf_detach(&line);
}

static bool use_openshell;

int test_cli_select(int argc, char **argv)
{
    use_openshell = argc > 1 && strcmp(argv[1], "--openshell") == 0;
    if (use_openshell && access(TEST_OPENSHELL, X_OK) != 0) {
        printf("%s is not built: skipping\n", TEST_OPENSHELL);
        exit(77);
    }
    return use_openshell;
}

int test_cli_prefix(const char **argv)
{
    if (!use_openshell) {
        argv[0] = TEST_SANDBOX_DRIVER;
        return 1;
    }
    argv[0] = TEST_OPENSHELL;
    argv[1] = "sandbox";
    return 2;
}

cJSON *test_golden_as_stored(const cJSON *golden)
{
    cJSON *copy = cJSON_Duplicate(golden, true);
    cJSON *spec = cJSON_GetObjectItem(copy, "spec");
    const char *pruned[] = {"logLevel", "environment", "agentSocket"};
    for (size_t i = 0; i < 3; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(spec, pruned[i]);
    return copy;
}
