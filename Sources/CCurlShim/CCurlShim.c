#include "CCurlShim.h"
#include <stdlib.h>
#include <string.h>

CURLcode ccurl_setopt_long(CURL *h, CURLoption opt, long v) { return curl_easy_setopt(h, opt, v); }
CURLcode ccurl_setopt_string(CURL *h, CURLoption opt, const char *v) { return curl_easy_setopt(h, opt, v); }
CURLcode ccurl_setopt_pointer(CURL *h, CURLoption opt, void *v) { return curl_easy_setopt(h, opt, v); }
CURLcode ccurl_getinfo_long(CURL *h, CURLINFO info, long *out) { return curl_easy_getinfo(h, info, out); }

static size_t ccurl_append(char *ptr, size_t size, size_t nmemb, void *userdata) {
    ccurl_buffer *buf = (ccurl_buffer *)userdata;
    size_t n = size * nmemb;
    if (buf->limit && buf->len + n > buf->limit) { buf->overflow = 1; return 0; }
    if (buf->len + n + 1 > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 4096;
        while (cap < buf->len + n + 1) cap *= 2;
        char *d = realloc(buf->data, cap);
        if (!d) return 0;
        buf->data = d; buf->cap = cap;
    }
    memcpy(buf->data + buf->len, ptr, n);
    buf->len += n;
    buf->data[buf->len] = 0;
    return n;
}

CURLcode ccurl_capture(CURL *h, ccurl_buffer *body, ccurl_buffer *headers) {
    CURLcode rc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ccurl_append);
    if (rc != CURLE_OK) return rc;
    rc = curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    if (rc != CURLE_OK) return rc;
    rc = curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, ccurl_append);
    if (rc != CURLE_OK) return rc;
    return curl_easy_setopt(h, CURLOPT_HEADERDATA, headers);
}

void ccurl_buffer_free(ccurl_buffer *buf) { free(buf->data); buf->data = NULL; buf->len = buf->cap = 0; }
