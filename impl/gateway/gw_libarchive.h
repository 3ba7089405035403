/* gw_libarchive.h: libarchive, loaded the first time it is needed. Only image push (rules §6)
 * writes a tar, and libarchive brings libxml2, ICU and libstdc++ with it: linked at start-up
 * they cost every `openshell` invocation about a third of its start-up time (bench_deploy).
 * The types and constants still come from <archive.h>; the functions come from this table. */
#ifndef GW_LIBARCHIVE_H
#define GW_LIBARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

#include "gw_error.h"

typedef struct gw_libarchive {
    __typeof__(archive_write_new) *write_new;
    __typeof__(archive_write_set_format_gnutar) *write_set_format_gnutar;
    __typeof__(archive_write_set_bytes_in_last_block) *write_set_bytes_in_last_block;
    __typeof__(archive_write_open_FILE) *write_open_FILE;
    __typeof__(archive_write_header) *write_header;
    __typeof__(archive_write_data) *write_data;
    __typeof__(archive_write_close) *write_close;
    __typeof__(archive_write_free) *write_free;
    __typeof__(archive_error_string) *error_string;
    __typeof__(archive_entry_new) *entry_new;
    __typeof__(archive_entry_free) *entry_free;
    __typeof__(archive_entry_set_pathname) *entry_set_pathname;
    __typeof__(archive_entry_set_filetype) *entry_set_filetype;
    __typeof__(archive_entry_set_perm) *entry_set_perm;
    __typeof__(archive_entry_set_uid) *entry_set_uid;
    __typeof__(archive_entry_set_gid) *entry_set_gid;
    __typeof__(archive_entry_set_mtime) *entry_set_mtime;
    __typeof__(archive_entry_set_size) *entry_set_size;
} gw_libarchive;

/* The table, loading OSH_LIBARCHIVE_SONAME on the first call (thread-safe; the library
 * stays loaded). NULL with GW_E_IO "cannot load {soname}: {dlerror}" when it or one of its
 * functions cannot be found. */
const gw_libarchive *gw_libarchive_get(gw_error *err);

#endif
