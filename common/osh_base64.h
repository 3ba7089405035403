/* osh_base64.h: RFC 4648 base64, standard (§4) and URL-safe (§5) alphabets. */
#ifndef OSH_BASE64_H
#define OSH_BASE64_H

#include <stdbool.h>
#include <stddef.h>

#include "osh_buf.h"

/* Append the padded encoding of data to out. */
void osh_base64_encode(osh_buf *out, const void *data, size_t len);
void osh_base64url_encode(osh_buf *out, const void *data, size_t len);

/* The 6-bit value of one character of the standard (url false) or URL-safe alphabet, -1 for
 * any other byte ('=' included). */
int osh_base64_sextet(unsigned char c, bool url);

/* Strict decode of the standard alphabet: the length must be a multiple of 4, padding is
 * required, and no other byte (whitespace included) is accepted. Appends to out and returns
 * true on success; on failure returns false and leaves out as it was. */
bool osh_base64_decode(osh_buf *out, const char *text, size_t len);

#endif
