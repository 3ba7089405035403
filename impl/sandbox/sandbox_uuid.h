/* sandbox_uuid.h: random RFC 4122 version-4 UUIDs, the default sandbox id (rules §10.8). */
#ifndef OSH_SANDBOX_UUID_H
#define OSH_SANDBOX_UUID_H

#define SANDBOX_UUID_LEN 36

/* Writes "xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx" (lowercase, Y in 8..b) and a NUL into out.
 * Returns 0, or -1 when the system has no randomness to give. */
int sandbox_uuid_v4(char out[SANDBOX_UUID_LEN + 1]);

#endif
