// The command-line interface: a thin layer over the API.
//
// In:  argv (without node and script), stdin, stdout, stderr.
// Out: an exit status: 0 success, 2 bad input or usage (message on stderr, never a stack trace), 70 internal error.
//
// Every expression command takes its expression as an argument, or, with none, reads one expression per line from
// standard input and writes one answer per line (an empty line, plus a message on stderr, for a line that fails),
// so thousands of expressions can go through one process.

import { parseArgs } from 'node:util';
import { boundedLines, MAX_LINE } from './lines.js';
import { commands as exprCommands, type Command, type Flags } from './commands.js';

// The commands that train, serve and convert models, and the file reading, load their modules (and with them the
// executors, gpu.js, protobufjs, pngjs) only when one of them runs or the full usage is printed: an expression
// command starts without them. Their names are known here; a test checks this list against the modules.
export const MODEL_COMMANDS = ['train', 'evaluate', 'predict', 'serve', 'export', 'import'] as const;
export async function modelCommands(): Promise<Record<string, Command>> {
  const [{ trainCommands }, { serveCommands }, { onnxCommands }, { withTabular }] = await Promise.all([import('./train.js'), import('./serve.js'), import('./onnx.js'), import('./train-data.js')]);
  return { ...trainCommands, train: withTabular(trainCommands.train), ...serveCommands, ...onnxCommands };
}
const commandNames: readonly string[] = [...Object.keys(exprCommands), ...MODEL_COMMANDS];

import type { Io } from './io.js';
import { ExprError, safeText } from '../symbolic.js';
export type { Io } from './io.js';

const VERSION = '0.1.0';

function usage(commands: Record<string, Command>): string {
  const width = Math.max(...Object.keys(commands).map((k) => k.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'exprgrad: symbolic derivatives and compiled expression graphs',
    '',
    'Usage: exprgrad <command> [expression] [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'With no expression, a command reads one expression per line from standard input.',
    "Run 'exprgrad <command> --help' for a command's options.",
  ].join('\n');
}

function commandHelp(name: string, c: Command): string {
  const opts = Object.entries(c.options).map(([k, o]) => `  --${k}${o.type === 'string' ? ' <value>' : ''}\n      ${o.help}`);
  return [`Usage: exprgrad ${name} ${c.usage}`, '', c.summary, '', c.description, '', 'Options:', ...opts, '  --help\n      show this help'].join('\n');
}

class UsageError extends Error {}

/**
 * Expressions may start with a minus (`exprgrad eval -2^2`), so only `--long` options and `-h` are options:
 * everything else is moved after a `--` terminator, in order, as a positional argument.
 */
function optionsFirst(args: readonly string[], cmd: Command): string[] {
  const options: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (a === '-h' || (a.startsWith('--') && a.length > 2)) {
      options.push(a);
      const name = a.slice(2);
      if (!a.includes('=') && cmd.options[name]?.type === 'string' && i + 1 < args.length) options.push(args[++i]);
    } else positionals.push(a);
  }
  return [...options, '--', ...positionals];
}

/** Run the CLI; resolves to the exit status. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(usage({ ...exprCommands, ...(await modelCommands()) }) + '\n');
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      io.stdout.write(VERSION + '\n');
      return 0;
    }
    const cmd = Object.hasOwn(exprCommands, name) ? exprCommands[name] : commandNames.includes(name) ? (await modelCommands())[name] : undefined;
    if (!cmd) throw new UsageError(`unknown command '${name}'. Commands: ${commandNames.join(', ')}`);
    let parsed;
    try {
      parsed = parseArgs({
        args: optionsFirst(rest, cmd),
        options: { ...cmd.options, help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
        allowNegative: false,
      } as Parameters<typeof parseArgs>[0]);
    } catch (err) {
      // Cut a long quoted argument ('-----…x' is an expression, not an option) so the message stays one short line.
      const reason = (err as Error).message.replace(/\. To specify.*$/s, '').replace(/'([^'\n]{30})[^'\n]{2,}'/g, "'$1…'");
      const hint = /^Unknown option '--(?![A-Za-z])/.test(reason) ? ", or put '--' before an expression that starts with '--'" : '';
      throw new UsageError(`${reason} (see 'exprgrad ${name} --help'${hint})`);
    }
    const flags = parsed.values as Flags;
    if (flags.help) {
      io.stdout.write(commandHelp(name, cmd) + '\n');
      return 0;
    }
    const positionals = parsed.positionals;
    if (cmd.run) return await cmd.run(positionals, flags, io);
    let { expr, extra } = cmd.splitArgs ? cmd.splitArgs(positionals) : { expr: positionals[0], extra: positionals.slice(1) };
    if (typeof flags.file === 'string') {
      if (expr !== undefined) extra = [expr, ...extra];
      expr = (await import('./files.js')).readText(flags.file);
    }
    if (expr !== undefined) {
      io.stdout.write((await cmd.answer!(expr, extra, flags)) + '\n');
      return 0;
    }
    return await streamLines(cmd, extra, flags, io);
  } catch (err) {
    return report(err, io, argv.includes('--json'));
  }
}

async function streamLines(cmd: Command, extra: string[], flags: Flags, io: Io): Promise<number> {
  let status = 0;
  let lineNo = 0;
  // Answers go out in one write per chunk of input (when the loop waits for more input, before a message on
  // standard error, at 64 KiB, and at the end) instead of one write per line: a typed line is still answered at once.
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === '') return;
    const text = pending;
    pending = '';
    io.stdout.write(text);
  };
  const answer = (text: string) => {
    pending += text;
    if (pending.length >= 1 << 16) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  try {
    for await (const { text: line, tooLong } of boundedLines(io.stdin)) {
      lineNo++;
      if (line !== undefined && line.trim() === '') {
        answer('\n');
        continue;
      }
      try {
        if (line === undefined) {
          throw new ExprError('too-large', `the line is ${tooLong.toLocaleString('en-US')} characters long; lines longer than ${MAX_LINE.toLocaleString('en-US')} are not read`);
        }
        const out = cmd.answer!(line, extra, flags);
        answer((typeof out === 'string' ? out : await out) + '\n');
      } catch (err) {
        if (!(err instanceof ExprError)) throw err;
        status = 2;
        if (flags.json) answer(JSON.stringify({ ...(err.toJSON() as object), input_line: lineNo }) + '\n');
        else {
          answer('\n');
          flush();
          io.stderr.write(`input line ${lineNo}: ${err.message}\n`);
        }
      }
    }
  } finally {
    flush();
  }
  return status;
}

function report(err: unknown, io: Io, json: boolean): number {
  if (err instanceof ExprError || err instanceof UsageError) {
    if (json && err instanceof ExprError) io.stdout.write(JSON.stringify(err.toJSON()) + '\n');
    io.stderr.write(`exprgrad: ${safeText(err.message)}\n`);
    return 2;
  }
  const e = err as Error;
  io.stderr.write(`exprgrad: internal error: ${safeText(String(e?.message ?? err))}\n`);
  if (process.env.EXPRGRAD_DEBUG) io.stderr.write(String(e?.stack) + '\n');
  else io.stderr.write('(this is a bug in exprgrad; set EXPRGRAD_DEBUG=1 for details)\n');
  return 70;
}
