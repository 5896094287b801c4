/* Unit tests of the files room: the name and type checks at upload, Content-Disposition, who
 * may read, and the chunked storage against a real database and libmagic (pieces of any size
 * cut into 1 MiB chunks, the digest, deduplication, reading back, nothing left by a refused or
 * abandoned upload). The HTTP side and clamd are covered by tests/api/files.test.mjs. */
#include "xn_test.h"

#include "files/files.h"

#include <string.h>

/* ---- names ------------------------------------------------------------------------------- */

static int name_rc(const char *name, xn_error *err)
{
    return files_check_name(name, strlen(name), err);
}

static void good_names_pass(void **state)
{
    (void)state;
    static const char *const good[] = {"检查报告.pdf", "2026年 第一季度 演练照片.jpg", "a.b.c.txt",
                                       "Report (final) v2.docx", "照片_01.png"};
    xn_error err;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(name_rc(good[i], &err), XN_OK);
}

static void bad_names_are_refused_naming_the_field(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *code;
    } bad[] = {
        {"", "required"},
        {"a/b.pdf", "bad_filename"},
        {"a\\b.pdf", "bad_filename"},
        {"../x.pdf", "bad_filename"},
        {"x..pdf", "bad_filename"},
        {"..", "bad_filename"},
        {".htaccess", "bad_filename"},
        {"报告.pdf ", "bad_filename"},
        {"报告.", "bad_filename"},
        {"a\x01.pdf", "bad_text"},
        {"a\x7f.pdf", "bad_text"},
        {"a\nb.pdf", "bad_text"},
        {"a\xE2\x80\xAE"
         "fdp.exe",
         "bidi_control"}, /* U+202E */
        {"a\xE2\x81\xA6"
         "b.pdf",
         "bidi_control"}, /* U+2066 */
        {"a\xE2\x80\x8B"
         "b.pdf",
         "invisible_char"}, /* U+200B */
        {"\xEF\xBB\xBF"
         "bom.pdf",
         "invisible_char"}, /* U+FEFF */
        {"=HYPERLINK(1).csv", "bad_start"},
        {"\xff\xfe.pdf", "bad_text"},
        {"   ", "required"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        xn_error err;
        assert_int_equal(name_rc(bad[i].name, &err), XN_EINVAL);
        assert_string_equal(err.code, bad[i].code);
        assert_string_equal(err.field, "filename");
    }
    char longest[FILES_MAX_NAME + 2];
    memset(longest, 'a', sizeof longest);
    memcpy(longest + FILES_MAX_NAME - 4, ".txt", 5);
    xn_error err;
    assert_int_equal(name_rc(longest, &err), XN_OK);
    memset(longest, 'a', sizeof longest);
    memcpy(longest + FILES_MAX_NAME - 3, ".txt", 5);
    assert_int_equal(name_rc(longest, &err), XN_EINVAL);
    assert_string_equal(err.code, "too_long");
    /* NUL inside the given length */
    assert_int_equal(files_check_name("a\0b.pdf", 7, &err), XN_EINVAL);
    assert_string_equal(err.code, "bad_filename");
}

/* ---- types ------------------------------------------------------------------------------- */

