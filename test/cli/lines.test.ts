// boundedLines against a plain split, over generated texts cut into generated chunks (multi-byte characters split
// across chunks, CRLF, no final newline), and over-long lines refused without being kept.
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { boundedLines, type Line } from '../../src/cli/lines.js';
import { mulberry32 } from '../helpers.js';

async function collect(chunks: (string | Buffer)[], max?: number): Promise<Line[]> {
  const out: Line[] = [];
  for await (const l of boundedLines(Readable.from(chunks, { objectMode: true }), max)) out.push(l);
  return out;
}

function expected(text: string, max: number): Line[] {
  const parts = text.split('\n');
  if (parts.at(-1) === '') parts.pop();
  return parts.map((p) => (p.length > max + 1 ? { tooLong: p.length } : { text: p.replace(/\r$/, '') }));
}

describe('boundedLines', () => {
  it('gives the lines of 300 generated texts, however the bytes are chunked', async () => {
    const rnd = mulberry32(17);
    const alphabet = ['a', 'x', ' ', '\n', '\r\n', 'é', '∂', '😀', '\n\n'];
    for (let t = 0; t < 300; t++) {
      let text = '';
      const n = Math.floor(rnd() * 60);
      for (let i = 0; i < n; i++) text += alphabet[Math.floor(rnd() * alphabet.length)];
      const bytes = Buffer.from(text);
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; ) {
        const len = 1 + Math.floor(rnd() * 7);
        chunks.push(bytes.subarray(at, at + len));
        at += len;
      }
      const max = 1 + Math.floor(rnd() * 20);
      const got = await collect(chunks, max);
      expect(got, JSON.stringify(text)).toEqual(expected(text, max));
    }
  });

  it('refuses a 50 MB line without keeping it, and goes on with the next line', async () => {
    const piece = 'x'.repeat(1 << 20);
    async function* source() {
      yield 'sin(x)\n';
      for (let i = 0; i < 50; i++) yield piece;
      yield '\ncos(x)\n';
    }
    const out: Line[] = [];
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    for await (const l of boundedLines(Readable.from(source()), 1000)) {
      out.push(l);
      peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    }
    expect(out).toEqual([{ text: 'sin(x)' }, { tooLong: 50 << 20 }, { text: 'cos(x)' }]);
    expect(peak).toBeLessThan(40 << 20);
  });
});
