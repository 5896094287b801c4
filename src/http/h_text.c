/*
 * POST /api/text/check: the editor's live check (PUB-5, PUB-8, PUB-9, PUB-13) against the
 * current administered lexicons (lexicon/). Body
 * {"text": "…", "pii": true, "mode": "all"|"longest"}; answer {"hits": […], "count": N,
 * "truncated": bool} with hits in the shape of `xinan text check`, in order of start offset.
 */
#include "http/http_internal.h"

#include <string.h>

#define MAX_HITS 1000 /* returned; count still says how many there were */

typedef struct collected {
    json_t *hits;
    size_t count;
    const char *text;
} collected;

static int on_hit(void *ctx, const text_hit *h)
{
    collected *c = ctx;
    if (c->count++ < MAX_HITS)
        json_array_append_new(c->hits, text_hit_json(h, c->text));
    return 0;
}

static int on_pii(void *ctx, const text_pii_hit *h)
{
    collected *c = ctx;
    if (c->count++ < MAX_HITS)
        json_array_append_new(c->hits, text_pii_hit_json(h));
    return 0;
}

static json_int_t start_of(const json_t *hit)
{
    return json_integer_value(json_object_get(hit, "start"));
}

/* Merges two arrays already ordered by start offset. */
static json_t *merge(json_t *a, json_t *b)
{
    json_t *out = json_array();
    size_t i = 0, j = 0, na = json_array_size(a), nb = json_array_size(b);
    while (i < na || j < nb) {
        bool take_a =
            j >= nb || (i < na && start_of(json_array_get(a, i)) <= start_of(json_array_get(b, j)));
        json_array_append(out, take_a ? json_array_get(a, i++) : json_array_get(b, j++));
        if (json_array_size(out) == MAX_HITS)
            break;
    }
    json_decref(a);
    json_decref(b);
    return out;
}

int http_h_text_check(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *text = NULL, *mode_name = NULL;
    if (!json_is_object(req->json))
        return http_error(req, resp, 400, "bad_json",
                          "请求体必须是 JSON 对象 (body must be an object)", NULL);
    if (xn_json_get_string(req->json, "text", true, (size_t)req->app->cfg->max_body, &text, &err) !=
            XN_OK ||
        xn_json_get_string(req->json, "mode", false, 16, &mode_name, &err) != XN_OK)
        return http_fail(req, resp, &err);
    json_t *pii_flag = json_object_get(req->json, "pii");
    if (pii_flag && !json_is_boolean(pii_flag))
        return http_error(req, resp, 400, "bad_field", "field 'pii' must be true or false", "pii");
    text_check_opts opts = {.mode = TEXT_MODE_ALL};
    if (mode_name && strcmp(mode_name, "longest") == 0)
        opts.mode = TEXT_MODE_LONGEST;
    else if (mode_name && strcmp(mode_name, "all") != 0)
        return http_error(req, resp, 400, "bad_field", "field 'mode' must be all or longest",
                          "mode");

    size_t len = strlen(text), nlex = 0;
    collected words = {json_array(), 0, text}, pii = {json_array(), 0, text};
    /* The set current now; an import meanwhile swaps in another without disturbing this one. */
    lexicon_set *set = lexicon_acquire(req->app->lexicons);
    const text_lexicon *const *lex = lexicon_set_lexicons(set, &nlex);
    int rc = nlex > 0 ? text_check(lex, nlex, text, len, &opts, on_hit, &words, &err) : 0;
    lexicon_release(set);
    if (rc < 0) {
        json_decref(words.hits);
        json_decref(pii.hits);
        return http_fail(req, resp, &err);
    }
    if ((!pii_flag || json_is_true(pii_flag)) && text_pii_scan(text, len, on_pii, &pii) < 0) {
        json_decref(words.hits);
        json_decref(pii.hits);
        xn_fail(&err, XN_ENOMEM, "no_memory", "out of memory scanning for personal data");
        return http_fail(req, resp, &err);
    }
    size_t count = words.count + pii.count;
    json_t *hits = merge(words.hits, pii.hits);
    return http_json(resp, 200,
                     json_pack("{s:o, s:I, s:b}", "hits", hits, "count", (json_int_t)count,
                               "truncated", count > MAX_HITS));
}
