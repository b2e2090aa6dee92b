// Where a command reads and writes: the process's streams, or a test's buffers.
//
// In:  nothing. Out: the Io type the commands take (main.ts passes the process's own).

export interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}
