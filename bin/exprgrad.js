#!/usr/bin/env node
// The installed `exprgrad` command. The CLI is compiled to dist/ by `npm run build` (run by `npm install`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/bin.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("exprgrad: the package is not built yet; run 'npm install' (or 'npm run build') in its folder\n");
  process.exit(2);
}
await import(entry.href);
