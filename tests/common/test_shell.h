/* test_shell.h: run a shell command line in a test and capture what it prints, for the
 * tests that judge the mocks with real clients (kubectl, docker) or run openshell-mockd. */
#ifndef TEST_SHELL_H
#define TEST_SHELL_H

#include "osh_buf.h"

/* Runs `sh -c "CMD 2>&1"`; *out holds its stdout and stderr (replacing what it held).
 * Returns the exit status, -1 when it did not exit normally; fails the test when the
 * shell cannot be started. */
int test_shell(const char *cmd, osh_buf *out);

#endif
