#!/usr/bin/env node
// A small SMTP receiver on loopback for the browser tests (scripts/test starts it and gives
// the demo server DRAWDOWN_SMTP_* pointing at it). It accepts every message and writes it to
// DIR as <time>-<n>.eml, the envelope's recipients first as "X-Envelope-To:" lines; a file
// appears whole (written aside, then renamed). Plain SMTP, no TLS, no authentication: it
// listens on 127.0.0.1 only.
//
//   node tests/browser/smtp-receiver.mjs --port 2525 --dir /tmp/mailbox
//
// It prints "smtp-receiver listening on 127.0.0.1:PORT" once ready and stops on SIGTERM.

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const port = Number(arg('port', '2525'));
const dir = arg('dir', './mailbox');
mkdirSync(dir, { recursive: true });
let count = 0;

function save(recipients, data) {
  count += 1;
  const name = `${Date.now()}-${String(count).padStart(5, '0')}.eml`;
  const head = recipients.map((r) => `X-Envelope-To: ${r}\r\n`).join('');
  const tmp = join(dir, `.${name}.part`);
  writeFileSync(tmp, head + data);
  renameSync(tmp, join(dir, name));
}

const server = createServer((socket) => {
  socket.setEncoding('utf8');
  let buffer = '';
  let inData = false;
  let data = [];
  let recipients = [];
  const reply = (line) => socket.write(`${line}\r\n`);
  reply('220 drawdown-test-receiver ESMTP');
  socket.on('data', (chunk) => {
    buffer += chunk;
    let at;
    while ((at = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      if (inData) {
        if (line === '.') {
          inData = false;
          save(recipients, data.join('\r\n') + '\r\n');
          data = [];
          recipients = [];
          reply('250 2.0.0 queued');
        } else {
          data.push(line.startsWith('..') ? line.slice(1) : line);
        }
        continue;
      }
      const cmd = line.toUpperCase();
      if (cmd.startsWith('EHLO')) {
        socket.write('250-drawdown-test-receiver\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
      } else if (cmd.startsWith('HELO')) {
        reply('250 drawdown-test-receiver');
      } else if (cmd.startsWith('MAIL FROM')) {
        recipients = [];
        reply('250 2.1.0 ok');
      } else if (cmd.startsWith('RCPT TO')) {
        recipients.push(line.slice(line.indexOf(':') + 1).trim().replace(/^<|>$/g, '').replace(/>.*$/, ''));
        reply('250 2.1.5 ok');
      } else if (cmd === 'DATA') {
        inData = true;
        reply('354 end with <CRLF>.<CRLF>');
      } else if (cmd.startsWith('RSET')) {
        recipients = [];
        data = [];
        reply('250 2.0.0 ok');
      } else if (cmd.startsWith('NOOP')) {
        reply('250 2.0.0 ok');
      } else if (cmd.startsWith('QUIT')) {
        reply('221 2.0.0 bye');
        socket.end();
      } else {
        reply('502 5.5.2 not implemented');
      }
    }
  });
  socket.on('error', () => {});
});

server.listen(port, '127.0.0.1', () => {
  console.log(`smtp-receiver listening on 127.0.0.1:${server.address().port}, writing to ${dir}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  // Open connections (a relay client keeps one) do not hold the process.
  process.on(sig, () => process.exit(0));
}
