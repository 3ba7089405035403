/* osh_base64.c: RFC 4648 base64 encoding and strict decoding. */
#include "osh_base64.h"

static const char std_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void encode_with(osh_buf *out, const unsigned char *in, size_t len, const char *alpha)
{
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        char quad[4] = {alpha[(v >> 18) & 63], alpha[(v >> 12) & 63],
                        i + 1 < len ? alpha[(v >> 6) & 63] : '=', i + 2 < len ? alpha[v & 63] : '='};
        osh_buf_append(out, quad, 4);
    }
}

void osh_base64_encode(osh_buf *out, const void *data, size_t len) { encode_with(out, data, len, std_alphabet); }

void osh_base64url_encode(osh_buf *out, const void *data, size_t len) { encode_with(out, data, len, url_alphabet); }

int osh_base64_sextet(unsigned char c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

bool osh_base64_decode(osh_buf *out, const char *text, size_t len)
{
    if (len % 4 != 0)
        return false;
    size_t start = out->len;
    bool had_data = out->data != NULL;
    for (size_t i = 0; i < len; i += 4) {
        bool last = i + 4 == len;
        int pad = 0;
        unsigned v = 0;
        for (int k = 0; k < 4; k++) {
            char c = text[i + k];
            int d;
            if (c == '=' && last && k >= 2) {
                pad++;
                d = 0;
            } else if (pad || (d = osh_base64_sextet((unsigned char)c, false)) < 0) {
                goto fail; /* a data byte after '=', or a byte outside the alphabet */
            }
            v = (v << 6) | (unsigned)d;
        }
        /* Canonical input only: the bits that padding discards must be zero ("Zh==" names
         * the same byte as "Zg==", and accepting both would let two texts decode alike). */
        if ((pad == 1 && (v & 0xFF)) || (pad == 2 && (v & 0xFFFF)))
            goto fail;
        unsigned char bytes[3] = {(unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v};
        osh_buf_append(out, bytes, (size_t)(3 - pad));
    }
    return true;
fail:
    /* Leave out exactly as it was, allocation included (the header promises that). */
    if (start == 0 && out->data && !had_data) {
        osh_buf_free(out);
        return false;
    }
    out->len = start;
    if (out->data)
        out->data[start] = '\0';
    return false;
}
