/* gw_libarchive.c: the lazily loaded libarchive function table (see gw_libarchive.h). */
#include "gw_libarchive.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include "osh_str.h"

#ifndef OSH_LIBARCHIVE_SONAME
#error OSH_LIBARCHIVE_SONAME must name the libarchive shared object (set by CMake)
#endif

/* Each table slot and the symbol that fills it. */
#define SLOT(field, symbol) {offsetof(gw_libarchive, field), #symbol}
static const struct {
    size_t offset;
    const char *symbol;
} SLOTS[] = {
    SLOT(write_new, archive_write_new),
    SLOT(write_set_format_gnutar, archive_write_set_format_gnutar),
    SLOT(write_set_bytes_in_last_block, archive_write_set_bytes_in_last_block),
    SLOT(write_open_FILE, archive_write_open_FILE),
    SLOT(write_header, archive_write_header),
    SLOT(write_data, archive_write_data),
    SLOT(write_close, archive_write_close),
    SLOT(write_free, archive_write_free),
    SLOT(error_string, archive_error_string),
    SLOT(entry_new, archive_entry_new),
    SLOT(entry_free, archive_entry_free),
    SLOT(entry_set_pathname, archive_entry_set_pathname),
    SLOT(entry_set_filetype, archive_entry_set_filetype),
    SLOT(entry_set_perm, archive_entry_set_perm),
    SLOT(entry_set_uid, archive_entry_set_uid),
    SLOT(entry_set_gid, archive_entry_set_gid),
    SLOT(entry_set_mtime, archive_entry_set_mtime),
    SLOT(entry_set_size, archive_entry_set_size),
};
_Static_assert(sizeof(SLOTS) / sizeof(SLOTS[0]) * sizeof(void (*)(void)) == sizeof(gw_libarchive),
               "every gw_libarchive field has a slot");

static gw_libarchive table;
static char *load_error; /* why loading failed; kept for the process's life, like the library */
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void)
{
    void *lib = dlopen(OSH_LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        load_error = osh_str_printf("cannot load %s: %s", OSH_LIBARCHIVE_SONAME, dlerror());
        return;
    }
    for (size_t i = 0; i < sizeof(SLOTS) / sizeof(SLOTS[0]); i++) {
        void *fn = dlsym(lib, SLOTS[i].symbol);
        if (!fn) {
            load_error = osh_str_printf("cannot load %s: %s not found", OSH_LIBARCHIVE_SONAME, SLOTS[i].symbol);
            return;
        }
        *(void **)((char *)&table + SLOTS[i].offset) = fn;
    }
}

const gw_libarchive *gw_libarchive_get(gw_error *err)
{
    pthread_once(&load_once, load);
    if (load_error) {
        gw_fail(err, GW_E_IO, "%s", load_error);
        return NULL;
    }
    return &table;
}
