// Model files: a checksum over everything (generated damage to weights, program and metadata is refused; layout
// changes are not damage), parameter names that are JavaScript object keys (__proto__, constructor), and messages
// that quote a hostile file without passing its control characters to the terminal.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Model } from '../../src/nn/model.js';
import { sha256, canonicalJson, modelChecksum } from '../../src/nn/checksum.js';
import { ExprError } from '../../src/errors.js';
import { mulberry32 } from '../helpers.js';

const SMALL = `x : [8, 16]
y : [8]
W1 : [16, 12]; b1 : [12]
W2 : [12, 3]; b2 : [3]
h = relu(x @ W1 + b1)
logits = h @ W2 + b2
loss = mean(softmax_cross_entropy(logits, y))`;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** No control character but the newlines the message's own layout uses. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

const file = () => JSON.parse(JSON.stringify(Model.create(SMALL, 5).toJSON()));

function refusal(j: unknown): ExprError {
  try {
    Model.fromJSON(j, 'm.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ExprError);
    return err as ExprError;
  }
  throw new Error('the damaged file was accepted');
}

describe('sha256', () => {
  it('agrees with node:crypto on 200 generated inputs (lengths around the 64-byte blocks)', () => {
    const rnd = mulberry32(3);
    for (let t = 0; t < 200; t++) {
      const n = t < 130 ? t : Math.floor(rnd() * 5000);
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
      expect(sha256(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('canonical JSON sorts keys at every level, so key order and spacing do not matter', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 'x' }] })).toBe('{"a":[{"c":"x","d":2}],"b":1}');
    const j = file();
    const reordered = Object.fromEntries(Object.entries(j).reverse());
    expect(modelChecksum(reordered)).toBe(j.checksum);
  });
});

describe('model file checksum', () => {
  it('a saved model carries its checksum and loads; re-indented, it still loads', () => {
    const j = file();
    expect(j.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(() => Model.fromJSON(JSON.parse(JSON.stringify(j, null, 2)))).not.toThrow();
  });

  it('refuses every one of 200 generated one- and two-character changes to the weights', () => {
    const rnd = mulberry32(11);
    const base = file();
    for (let t = 0; t < 200; t++) {
      const j = JSON.parse(JSON.stringify(base));
      const names = Object.keys(j.params);
      const p = j.params[names[Math.floor(rnd() * names.length)]];
      let data: string = p.data;
      for (let c = 0; c < 1 + (t % 2); c++) {
        const at = Math.floor(rnd() * (data.replace(/=+$/, '').length - 1));
        let ch = B64[Math.floor(rnd() * 64)];
        if (ch === data[at]) ch = B64[(B64.indexOf(ch) + 1) % 64];
        data = data.slice(0, at) + ch + data.slice(at + 1);
      }
      if (data === p.data) continue;
      p.data = data;
      const e = refusal(j);
      // Either a structural check names the damage (NaN weights) or the checksum catches it.
      expect(e.message).toMatch(/checksum mismatch|NaN or infinite/);
    }
  });

  it('refuses edits of the program, shapes, metadata or the checksum itself, and a missing checksum', () => {
    const edits: [string, (j: any) => void][] = [
      ['metadata', (j) => (j.metadata.seed = 6)],
      ['metadata added', (j) => (j.metadata.note = 'hi')],
      ['program comment', (j) => (j.program = j.program.replace('h = relu', 'h  = relu'))],
      ['shapes', (j) => (j.shapes.x = [9, 16])],
      ['checksum', (j) => (j.checksum = j.checksum.replace(/.$/, (c: string) => (c === '0' ? '1' : '0')))],
      ['checksum missing', (j) => delete j.checksum],
    ];
    for (const [what, edit] of edits) {
      const j = file();
      edit(j);
      expect(refusal(j).message, what).toMatch(/checksum/);
    }
  });
});

describe('parameter names that are object keys', () => {
  it('__proto__, constructor, toString and hasOwnProperty survive a save and load, and predict', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const src = SMALL.replaceAll('W1', name);
      const m = Model.create(src, 2);
      expect(Object.keys(m.params)).toContain(name);
      const j = JSON.parse(JSON.stringify(m.toJSON()));
      expect(Object.keys(j.params), name).toContain(name);
      const back = Model.fromJSON(j);
      expect(back.params[name], name).toEqual(m.params[name]);
      const x = new Float32Array(8 * 16).fill(0.5);
      expect(Array.from(back.logits(x, 8))).toEqual(Array.from(m.logits(x, 8)));
      // A file that lacks the parameter is refused (not filled in from Object.prototype).
      delete j.params[name];
      expect(refusal(j).message).toMatch(new RegExp(`weights of ${name.replace(/[_$]/g, '\\$&')} are missing`));
    }
  });
});

describe('messages quoting a hostile model file', () => {
  const payloads = ['\x1b]0;pwned\x07', '\x1b[2J\x1b[H', '\x1b[32mOK\x1b[0m', 'a\rb', 'line\nexprgrad: OK', '\u009b31m', '\u202eevil', '\x7f', '\u2028'];
  it('never carry control characters, wherever the file puts them (version, format, dtype, shape, names)', () => {
    const places: [string, (j: any, s: string) => void][] = [
      ['format', (j, s) => (j.format = s)],
      ['version', (j, s) => (j.version = s)],
      ['dtype', (j, s) => (j.params.W1.dtype = s)],
      ['shape', (j, s) => (j.params.W1.shape = [s, 12])],
      ['parameter name', (j, s) => (j.params[s] = j.params.b1)],
      ['program', (j, s) => (j.program = s + j.program)],
    ];
    for (const [where, put] of places) {
      for (const s of payloads) {
        const j = file();
        put(j, s);
        const e = refusal(j);
        const firstLine = e.message.split('\n')[0];
        expect(firstLine, `${where} ${JSON.stringify(s)}`).not.toMatch(CONTROL);
        // Quoted values never start a line of their own (no fake "exprgrad: OK" line).
        if (where !== 'program') expect(e.message, where).not.toMatch(/\nexprgrad: OK/);
        expect(e.message.replace(/\n/g, ''), where).not.toMatch(CONTROL);
      }
    }
  });
});
