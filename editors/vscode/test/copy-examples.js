// Copies the repository's example models next to their grammar snapshots
// (test/examples/*.score.snap), so that the snapshot test highlights the
// examples as they are now and no copy of them is kept.
'use strict';

const fs = require('fs');
const path = require('path');

const from = path.join(__dirname, '..', '..', '..', 'examples');
const to = path.join(__dirname, 'examples');
fs.mkdirSync(to, { recursive: true });
const walk = (dir, prefix) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      walk(full, `${prefix}${entry.name}-`);
    } else if (entry.name.endsWith('.score')) {
      fs.copyFileSync(full, path.join(to, `${prefix}${entry.name}`));
    }
  }
};
walk(from, '');
