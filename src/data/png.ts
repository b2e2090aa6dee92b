// PNG files → MNIST-ready pixels, through pngjs (a maintained pure-JS PNG codec).
//
// In:  a path to a PNG (any size, gray or color, with or without alpha).
// Out: 784 floats in 0..1 (src/data/digit.ts prepares them as MNIST was), or an ExprError naming the file.
import { FILE_LIMITS, readFileLimited } from './read-limited.js';
import pngjs from 'pngjs';
import { ExprError } from '../errors.js';
import { mnistFromGray } from './digit.js';

export function readPngDigit(path: string): Float32Array {
  const bytes = readFileLimited(path, FILE_LIMITS.png, 'PNG image');
  let png: pngjs.PNGWithMetadata;
  try {
    png = pngjs.PNG.sync.read(bytes);
  } catch (err) {
    throw new ExprError('data', `${path} is not a readable PNG image (${(err as Error).message})`);
  }
  const { width, height, data } = png;
  const gray = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const r = data[4 * i], g = data[4 * i + 1], b = data[4 * i + 2], a = data[4 * i + 3] / 255;
    const lum = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    gray[i] = lum * a + (1 - a); // transparent pixels read as white paper
  }
  return mnistFromGray(gray, width, height);
}
