#ifndef CCURLSHIM_H
#define CCURLSHIM_H
#include <curl/curl.h>
#include <stddef.h>

/// curl_easy_setopt / curl_easy_getinfo are variadic, so Swift cannot call them: one wrapper per type.
CURLcode ccurl_setopt_long(CURL *h, CURLoption opt, long v);
CURLcode ccurl_setopt_string(CURL *h, CURLoption opt, const char *v);
CURLcode ccurl_setopt_pointer(CURL *h, CURLoption opt, void *v);
CURLcode ccurl_getinfo_long(CURL *h, CURLINFO info, long *out);

/// A growable buffer that curl's write and header callbacks append to.
typedef struct ccurl_buffer { char *data; size_t len; size_t cap; size_t limit; int overflow; } ccurl_buffer;
/// Sends the response body into `body` and the response headers into `headers`.
CURLcode ccurl_capture(CURL *h, ccurl_buffer *body, ccurl_buffer *headers);
void ccurl_buffer_free(ccurl_buffer *buf);
#endif
