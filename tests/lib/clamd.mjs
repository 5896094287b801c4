// A real clamd (Debian clamav-daemon) for the tests, with a signature database made here that
// detects only the EICAR test file: never the internet database, no freshclam. The daemon runs
// in the foreground on a unix socket in a temporary directory.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { tempDir } from './server.mjs';

/** The EICAR anti-virus test file (68 bytes), built from two halves so no source file is one. */
export const EICAR = Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$' + 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*', 'latin1');
/** The name our database gives it; clamd adds ".UNOFFICIAL" for a local database. */
export const EICAR_SIGNATURE = 'Xinan.Test.EICAR';

const CLAMD = ['/usr/sbin/clamd', '/usr/bin/clamd'].find((p) => existsSync(p)) || 'clamd';

/** Asks clamd at `socket` for PING; resolves true on PONG. */
export function clamdPing(socket) {
  return new Promise((resolve) => {
    const s = net.connect(socket);
    let got = '';
    s.on('connect', () => s.write('zPING\0'));
    s.on('data', (d) => { got += d; if (got.includes('\0')) s.end(); });
    s.on('close', () => resolve(got.startsWith('PONG')));
    s.on('error', () => resolve(false));
  });
}

/**
 * Starts clamd with a fresh configuration and database in a temporary directory. Resolves to
 * { socket, dir, stop(), start() }: stop() ends the daemon (resolves when it has exited) and
 * start() runs it again on the same socket and database.
 */
export async function startClamd() {
  const dir = tempDir('xinan-clamd-');
  const db = join(dir, 'db');
  mkdirSync(db);
  // an .hdb signature: MD5 and size of the whole file, and the name to report
  const md5 = createHash('md5').update(EICAR).digest('hex');
  writeFileSync(join(db, 'test.hdb'), `${md5}:${EICAR.length}:${EICAR_SIGNATURE}\n`);
  const socket = join(dir, 'clamd.sock');
  const conf = join(dir, 'clamd.conf');
  writeFileSync(conf, [
    `LocalSocket ${socket}`,
    'Foreground yes',
    `DatabaseDirectory ${db}`,
    `TemporaryDirectory ${dir}`,
    `LogFile ${join(dir, 'clamd.log')}`,
    // above files.max_size: content over clamd's limit gets an ERROR, never a verdict
    'StreamMaxLength 100M',
    'MaxScanSize 200M',
    'MaxFileSize 100M',
    'SelfCheck 3600',
    '',
  ].join('\n'));
  let proc = null;
  let exited = null;
  let stderr = '';
  const clamd = {
    socket,
    dir,
    async start() {
      if (proc) return;
      proc = spawn(CLAMD, [`--config-file=${conf}`], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      proc.stderr.on('data', (d) => { stderr += d; });
      exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal)));
      const until = Date.now() + 60000;
      while (!(await clamdPing(socket))) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`clamd exited: ${stderr}`);
        if (Date.now() > until) throw new Error(`clamd did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await exited;
      }
      proc = null;
    },
  };
  process.on('exit', () => { if (proc) proc.kill('SIGKILL'); });
  await clamd.start();
  return clamd;
}
