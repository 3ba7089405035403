/* test_shell_escape.c: the doctor exec escaping (gw_shell_escape, rules §9.5) round-trips through
 * a real /bin/sh: `printf '%s\n' ESCAPED...` prints every argument back byte for byte. Kept out
 * of the fuzz loop (it forks a shell per case); the cases are fixed edge cases plus
 * pseudo-random byte strings from a fixed seed, so a failure always reproduces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "gateway.h"
#include "osh_buf.h"

/* Runs /bin/sh -c script and returns its stdout (malloc'd). */
static char *run_sh(const char *script, int *status)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl("/bin/sh", "sh", "-c", script, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    osh_buf out = OSH_BUF_INIT;
    char chunk[4096];
    ssize_t n;
    while ((n = read(fds[0], chunk, sizeof chunk)) > 0)
        osh_buf_append(&out, chunk, (size_t)n);
    close(fds[0]);
    waitpid(pid, status, 0);
    osh_buf_append(&out, "", 0);
    return osh_buf_detach(&out);
}

static void assert_round_trip(const char *const *args, size_t n)
{
    osh_buf script = OSH_BUF_INIT, expected = OSH_BUF_INIT;
    osh_buf_append_str(&script, "printf '%s\\n'");
    for (size_t i = 0; i < n; i++) {
        char *e = gw_shell_escape(args[i]);
        osh_buf_appendf(&script, " %s", e);
        free(e);
        osh_buf_appendf(&expected, "%s\n", args[i]);
    }
    int status = 0;
    char *out = run_sh(osh_buf_str(&script), &status);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (strcmp(out, osh_buf_str(&expected)) != 0)
        fail_msg("script %s printed [%s], expected [%s]", osh_buf_str(&script), out, osh_buf_str(&expected));
    free(out);
    osh_buf_free(&script);
    osh_buf_free(&expected);
}

static void test_edge_cases(void **state)
{
    static const char *const args[] = {"", "plain", "two words", "it's", "'", "''", "\\", "\\'", "$HOME", "`id`",
                                       "$(id)", "a\nb", "\t", "*", "?", "[a]", "~", "#c", ";", "&&", "|", ">x",
                                       "<x", "!", "\"q\"", "%s", "-n", "--", "=", "a=b", "é", "\x01\x7f\xff"};
    assert_round_trip(args, sizeof args / sizeof args[0]);
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++)
        assert_round_trip(&args[i], 1);
}

static void test_plain_words_stay_unquoted(void **state)
{
    char *e = gw_shell_escape("kubectl");
    assert_string_equal(e, "kubectl");
    free(e);
    e = gw_shell_escape("it's");
    assert_string_equal(e, "'it'\\''s'");
    free(e);
}

static void test_random_bytes(void **state)
{
    uint32_t x = 0x9e3779b9u; /* fixed seed: xorshift32 */
    for (int round = 0; round < 40; round++) {
        char *args[8];
        for (int i = 0; i < 8; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            size_t len = x % 24;
            args[i] = malloc(len + 1);
            for (size_t k = 0; k < len; k++) {
                x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                args[i][k] = (char)(x % 255 + 1); /* any byte but NUL */
            }
            args[i][len] = '\0';
        }
        assert_round_trip((const char *const *)args, 8);
        for (int i = 0; i < 8; i++)
            free(args[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_plain_words_stay_unquoted),
        cmocka_unit_test(test_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
