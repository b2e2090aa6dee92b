// Turning any grayscale picture of a digit into what the MNIST model saw in training.
//
// In:  a width × height grayscale image (0 = background … 1 = ink, or the other way round; the background is
//      taken to be the more common border tone and inverted to 0 if it is light).
// Out: 784 pixels, 28 × 28, in 0..1, prepared as MNIST was: the ink's bounding box scaled (area-averaged,
//      aspect kept) to fit 20 × 20, then placed so its center of mass sits at the center of the 28 × 28 frame.
//      Used by `exprgrad predict image.png` and by the browser page's drawing canvas.

export function mnistFromGray(gray: Float32Array | Float64Array, width: number, height: number): Float32Array {
  if (gray.length !== width * height || width < 1 || height < 1) throw new RangeError('image size does not match its pixels');
  // Background: the mean of the border. Light background → invert so ink is high.
  let border = 0;
  let count = 0;
  for (let x = 0; x < width; x++) {
    border += gray[x] + gray[(height - 1) * width + x];
    count += 2;
  }
  for (let y = 0; y < height; y++) {
    border += gray[y * width] + gray[y * width + width - 1];
    count += 2;
  }
  const invert = border / count > 0.5;
  const ink = new Float32Array(width * height);
  for (let i = 0; i < ink.length; i++) ink[i] = Math.min(1, Math.max(0, invert ? 1 - gray[i] : gray[i]));
  // Bounding box of the ink.
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > 0.1) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  const out = new Float32Array(784);
  if (x1 < 0) return out; // blank
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = 20 / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale));
  const th = Math.max(1, Math.round(bh * scale));
  // Area-average the box into tw × th.
  const small = new Float32Array(tw * th);
  for (let ty = 0; ty < th; ty++) {
    const sy0 = y0 + (ty * bh) / th;
    const sy1 = y0 + ((ty + 1) * bh) / th;
    for (let tx = 0; tx < tw; tx++) {
      const sx0 = x0 + (tx * bw) / tw;
      const sx1 = x0 + ((tx + 1) * bw) / tw;
      let sum = 0;
      let area = 0;
      for (let y = Math.floor(sy0); y < Math.ceil(sy1); y++) {
        const wy = Math.min(y + 1, sy1) - Math.max(y, sy0);
        for (let x = Math.floor(sx0); x < Math.ceil(sx1); x++) {
          const wx = Math.min(x + 1, sx1) - Math.max(x, sx0);
          sum += ink[y * width + x] * wx * wy;
          area += wx * wy;
        }
      }
      small[ty * tw + tx] = area > 0 ? sum / area : 0;
    }
  }
  // Center of mass → frame center.
  let mass = 0, cx = 0, cy = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = small[y * tw + x];
      mass += v;
      cx += v * x;
      cy += v * y;
    }
  }
  const ox = Math.round(14 - (mass > 0 ? cx / mass : tw / 2) - 0.5);
  const oy = Math.round(14 - (mass > 0 ? cy / mass : th / 2) - 0.5);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const X = x + ox;
      const Y = y + oy;
      if (X >= 0 && X < 28 && Y >= 0 && Y < 28) out[Y * 28 + X] = small[y * tw + x];
    }
  }
  return out;
}
