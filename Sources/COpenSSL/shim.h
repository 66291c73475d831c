#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

/// An HMAC-SHA256 context keyed with `key` and ready for `EVP_MAC_update`, or NULL when OpenSSL
/// fails. Meant as a template: copy it per message with `EVP_MAC_CTX_dup` (which only reads it), so
/// that the algorithm is fetched and the key hashed once, not once per message as `HMAC()` does.
/// `key` must not be NULL, even when `key_length` is 0 (a NULL key would mean "keep the old one").
static inline EVP_MAC_CTX *billing_hmac_sha256_keyed(const unsigned char *key, size_t key_length) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL) return NULL;
    EVP_MAC_CTX *context = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);  /* the context holds its own reference */
    if (context == NULL) return NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_init(context, key, key_length, params) != 1) {
        EVP_MAC_CTX_free(context);
        return NULL;
    }
    return context;
}
