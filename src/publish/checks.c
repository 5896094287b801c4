/*
 * The checks of an item (PUB-5 sensitive words, PUB-8 wording errors, PUB-9 personal data,
 * PUB-13): the administered lexicons and the personal-data detectors over the title and the
 * body's visible text. Each hit gets a key that stays the same while the same words stay in
 * the text (a reason given for it holds across versions) and the rule it falls under.
 */
#include "publish/publish_int.h"

#include <string.h>

#define MAX_HITS 500 /* per part; more is a text to send back, not to reason about */

typedef struct collect {
    json_t *hits;
    const char *text;
    const char *part; /* "title" or "body" */
    size_t count;
} collect;

static const char *pii_rule(const char *category)
{
    /* A citizen's identity and money numbers are never published; a phone or mail address may
     * be an office's, which a level-2 reviewer confirms. */
    static const char *const never[] = {"id_card", "id_card15", "bank_card", "passport"};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        if (strcmp(category, never[i]) == 0)
            return "remove";
    return "level2";
}

static void add(collect *c, json_t *hit, bool pii)
{
    if (c->count++ >= MAX_HITS) {
        json_decref(hit);
        return;
    }
    const char *lexicon = json_string_value(json_object_get(hit, "lexicon"));
    const char *category = json_string_value(json_object_get(hit, "category"));
    const char *entry = json_string_value(json_object_get(hit, "entry"));
    const char *shown = json_string_value(json_object_get(hit, "text"));
    char key[512];
    if (pii)
        snprintf(key, sizeof key, "pii:%s:%s", category ? category : "", shown ? shown : "");
    else
        snprintf(key, sizeof key, "word:%s:%s", lexicon ? lexicon : "", entry ? entry : "");
    json_object_set_new(hit, "key", json_string(key));
    json_object_set_new(hit, "kind", json_string(pii ? "pii" : "word"));
    json_object_set_new(hit, "in", json_string(c->part));
    json_object_set_new(hit, "rule",
                        json_string(pii ? pii_rule(category ? category : "") : "reason"));
    json_array_append_new(c->hits, hit);
}

static int on_word(void *ctx, const text_hit *h)
{
    collect *c = ctx;
    add(c, text_hit_json(h, c->text), false);
    return 0;
}

static int on_pii(void *ctx, const text_pii_hit *h)
{
    collect *c = ctx;
    add(c, text_pii_hit_json(h), true);
    return 0;
}

static int check_part(const text_lexicon *const *lex, size_t nlex, const char *text,
                      const char *part, json_t *hits, xn_error *err)
{
    collect c = {.hits = hits, .text = text, .part = part};
    size_t len = strlen(text);
    text_check_opts opts = {.mode = TEXT_MODE_LONGEST};
    if (nlex > 0 && text_check(lex, nlex, text, len, &opts, on_word, &c, err) < 0)
        return err->status;
    if (text_pii_scan(text, len, on_pii, &c) < 0)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory checking personal data");
    return XN_OK;
}

int publish_checks(publish_ctx *p, const char *title, const char *text, json_t **out, xn_error *err)
{
    json_t *hits = json_array();
    size_t nlex = 0;
    lexicon_set *set = p->opt.lexicons ? lexicon_acquire(p->opt.lexicons) : NULL;
    const text_lexicon *const *lex = set ? lexicon_set_lexicons(set, &nlex) : NULL;
    int rc = check_part(lex, nlex, title, "title", hits, err);
    if (rc == XN_OK)
        rc = check_part(lex, nlex, text, "body", hits, err);
    if (set)
        lexicon_release(set);
    if (rc != XN_OK) {
        json_decref(hits);
        return rc;
    }
    *out = json_pack("{s:o}", "hits", hits);
    return XN_OK;
}
