// Lines of a stream with a bound on each line's length, so a line of hundreds of megabytes is refused without being
// held in memory (node:readline keeps the whole line and ends in a RangeError).
//
// In:  a readable stream (bytes, UTF-8, or strings), the longest line kept (characters).
// Out: an async sequence of { text } for each line (without '\n' or a trailing '\r'), or { tooLong } (its length in
//      characters, counted while the rest of it was skipped) for a longer one.

import { StringDecoder } from 'node:string_decoder';

export type Line = { readonly text: string; readonly tooLong?: undefined } | { readonly text?: undefined; readonly tooLong: number };

/** Longer input lines are refused unread: ten times the parser's 100,000 characters per parse. */
export const MAX_LINE = 1_000_000;

export async function* boundedLines(input: NodeJS.ReadableStream, maxLine = MAX_LINE): AsyncGenerator<Line> {
  const decoder = new StringDecoder('utf8');
  let parts: string[] = [];
  let kept = 0; // characters in parts
  let skipped = -1; // ≥ 0 while skipping the rest of an over-long line: its length so far
  const finish = (): Line => {
    const line: Line = skipped >= 0 ? { tooLong: skipped } : { text: parts.join('').replace(/\r$/, '') };
    parts = [];
    kept = 0;
    skipped = -1;
    return line;
  };
  const take = (piece: string) => {
    if (skipped >= 0) skipped += piece.length;
    else if (kept + piece.length > maxLine + 1) {
      skipped = kept + piece.length; // the line is too long: drop what was kept, count the rest
      parts = [];
      kept = 0;
    } else {
      parts.push(piece);
      kept += piece.length;
    }
  };
  for await (const chunk of input as AsyncIterable<string | Buffer>) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      if (kept === 0 && skipped < 0 && nl - from <= maxLine) {
        // the whole line lies in this chunk: the slice itself, without a trailing '\r' (as finish() gives)
        yield { text: text.slice(from, nl > from && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl) };
      } else {
        take(text.slice(from, nl));
        yield finish();
      }
      from = nl + 1;
    }
    if (from < text.length) take(text.slice(from));
  }
  take(decoder.end());
  if (kept > 0 || skipped >= 0) yield finish();
}
