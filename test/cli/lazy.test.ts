// The CLI loads what a command needs: an expression command (diff, simplify, eval, …) starts without the executors,
// gpu.js, protobufjs or pngjs; a command that needs them loads them and works. The list of model commands that
// main.ts knows by name matches the modules that define them, and 'exprgrad/symbolic' exports the very objects of
// 'exprgrad'.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODEL_COMMANDS, modelCommands } from '../../src/cli/main.js';
import * as full from '../../src/index.js';
import * as symbolic from '../../src/symbolic.js';

const bin = fileURLToPath(new URL('../../bin/exprgrad.js', import.meta.url));
const HEAVY = ['gpu.js', 'protobufjs', 'pngjs', 'csv-parse'];

/** Run the built CLI; report which of the heavy packages it loaded (CommonJS cache at exit) and its output. */
function run(args: string[], input = '') {
  const dir = mkdtempSync(join(tmpdir(), 'exprgrad-lazy-'));
  const probe = join(dir, 'probe.cjs');
  writeFileSync(
    probe,
    `process.on('exit', () => require('fs').writeSync(2, '\\nLOADED ' + JSON.stringify(Object.keys(require('module')._cache)) + '\\n'));`,
  );
  const r = spawnSync(process.execPath, ['--require', probe, bin, ...args], { input, encoding: 'utf8' });
  const m = /\nLOADED (.*)\n/.exec(r.stderr);
  const files: string[] = m ? JSON.parse(m[1]) : [];
  const loaded = HEAVY.filter((p) => files.some((f) => f.includes(`/node_modules/${p}/`)));
  return { status: r.status, stdout: r.stdout, loaded };
}

describe('lazy loading in the CLI', () => {
  it('expression commands start without gpu.js, protobufjs, pngjs or csv-parse', () => {
    for (const [args, input, out] of [
      [['diff', 'x^2'], '', '2x\n'],
      [['diff', '--wrt', 'x'], 'sin(x)\nx*y\n', 'cos(x)\ny\n'],
      [['simplify', '2x + 3x'], '', '5x\n'],
      [['eval', '1+2'], '', '3\n'],
      [['print', 'x^2', '--format', 'plain'], '', 'x^2\n'],
      [['codegen', 'x^2', '--lang', 'js'], '', undefined],
      [['functions'], '', undefined],
    ] as [string[], string, string | undefined][]) {
      const r = run(args, input);
      expect(r.status, args.join(' ')).toBe(0);
      if (out !== undefined) expect(r.stdout).toBe(out);
      expect(r.loaded, args.join(' ')).toEqual([]);
    }
  });

  it('commands that run a tape or a model load the executors and answer as before', () => {
    const grad = run(['eval', 'x^2*y', 'x=3', 'y=2', '--grad']);
    expect(grad.status).toBe(0);
    expect(grad.stdout).toBe('18; ∂/∂x = 12; ∂/∂y = 9\n');
    expect(grad.loaded).toContain('gpu.js');
    const stdin = run(['eval', '-', 'x=2', '--grad'], 'x^3\nsin(x)*0\n');
    expect(stdin.stdout).toBe('8; ∂/∂x = 12\n0; ∂/∂x = 0\n');
    const tensor = run(['diff', '--wrt', 'W'], 'W: [2, 3]; x: [3, 1]; sum(W @ x)\n');
    expect(tensor.status).toBe(0);
    expect(tensor.stdout).toBe('∂result/∂W = broadcast_to(1, 2, 1) @ xᵀ\n');
    const help = run(['--help']);
    expect(help.status).toBe(0);
    for (const name of MODEL_COMMANDS) expect(help.stdout).toContain(`  ${name} `);
  });

  it('knows every model command by name, in the modules\' order', async () => {
    expect(Object.keys(await modelCommands())).toEqual([...MODEL_COMMANDS]);
  });

  it("'exprgrad/symbolic' exports the very objects 'exprgrad' exports", () => {
    const names = Object.keys(symbolic);
    expect(names.length).toBeGreaterThan(30);
    for (const name of names) expect((full as Record<string, unknown>)[name], name).toBe((symbolic as Record<string, unknown>)[name]);
  });
});
