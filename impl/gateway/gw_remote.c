/* gw_remote.c: the ssh side of a remote deploy (rules §4.6 remote): the host named by the
 * destination and what `ssh -G` resolves it to. */
#include "gw_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osh_proc.h"
#include "osh_str.h"

char *gw_ssh_host_of(const char *dest)
{
    const char *d = dest;
    if (osh_str_starts_with(d, "ssh://"))
        d += strlen("ssh://");
    const char *at = strchr(d, '@');
    if (at)
        d = at + 1;
    return osh_str_dup(d);
}

char *gw_ssh_resolve_host(const char *ssh_host)
{
    char *argv[] = {"ssh", "-G", (char *)ssh_host, NULL};
    osh_buf out = OSH_BUF_INIT;
    char *resolved = NULL;
    if (osh_capture(argv, &(osh_capture_options){.stderr_null = true}, &out) == 0) {
        const char *p = osh_buf_str(&out);
        while (*p && !resolved) {
            size_t len = strcspn(p, "\n");
            const char *value = osh_str_after(p, "hostname ");
            if (value && value < p + len) {
                char *line = osh_str_ndup(value, len - (size_t)(value - p));
                resolved = osh_str_trim_dup(line);
                free(line);
            }
            p += len + (p[len] ? 1 : 0);
        }
    }
    osh_buf_free(&out);
    if (resolved && !*resolved) {
        free(resolved);
        resolved = NULL;
    }
    return resolved ? resolved : osh_str_dup(ssh_host);
}
