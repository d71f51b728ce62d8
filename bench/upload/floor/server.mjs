// The floor: a bare node:http server doing only the byte work of an upload, the way Vireo does
// it — stage the body to a file while computing SHA-256 and CRC32C, then rename the file into a
// 16×16 fan-out by its hash. No framework, no signature, no database, no validation. It shows
// what any Node server pays on this machine, so that Vireo's own cost can be told apart from it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';

const root = process.argv[2];
const staging = path.join(root, 'staging');
fs.mkdirSync(staging, { recursive: true });
for (const a of '0123456789abcdef') for (const b of '0123456789abcdef') fs.mkdirSync(path.join(root, 'blobs', a, b), { recursive: true });

let counter = 0;
const server = http.createServer((req, res) => {
  const part = path.join(staging, `${(counter++).toString(16)}.part`);
  fs.open(part, 'wx', 0o600, (err, fd) => {
    if (err) {
      res.statusCode = 500;
      res.end(String(err));
      return;
    }
    const hash = crypto.createHash('sha256');
    let crc = 0;
    req.on('data', (chunk) => {
      hash.update(chunk);
      crc = crc32c(chunk, crc);
      for (let at = 0; at < chunk.length; ) at += fs.writeSync(fd, chunk, at);
    });
    req.on('end', () => {
      fs.closeSync(fd);
      const sha = hash.digest('hex');
      fs.renameSync(part, path.join(root, 'blobs', sha[0], sha[1], sha));
      res.setHeader('x-crc32c', String(crc >>> 0));
      res.end();
    });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
