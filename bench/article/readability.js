// readability.js - the reference side of bench/article: Mozilla Readability
// over the same pages, timing parse (jsdom) + extract only, writing <id>.txt.
// Usage: node readability.js IN_DIR OUT_DIR   (run from the npm temp dir)
// SPDX-License-Identifier: MIT
const fs = require('fs');
const path = require('path');
const { JSDOM, VirtualConsole } = require('jsdom');
const { Readability } = require('@mozilla/readability');

const [inDir, outDir] = process.argv.slice(2);
const names = fs.readdirSync(inDir).filter((n) => n.endsWith('.html')).sort();
const quiet = new VirtualConsole();
let secs = 0;
let failed = 0;
for (const name of names) {
  const html = fs.readFileSync(path.join(inDir, name), 'utf8');
  const t0 = process.hrtime.bigint();
  let text = '';
  try {
    const dom = new JSDOM(html, { url: 'https://example.com/', virtualConsole: quiet });
    const art = new Readability(dom.window.document).parse();
    text = art && art.textContent ? art.textContent : '';
    dom.window.close();
  } catch (e) {
    failed++;
  }
  secs += Number(process.hrtime.bigint() - t0) / 1e9;
  fs.writeFileSync(path.join(outDir, name.replace(/\.html$/, '.txt')), text);
}
const rss = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(`readability.js: ${names.length} pages, ${failed} failed, ${secs.toFixed(3)} s ` +
  `parse+extract, ${(names.length / secs).toFixed(1)} pages/s, peak RSS ${rss} MB`);
