/* test_shell.c: see test_shell.h. */
#include "test_shell.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "osh_str.h"

int test_shell(const char *cmd, osh_buf *out)
{
    char *full = osh_str_printf("%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    free(full);
    assert_non_null(p);
    char buf[4096];
    size_t n;
    osh_buf_reset(out);
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        osh_buf_append(out, buf, n);
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
