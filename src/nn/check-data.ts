// Does a labelled data set fit a model? Checked before training or scoring, so a mismatch is an error and never a
// silently wrong number (a 100-feature model reading 784-pixel rows, labels the model has no class for).
//
// In:  a model's spec (features, classes), a data set { images, labels, count } (tabular data: features in x, and
//      for regression targets instead of labels), a name for messages.
// Out: nothing, or an ExprError('data') saying what does not fit and where.

import { ExprError } from '../errors.js';

interface Spec {
  readonly features: number;
  readonly classes: number;
}

interface DataSet {
  readonly images: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
  readonly count: number;
  readonly x?: ArrayLike<number>;
  readonly targets?: ArrayLike<number>;
}

export function checkLabelled(model: { readonly spec: Spec }, data: DataSet, what = 'the data'): void {
  const { features, classes } = model.spec;
  const bad = (msg: string): never => {
    throw new ExprError('data', `${what}: ${msg}`);
  };
  if (!data || typeof data !== 'object') bad('expected { images, labels, count }');
  const { images, labels, count } = data;
  if (!Number.isSafeInteger(count) || count < 0) bad(`count must be a non-negative integer, got ${String(count)}`);
  const values = data.x ?? images;
  if (!values || typeof values.length !== 'number') bad('images are missing');
  if (!labels || typeof labels.length !== 'number') bad('labels are missing');
  if (values.length !== count * features) {
    const per = count > 0 && values.length % count === 0 ? ` (${values.length / count} per example)` : '';
    bad(`the model expects ${features} features per example, the data has ${values.length} values for ${count} examples${per}`);
  }
  if (data.targets) {
    // Regression: one finite target per example, no classes.
    if (data.targets.length !== count) bad(`${count} examples but ${data.targets.length} targets`);
    return;
  }
  if (labels.length < count) bad(`${count} examples but only ${labels.length} labels`);
  for (let i = 0; i < count; i++) {
    const l = labels[i];
    if (!(typeof l === 'number' && Number.isInteger(l) && l >= 0 && l < classes)) {
      bad(`label ${typeof l === 'number' ? String(l) : typeof l} at index ${i} is not a class of the model (it has ${classes}: 0…${classes - 1})`);
    }
  }
  // Typed pixel arrays hold numbers; a plain array could hold anything.
  if (!ArrayBuffer.isView(images)) {
    for (let i = 0; i < images.length; i++) if (typeof images[i] !== 'number' || Number.isNaN(images[i])) bad(`image value at index ${i} is not a number`);
  }
}
