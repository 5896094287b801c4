/*
 * `xinan calendar add-workdays YYYY-MM-DD N` and `xinan calendar is-workday YYYY-MM-DD`: the
 * working-day calendar from the command line (OBL), with the years shipped in the binary and,
 * with --db PATH (or --config FILE naming a database), the years imported into it.
 *
 * add-workdays prints the date N working days away (N may be negative or 0; base.h gives the
 * rule) and exits 0. is-workday prints the day's kind and exits 0 for a working day, 1 for a
 * day off. Both exit 2 for a usage error or a database that cannot be read. An answer that
 * counted a year without data (Monday to Friday) says so on standard error, and is-workday's
 * line ends in "estimated".
 */
#include "calendar/calendar.h"
#include "cli/cli.h"

#include <string.h>

/* The calendar for a command: shipped years, and the database's with --db or --config. */
static int open_calendar(int *argc, char **argv, xn_calendar **out)
{
    const char *db_path = NULL, *config_path = NULL;
    xn_config cfg;
    xn_error err;
    store *db = NULL;
    if (cli_take_flag(argc, argv, "db", &db_path) != 0 ||
        cli_take_flag(argc, argv, "config", &config_path) != 0)
        return 2;
    for (int i = 1; i < *argc; i++)
        if (strncmp(argv[i], "--", 2) == 0)
            return cli_usage_error(argv[0], "unknown or incomplete flag '%s'", argv[i]);
    if (cli_read_config(config_path, db_path, NULL, &cfg) != 0)
        return 2;
    if (db_path || config_path) {
        store_options opt = {
            .pool_size = 1, .busy_timeout_ms = (int)cfg.db_busy_timeout, .read_only = true};
        if (store_open(&db, cfg.db_path, &opt, &err) != XN_OK) {
            fprintf(stderr, "xinan: %s: %s\n", cfg.db_path, err.message);
            store_close(db);
            return 2;
        }
    }
    xn_calendar *c = xn_calendar_new();
    int rc = calendar_load(c, calendar_builtins, db, &err);
    store_close(db);
    if (rc != XN_OK) {
        fprintf(stderr, "xinan: calendar: %s\n", err.message);
        xn_calendar_free(c);
        return 2;
    }
    *out = c;
    return 0;
}

static void say_estimated(void)
{
    fputs("xinan: 估算：所涉年份没有节假日安排数据，按周一至周五计算 (estimated: a year without "
          "holiday data counted Monday to Friday)\n",
          stderr);
}

int cli_cmd_calendar_add_workdays(int argc, char **argv)
{
    xn_calendar *c = NULL;
    xn_error err;
    int32_t from, to;
    int64_t n;
    bool estimated = false;
    int status = open_calendar(&argc, argv, &c);
    if (status)
        return status;
    if (argc != 3) {
        status = cli_usage_error(argv[0], "give a date and a number of working days");
        goto out;
    }
    if (!xn_date_parse(argv[1], strlen(argv[1]), &from)) {
        status = cli_usage_error(argv[0], "'%s' is not a date YYYY-MM-DD", argv[1]);
        goto out;
    }
    if (xn_parse_int64(argv[2], -XN_CAL_MAX_WORKDAYS, XN_CAL_MAX_WORKDAYS, &n) != XN_OK) {
        status = cli_usage_error(argv[0], "N must be a whole number from %d to %d",
                                 -XN_CAL_MAX_WORKDAYS, XN_CAL_MAX_WORKDAYS);
        goto out;
    }
    if (xn_calendar_add_workdays(c, from, n, &to, &estimated, &err) != XN_OK) {
        fprintf(stderr, "xinan: %s\n", err.message);
        status = 2;
        goto out;
    }
    char date[XN_DATE_STR];
    xn_date_format(to, date);
    printf("%s\n", date);
    if (estimated)
        say_estimated();
out:
    xn_calendar_free(c);
    return status;
}

int cli_cmd_calendar_is_workday(int argc, char **argv)
{
    xn_calendar *c = NULL;
    int32_t day;
    bool estimated = false;
    const xn_cal_day *entry = NULL;
    int status = open_calendar(&argc, argv, &c);
    if (status)
        return status;
    if (argc != 2) {
        status = cli_usage_error(argv[0], "give one date");
        goto out;
    }
    if (!xn_date_parse(argv[1], strlen(argv[1]), &day)) {
        status = cli_usage_error(argv[0], "'%s' is not a date YYYY-MM-DD", argv[1]);
        goto out;
    }
    bool works = xn_calendar_is_workday(c, day, &estimated, &entry);
    printf("%s %s%s%s%s\n", argv[1], works ? "workday" : "rest", entry ? " " : "",
           entry ? entry->name : "", estimated ? " estimated" : "");
    if (estimated)
        say_estimated();
    status = works ? 0 : 1;
out:
    xn_calendar_free(c);
    return status;
}