static void types_must_match_the_extension(void **state)
{
    (void)state;
    static const struct {
        const char *name, *type, *head;
        const char *code; /* NULL: accepted */
    } cases[] = {
        {"a.pdf", "application/pdf", "%PDF-1.7", NULL},
        {"A.PDF", "application/pdf", "%PDF-1.7", NULL},
        {"a.jpg", "image/jpeg", "", NULL},
        {"a.jpeg", "image/jpeg", "", NULL},
        {"a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "",
         NULL},
        {"a.docx", "application/zip", "", NULL},
        {"a.wps", "application/CDFV2", "", NULL},
        {"a.ofd", "application/zip", "", NULL},
        {"a.txt", "text/plain", "会议纪要", NULL},
        {"a.csv", "text/csv", "a,b\n1,2\n", NULL},
        {"a.pdf", "application/x-executable",
         "\x7f"
         "ELF",
         "type_mismatch"},
        {"a.pdf", "application/x-dosexec", "MZ", "type_mismatch"},
        {"a.jpg", "text/html", "<!DOCTYPE html>", "type_mismatch"},
        {"a.png", "application/pdf", "%PDF", "type_mismatch"},
        {"a.docx", "application/pdf", "%PDF", "type_mismatch"},
        {"a.txt", "text/plain", "hello <script>alert(1)</script>", "type_mismatch"},
        {"a.txt", "text/plain", "<HTML><body>", "type_mismatch"},
        {"a.csv", "text/plain", "<svg onload=x>", "type_mismatch"},
        {"a.txt", "application/octet-stream", "\x01\x02", "type_mismatch"},
        {"a.html", "text/html", "<html>", "bad_extension"},
        {"a.svg", "image/svg+xml", "<svg>", "bad_extension"},
        {"a.exe", "application/x-dosexec", "MZ", "bad_extension"},
        {"a.js", "text/plain", "1", "bad_extension"},
        {"noext", "text/plain", "1", "bad_extension"},
        {"trailing.", "text/plain", "1", "bad_extension"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        xn_error err;
        int rc = files_check_type(cases[i].name, cases[i].type, cases[i].head,
                                  strlen(cases[i].head), &err);
        if (!cases[i].code) {
            assert_int_equal(rc, XN_OK);
            continue;
        }
        assert_int_equal(rc, XN_EINVAL);
        assert_string_equal(err.code, cases[i].code);
        assert_string_equal(err.field,
                            strcmp(cases[i].code, "bad_extension") == 0 ? "filename" : "file");
    }
}

/* ---- Content-Disposition ----------------------------------------------------------------- */

static void disposition_carries_the_chinese_name(void **state)
{
    (void)state;
    char out[1024];
    assert_int_equal(files_disposition("报告 \"1\".pdf", out, sizeof out), XN_OK);
    assert_string_equal(out, "attachment; filename=\"__ _1_.pdf\"; "
                             "filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%221%22.pdf");
    char small[32];
    assert_int_equal(files_disposition("报告报告报告报告.pdf", small, sizeof small), XN_ETOOBIG);
}

/* ---- who may read ------------------------------------------------------------------------ */

static void who_may_read(void **state)
{
    (void)state;
    files_info fi = {.id = 1, .uploaded_by = 7};
    xn_error err;
    snprintf(fi.scan, sizeof fi.scan, "clean");
    assert_int_equal(files_may_read(&fi, 7, false, false, &err), XN_OK);
    assert_int_equal(files_may_read(&fi, 8, false, false, &err), XN_EDENIED);
    assert_int_equal(files_may_read(&fi, 8, true, false, &err), XN_OK);
    snprintf(fi.scan, sizeof fi.scan, "infected");
    assert_int_equal(files_may_read(&fi, 7, false, false, &err), XN_ENOTFOUND);
    assert_int_equal(files_may_read(&fi, 8, true, false, &err), XN_ENOTFOUND);
    assert_int_equal(files_may_read(&fi, 9, false, true, &err), XN_OK);
}

/* ---- storage ----------------------------------------------------------------------------- */

typedef struct fixture {
    char path[512], witness[520];
    xn_config cfg;
    store *db;
    audit_trail *trail;
    files_store *files;
    audit_actor actor;
} fixture;

static void open_fixture(fixture *f, const char *name, const char *mode, int64_t max_size)
{
    xn_test_fresh_db(name, f->path, sizeof f->path, f->witness, sizeof f->witness, &f->cfg);
    xn_error err;
    assert_int_equal(xn_config_set(&f->cfg, "crypto", "mode", mode, &err), XN_OK);
    f->cfg.files_max_size = max_size;
    store_options opt = {.pool_size = 2, .busy_timeout_ms = 2000, .create = true};
    assert_int_equal(store_open(&f->db, f->path, &opt, &err), XN_OK);
    int applied;
    assert_int_equal(store_migrate(f->db, &applied, &err), XN_OK);
    assert_int_equal(audit_trail_open(&f->trail, f->db, &f->cfg, &err), XN_OK);
    uint8_t seed[AUDIT_SEED_BYTES];
    bool created;
    assert_int_equal(audit_trail_init(f->trail, seed, &created, &err), XN_OK);
    store_conn *c;
    assert_int_equal(store_acquire(f->db, &c, &err), XN_OK);
    assert_int_equal(store_exec(c,
                                "INSERT INTO app_user (id, account, real_name, unit_id, "
                                "staff_type, status, created_at) VALUES (7, 'u7', '李娜', "
                                "(SELECT min(id) FROM org_unit), 'staff', 'active', 0)",
                                &err),
                     XN_OK);
    store_release(c);
    assert_int_equal(files_open(&f->files, &f->cfg, f->db, f->trail, &err), XN_OK);
    f->actor = (audit_actor){.kind = "user", .id = 7, .name = "u7"};
}

static void close_fixture(fixture *f)
{
    files_free(f->files);
    audit_trail_free(f->trail);
    store_close(f->db);
}

static int64_t count(fixture *f, const char *sql)
{
    store_conn *c;
    xn_error err;
    int64_t n = -1;
    assert_int_equal(store_acquire(f->db, &c, &err), XN_OK);
    assert_int_equal(store_query_int(c, sql, &n, &err), XN_OK);
    store_release(c);
    return n;
}

/* A PDF as libmagic sees one, then a pattern. */
static unsigned char *pdf_bytes(size_t size)
{
    unsigned char *b = malloc(size);
    assert_non_null(b);
    for (size_t i = 0; i < size; i++)
        b[i] = (unsigned char)((i * 2654435761u) >> 13);
    memcpy(b, "%PDF-1.7\n", 9);
    return b;
}

/* Uploads data in pieces of `piece` bytes; returns the rc of the first failure. */
static int upload(fixture *f, const char *name, const unsigned char *data, size_t size,
                  size_t piece, bool finish, files_info *out, xn_error *err)
{
    files_upload *u = NULL;
    int rc = files_upload_begin(f->files, &f->actor, name, -1, &u, err);
    if (rc != XN_OK)
        return rc;
    for (size_t off = 0; rc == XN_OK && off < size; off += piece)
        rc = files_upload_write(u, data + off, size - off < piece ? size - off : piece, err);
    if (rc == XN_OK && finish)
        rc = files_upload_finish(u, out, err);
    files_upload_free(u);
    return rc;
}

static void chunks_digest_and_read_back(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "files_chunks.db", "intl", 8 << 20);
    size_t size = (5u << 19) + 777; /* 2.5 MiB and a bit */
    unsigned char *data = pdf_bytes(size);
    files_info fi;
    xn_error err;
    assert_int_equal(upload(&f, "报告.pdf", data, size, 7777, true, &fi, &err), XN_OK);
    assert_string_equal(fi.type, "application/pdf");
    assert_string_equal(fi.scan, "unscanned");
    assert_int_equal(fi.size, (int64_t)size);
    uint8_t d[CRYPTO_HASH_BYTES];
    char hex[2 * CRYPTO_HASH_BYTES + 1], want[FILES_DIGEST];
    assert_int_equal(crypto_digest(CRYPTO_SHA256, data, size, d), XN_OK);
    xn_hex(d, sizeof d, hex);
    snprintf(want, sizeof want, "sha256:%s", hex);
    assert_string_equal(fi.digest, want);
    assert_int_equal(count(&f, "SELECT count(*) FROM file_chunk"), 3);
    assert_int_equal(count(&f, "SELECT max(length(data)) FROM file_chunk"), (int64_t)FILES_CHUNK);
    assert_int_equal(count(&f, "SELECT min(length(data)) FROM file_chunk"),
                     (int64_t)(size - 2 * FILES_CHUNK));

    /* read back in odd pieces */
    files_reader *r;
    assert_int_equal(files_reader_open(f.files, &fi, &r, &err), XN_OK);
    unsigned char *back = malloc(size);
    uint64_t pos = 0;
    for (;;) {
        ssize_t n = files_reader_read(r, pos, back + pos, 100003);
        assert_true(n >= 0);
        if (n == 0)
            break;
        pos += (uint64_t)n;
    }
    assert_int_equal(pos, size);
    assert_memory_equal(back, data, size);
    files_reader_free(r);

    /* the same bytes again: a second file, the same content */
    files_info again;
    assert_int_equal(upload(&f, "副本.pdf", data, size, FILES_CHUNK, true, &again, &err), XN_OK);
    assert_int_not_equal(again.id, fi.id);
    assert_int_equal(again.blob_id, fi.blob_id);
    assert_int_equal(count(&f, "SELECT count(*) FROM file_chunk"), 3);
    assert_int_equal(count(&f, "SELECT count(*) FROM file_blob"), 1);
    assert_int_equal(count(&f, "SELECT count(*) FROM audit_log WHERE action = 'file.upload'"), 2);
    free(back);
    free(data);
    close_fixture(&f);
}

