// A real nginx serving a directory on loopback (IPv4 and IPv6), for the website watch's tests.
// It runs in the foreground under its own prefix; stop() ends it.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './server.mjs';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

/** Starts nginx serving root; extra is added to the server block (locations). */
export async function startNginx(root, { extra = '' } = {}) {
  chmodSync(root, 0o755); // nginx's workers drop root: the tree must be readable to them
  const prefix = tempDir('xinan-nginx-');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const port = await freePort();
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, `daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  types { text/html html; text/plain txt; }
  server {
    listen 127.0.0.1:${port};
    listen [::1]:${port};
    root ${root};
    ${extra}
  }
}
`);
  const bin = NGINX.find((b) => { try { return statSync(b); } catch { return false; } }) || 'nginx';
  const proc = spawn(bin, ['-p', prefix, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  // ready when the port answers
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    if (proc.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    url6: `http://[::1]:${port}`,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.on('exit', r));
      }
    },
  };
}
