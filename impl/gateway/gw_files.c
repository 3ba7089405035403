/* gw_files.c: crash-safe writes of config files (temp file, fsync, rename, fsync of the
 * directory), the sweep of temp files a killed process left, and the writability check of
 * the config root that runs before a deploy touches Docker. */
#include "gw_config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osh_str.h"

/* What separates a file's name from the writer's pid in "{file}.tmp.{pid}". */
#define TEMP_MARK ".tmp."

/* The pid of a "{file}.tmp.{pid}" name, or 0 when the name is not one. */
static long temp_pid(const char *name)
{
    const char *mark = strstr(name, TEMP_MARK);
    if (!mark || mark == name)
        return 0;
    while (strstr(mark + 1, TEMP_MARK))
        mark = strstr(mark + 1, TEMP_MARK);
    const char *digits = mark + strlen(TEMP_MARK);
    if (!*digits || strspn(digits, "0123456789") != strlen(digits) || strlen(digits) > 9)
        return 0;
    return strtol(digits, NULL, 10);
}

static bool process_gone(long pid)
{
    return pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Removes stale temps in dir; with prefix, only those of that file ("x.json" -> x.json.tmp.*). */
static void sweep(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    size_t plen = prefix ? strlen(prefix) : 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        long pid = temp_pid(de->d_name);
        if (pid <= 0 || (prefix && (strncmp(de->d_name, prefix, plen) != 0 || !osh_str_starts_with(de->d_name + plen, TEMP_MARK))))
            continue;
        if (process_gone(pid)) {
            char *path = osh_str_printf("%s/%s", dir, de->d_name);
            unlink(path);
            free(path);
        }
    }
    closedir(d);
}

void gw_sweep_stale_temps(const char *dir)
{
    sweep(dir, NULL);
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return osh_str_dup(".");
    return slash == path ? osh_str_dup("/") : osh_str_ndup(path, (size_t)(slash - path));
}

/* After a rename the new directory entry is durable only once the directory is synced. */
void gw_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static int write_all(int fd, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        off += (size_t)w;
    }
    return fsync(fd);
}

int gw_write_file_atomic(const char *path, const char *data, size_t len, int mode, gw_error *err)
{
    char *dir = dir_of(path);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    sweep(dir, base);
    char *tmp = osh_str_printf("%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    int rc = 0;
    if (fd < 0) {
        rc = gw_fail(err, GW_E_IO, "failed to write %s: %s", path, strerror(errno));
    } else {
        if (write_all(fd, data, len) != 0)
            rc = gw_fail(err, GW_E_IO, "failed to write %s: %s", path, strerror(errno));
        if (close(fd) != 0 && rc == 0)
            rc = gw_fail(err, GW_E_IO, "failed to write %s: %s", path, strerror(errno));
        if (rc == 0 && rename(tmp, path) != 0)
            rc = gw_fail(err, GW_E_IO, "failed to write %s: %s", path, strerror(errno));
        if (rc != 0)
            unlink(tmp);
        else
            gw_sync_dir(dir);
    }
    free(tmp);
    free(dir);
    return rc;
}

int gw_write_new_file_synced(const char *path, const char *data, size_t len, int mode, gw_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
    if (fd < 0)
        return gw_fail(err, GW_E_IO, "failed to write %s: %s", path, strerror(errno));
    int rc = 0;
    if (write_all(fd, data, len) != 0)
        rc = gw_fail(err, GW_E_IO, "failed to write %s: %s", path, strerror(errno));
    if (close(fd) != 0 && rc == 0)
        rc = gw_fail(err, GW_E_IO, "failed to write %s: %s", path, strerror(errno));
    if (rc != 0)
        unlink(path);
    return rc;
}

int gw_config_root_check_writable(const char *root, gw_error *err)
{
    char *probe = osh_str_dup(root);
    struct stat st;
    int rc = 0;
    /* climb to the nearest existing ancestor: that is where mkdir -p would start */
    while (stat(probe, &st) != 0 && errno == ENOENT && strcmp(probe, "/") != 0) {
        char *up = dir_of(probe);
        free(probe);
        probe = up;
    }
    if (stat(probe, &st) != 0)
        rc = gw_fail(err, GW_E_IO, "config directory %s is not writable: %s: %s", root, probe, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = gw_fail(err, GW_E_IO, "config directory %s is not writable: %s is not a directory", root, probe);
    else {
        char *tmpl = osh_str_printf("%s/.openshell-write-check-XXXXXX", strcmp(probe, "/") ? probe : "");
        int fd = mkstemp(tmpl);
        if (fd < 0) {
            rc = gw_fail(err, GW_E_IO, "config directory %s is not writable: %s: %s", root, probe, strerror(errno));
        } else {
            close(fd);
            unlink(tmpl);
        }
        free(tmpl);
    }
    free(probe);
    return rc;
}