static void refused_and_abandoned_uploads_leave_nothing(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "files_refused.db", "intl", 3 << 20);
    size_t size = (3u << 20) + 1;
    unsigned char *data = pdf_bytes(size);
    files_info fi;
    xn_error err;
    /* over the bound after three chunks were stored */
    assert_int_equal(upload(&f, "big.pdf", data, size, 65536, true, &fi, &err), XN_ETOOBIG);
    assert_string_equal(err.field, "file");
    /* abandoned mid-way (the client went away) */
    assert_int_equal(upload(&f, "half.pdf", data, 2u << 20, 65536, false, &fi, &err), XN_OK);
    /* wrong type: refused on the first chunk, before anything is stored */
    assert_int_equal(upload(&f, "photo.jpg", data, 2u << 20, 65536, true, &fi, &err), XN_EINVAL);
    assert_string_equal(err.code, "type_mismatch");
    /* declared too big or empty: refused before a byte */
    files_upload *u = NULL;
    assert_int_equal(files_upload_begin(f.files, &f.actor, "a.pdf", (3 << 20) + 1, &u, &err),
                     XN_ETOOBIG);
    assert_int_equal(files_upload_begin(f.files, &f.actor, "a.pdf", 0, &u, &err), XN_EINVAL);
    assert_string_equal(err.code, "empty_file");
    assert_int_equal(count(&f, "SELECT count(*) FROM file_chunk"), 0);
    assert_int_equal(count(&f, "SELECT count(*) FROM file_blob"), 0);
    assert_int_equal(count(&f, "SELECT count(*) FROM evidence_file"), 0);
    /* exactly the bound is fine */
    assert_int_equal(upload(&f, "edge.pdf", data, size - 1, 65536, true, &fi, &err), XN_OK);
    free(data);
    close_fixture(&f);
}

