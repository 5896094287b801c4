/* The command table: one row per subcommand; help and usage errors are printed from it. */
#include "cli/cli.h"

const cli_command cli_commands[] = {
    {NULL, "serve", "start the server: API, web UI and background jobs",
     "[--config FILE] [--listen ADDR:PORT] [--db PATH]", cli_cmd_serve},
    {NULL, "init", "create the database and this installation's identity",
     "[--config FILE] [--db PATH]", cli_cmd_init},
    {NULL, "version", "print the version", "", cli_cmd_version},
    {"db", "migrate", "apply missing schema migrations", "[--config FILE] [--db PATH]",
     cli_cmd_db_migrate},
    {"db", "check", "check the database's integrity (exit 1 when damaged)",
     "[--config FILE] [--db PATH]", cli_cmd_db_check},
    {"text", "compile", "compile lexicon text files into one binary lexicon",
     "[--no-fold] LEXICON... -o FILE", cli_cmd_text_compile},
    {"text", "check",
     "check text for sensitive words, wording errors and personal data (exit 1 on hits)",
     "[--lexicon FILE|DIR]... [--pii] [--mode all|longest] [--no-fold] [--count] [FILE|-]",
     cli_cmd_text_check},
    {"audit", "verify",
     "check the audit trail's chain, checkpoints and witness (exit 1 when damaged, 3 when the "
     "witness file is missing unless --no-witness)",
     "[--config FILE] [--db PATH] [--seed-file FILE|-] [--checkpoints FILE] [--from SEQ] "
     "[--no-witness]",
     cli_cmd_audit_verify},
    {"passwd", "check",
     "check a password from standard input against a policy: the regulatory minimum, or with "
     "--db/--config the policy and weak-password list stored in that database (exit 1 if weak)",
     "--profile user|admin|server|media [--user NAME] [--name 姓名] [--birthday YYYY-MM-DD] "
     "[--phone N] [--current-stdin] [--weak-list FILE] [--set KEY=VALUE]... [--config FILE] "
     "[--db PATH] < PASSWORD",
     cli_cmd_passwd_check},
    {"user", "appoint",
     "break-glass, run by the host's root: grant a role directly when no security or audit "
     "administrator is left (loudly audited as auth.break_glass)",
     "ACCOUNT ROLE --reason TEXT [--config FILE] [--db PATH]", cli_cmd_user_appoint},
    {"calendar", "add-workdays",
     "print the date N working days from a date (N < 0: before it; 0: that day or the next "
     "working day), by the State Council's holidays; with --db/--config also the imported years",
     "YYYY-MM-DD N [--db PATH] [--config FILE]", cli_cmd_calendar_add_workdays},
    {"calendar", "is-workday",
     "exit 0 when a date is a working day, 1 when it is a day off (a year without data counts "
     "Monday to Friday and is reported estimated)",
     "YYYY-MM-DD [--db PATH] [--config FILE]", cli_cmd_calendar_is_workday},
    {"guard", "baseline",
     "make and sign the manifest of a document root and keep a copy of every approved file",
     "--root DIR --state DIR", cli_cmd_guard_baseline},
    {"guard", "verify",
     "compare a document root with its signed manifest once (exit 1 on differences, one JSON "
     "line each)",
     "--root DIR --state DIR", cli_cmd_guard_verify},
    {"guard", "enrol",
     "pin a xinan server's site key and take its published content as the approved tree",
     "--state DIR --server URL --token TOKEN [--key HEX]", cli_cmd_guard_enrol},
    {"guard", "run",
     "enforce the manifest until SIGTERM: restore changed files, quarantine added ones",
     "--root DIR --state DIR [--scan-minutes N] [--block | --inotify]", cli_cmd_guard_run},
    {NULL, NULL, NULL, NULL, NULL},
};
