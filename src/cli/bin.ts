// Process entry for the `exprgrad` command: wires main() to the real process streams and exit status.
import { main } from './main.js';

// A reader that stops early (exprgrad diff … | head -c 10) closes the pipe: that is not an error of exprgrad's.
// Stop quietly, with the status so far (0 unless an input already failed), instead of an unhandled 'error' trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    process.exitCode = 70;
  });
}

main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (status) => {
    process.exitCode = status;
  },
  (err) => {
    process.stderr.write(`exprgrad: internal error: ${(err as Error)?.message ?? err}\n`);
    process.exitCode = 70;
  },
);