static void gm_digests_are_sm3(void **state)
{
    (void)state;
    fixture f;
    open_fixture(&f, "files_gm.db", "gm", 1 << 20);
    const char *text = "会议纪要：演练于下午三点开始。\n";
    files_info fi;
    xn_error err;
    assert_int_equal(
        upload(&f, "纪要.txt", (const unsigned char *)text, strlen(text), 5, true, &fi, &err),
        XN_OK);
    uint8_t d[CRYPTO_HASH_BYTES];
    char hex[2 * CRYPTO_HASH_BYTES + 1], want[FILES_DIGEST];
    assert_int_equal(crypto_digest(CRYPTO_SM3, text, strlen(text), d), XN_OK);
    xn_hex(d, sizeof d, hex);
    snprintf(want, sizeof want, "sm3:%s", hex);
    assert_string_equal(fi.digest, want);
    assert_string_equal(fi.type, "text/plain");
    close_fixture(&f);
}

static void sha256_matches_the_standard_vector(void **state)
{
    (void)state;
    uint8_t d[CRYPTO_HASH_BYTES];
    char hex[2 * CRYPTO_HASH_BYTES + 1];
    assert_int_equal(crypto_digest(CRYPTO_SHA256, "abc", 3, d), XN_OK);
    xn_hex(d, sizeof d, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    crypto_hasher h;
    assert_int_equal(crypto_hasher_init(&h, CRYPTO_SHA256, d), XN_EINVAL); /* no keyed SHA-256 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_names_pass),
        cmocka_unit_test(bad_names_are_refused_naming_the_field),
        cmocka_unit_test(types_must_match_the_extension),
        cmocka_unit_test(disposition_carries_the_chinese_name),
        cmocka_unit_test(who_may_read),
        cmocka_unit_test(chunks_digest_and_read_back),
        cmocka_unit_test(refused_and_abandoned_uploads_leave_nothing),
        cmocka_unit_test(gm_digests_are_sm3),
        cmocka_unit_test(sha256_matches_the_standard_vector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
