/* Unit tests of the notify room's templates: variables outside an event kind's list are
 * refused (in the template and in the values given), rendering fills strings and integers. */
#include "xn_test.h"

#include "notify/notify.h"

#include <string.h>

static void templates_with_unknown_variables_are_refused(void **state)
{
    (void)state;
    xn_error err;
    assert_int_equal(notify_template_check("渠道「{channel}」失败：{error}", "channel,error", &err),
                     XN_OK);
    assert_int_equal(notify_template_check("渠道「{channel}」{who}", "channel,error", &err),
                     XN_EINVAL);
    assert_string_equal(err.field, "template");
    assert_non_null(strstr(err.message, "{who}"));
    assert_int_equal(notify_template_check("未闭合 {channel", "channel", &err), XN_EINVAL);
    assert_int_equal(notify_template_check("{}", "channel", &err), XN_EINVAL);
    assert_int_equal(notify_template_check("{Channel}", "channel", &err), XN_EINVAL);
    /* a name that is a prefix of an allowed one is not allowed */
    assert_int_equal(notify_template_check("{chan}", "channel", &err), XN_EINVAL);
}

static void render_fills_variables_and_refuses_strangers(void **state)
{
    (void)state;
    xn_error err;
    xn_buf out;
    xn_buf_init(&out, 4096);
    json_t *vars = json_pack("{s:s,s:i}", "title", "审计纪元", "failures", 3);
    assert_int_equal(
        notify_render("{title} 已连续失败 {failures} 次", "title,failures", vars, &out, &err),
        XN_OK);
    assert_string_equal(out.data, "审计纪元 已连续失败 3 次");
    json_decref(vars);
    xn_buf_reset(&out);
    vars = json_pack("{s:s,s:s}", "title", "x", "extra", "y");
    assert_int_equal(notify_render("{title}", "title", vars, &out, &err), XN_EINVAL);
    assert_string_equal(err.field, "extra");
    json_decref(vars);
    vars = json_object();
    assert_int_equal(notify_render("{title}", "title", vars, &out, &err), XN_EINVAL);
    json_decref(vars);
    xn_buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(templates_with_unknown_variables_are_refused),
        cmocka_unit_test(render_fills_variables_and_refuses_strangers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
