// mint-filter's side of the text bench: the same entries, the corpus line by line (as
// applications call it), replace off. Prints entries, seconds to build, MB/s and hit count.
//   usage: node mint.js LEXICON.txt CORPUS
'use strict';
const fs = require('fs');
const { Mint } = require('mint-filter');

const words = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter((w) => w.length > 0);
let t0 = process.hrtime.bigint();
const mint = new Mint(words);
const buildS = Number(process.hrtime.bigint() - t0) / 1e9;

const buf = fs.readFileSync(process.argv[3]);
const lines = buf.toString('utf8').split('\n');
t0 = process.hrtime.bigint();
let hits = 0;
for (const line of lines) {
  hits += mint.filter(line, { replace: false }).words.length;
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(
  `entries=${words.length} compile_s=${buildS.toFixed(3)} bytes=${buf.length} hits=${hits} ` +
    `mb_per_s=${(buf.length / 1e6 / secs).toFixed(2)}`,
);
