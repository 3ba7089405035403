/* gw_config.h: the files the CLI keeps under the config root (rules §1, 9.1, 9.2): gateway
 * metadata, the active gateway, the mTLS bundle directory. */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "gw_error.h"

/* $XDG_CONFIG_HOME/openshell, else $HOME/.config/openshell; malloc'd, or NULL with
 * `HOME is not set`. */
char *gw_config_root(gw_error *err);
char *gw_metadata_path(const char *root, const char *name);
char *gw_mtls_dir(const char *root, const char *name);
char *gw_active_gateway_path(const char *root);

typedef struct gw_metadata {
    char *name;
    char *gateway_endpoint;
    bool is_remote;
    long gateway_port;
    char *remote_host;    /* NULL unless remote */
    char *resolved_host;  /* NULL unless remote */
    char *auth_mode;      /* read only (never written); NULL when absent */
} gw_metadata;

void gw_metadata_free(gw_metadata *m);
/* The exact file text: 2-space indent, fixed key order, no trailing newline; malloc'd. */
char *gw_metadata_to_json(const gw_metadata *m);
/* Parse file text; -1 with `failed to parse gateway metadata` when it is not a metadata object. */
int gw_metadata_parse(const char *text, gw_metadata *m, gw_error *err);

/* Read {root}/gateways/{name}_metadata.json. A missing file is GW_E_NOT_FOUND with
 * `No gateway metadata found for '{name}'` and the deploy hint. */
int gw_metadata_load(const char *root, const char *name, gw_metadata *m, gw_error *err);
/* Write it atomically (temp file + rename), creating gateways/ with mode 0700. */
int gw_metadata_store(const char *root, const gw_metadata *m, gw_error *err);
bool gw_metadata_exists(const char *root, const char *name);
/* Remove the file; a missing file is fine. */
int gw_metadata_remove(const char *root, const char *name, gw_error *err);

/* Every gateways/{name}_metadata.json that parses, sorted by name. Returns the count (>= 0) and
 * a malloc'd array in *out, or -1 when the config root cannot be read. */
int gw_metadata_list(const char *root, gw_metadata **out, gw_error *err);
void gw_metadata_list_free(gw_metadata *list, int n);

/* The trimmed, non-empty content of active_gateway, or NULL. */
char *gw_active_gateway_read(const char *root);
int gw_active_gateway_write(const char *root, const char *name, gw_error *err);
/* Remove active_gateway when its trimmed content equals name. */
int gw_active_gateway_clear_if(const char *root, const char *name, gw_error *err);

/* Shared file helpers. */
int gw_mkdir_p(const char *path, int mode, gw_error *err);
/* gw_files.c. Temp file {path}.tmp.{pid}, written and fsynced, renamed over path, then the
 * directory fsynced. Leftovers of that path by processes that no longer run (a killed
 * start) are removed first. */
int gw_write_file_atomic(const char *path, const char *data, size_t len, int mode, gw_error *err);
/* A new file (never an existing one), written and fsynced: for files inside a private temp
 * directory that is itself renamed into place once gw_sync_dir has made its entries durable
 * (the mTLS bundle), where a temp file per file would only add fsyncs. */
int gw_write_new_file_synced(const char *path, const char *data, size_t len, int mode, gw_error *err);
/* fsync a directory, so the entries created or renamed in it survive a crash. */
void gw_sync_dir(const char *dir);
/* Remove every {file}.tmp.{pid} in dir whose process no longer runs; a missing dir is fine. */
void gw_sweep_stale_temps(const char *dir);
/* gw_mtls.c. What a store killed half-way leaves next to the mTLS directory dir: the old
 * bundle moved to {dir}.bak (put back when dir is missing), the new one in {dir}.tmp
 * (removed). */
void gw_mtls_recover(const char *dir);
/* Before any Docker request of a deploy: the config root (or its nearest existing ancestor,
 * where it would be created) must be a directory this process can create files in; else
 * GW_E_IO with `config directory {root} is not writable: ...`. Leaves nothing behind. */
int gw_config_root_check_writable(const char *root, gw_error *err);

#endif
