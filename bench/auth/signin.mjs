// Starts nothing: signs the first administrator of a running server in (forced change and
// second factor done) and prints the session cookie, for bench_auth. Reads the server's
// stdout file for the one-time password.
import { readFileSync } from 'node:fs';
import { adminClient } from '../../tests/lib/session.mjs';

const [url, stdoutFile] = process.argv.slice(2);
const server = { url, stdout: () => readFileSync(stdoutFile, 'utf8') };
const c = await adminClient(server);
process.stdout.write(`${c.cookie}\n`);
