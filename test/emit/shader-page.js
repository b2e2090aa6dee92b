// Runs in Chromium (test/emit/shaders.test.ts): each job is emitted GLSL or WGSL plus a driver; returns the outputs.
//   GLSL: a WebGL2 fragment shader; input points in an RGBA32F texture (point p, variable i at texel (p, i/4),
//         channel i%4), outputs written to an RGBA32F render target (point p, output o at (p, o/4), channel o%4).
//   WGSL: a WebGPU compute shader; points and outputs in storage buffers.
// In: { jobs: [{ lang, source, nparams, nout, points: number[] (flat) }] }. Out: [{ values: number[] (flat) } | { error }].
async ({ jobs }) => {
  const results = [];
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2');
  if (gl && !gl.getExtension('EXT_color_buffer_float')) throw new Error('no EXT_color_buffer_float');
  let device;
  const webgpu = { adapter: false, description: '' };
  if (navigator.gpu) {
    const adapter = await navigator.gpu.requestAdapter();
    if (adapter) {
      webgpu.adapter = true;
      webgpu.description = adapter.info ? `${adapter.info.vendor} ${adapter.info.architecture}` : '';
      device = await adapter.requestDevice();
    }
  }
  const vs = '#version 300 es\nin vec2 pos;\nvoid main() { gl_Position = vec4(pos, 0.0, 1.0); }';
  function compile(type, src) {
    const s = gl.createShader(type);
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error('GLSL compile: ' + gl.getShaderInfoLog(s));
    return s;
  }
  async function runGlsl(job) {
    const P = job.points.length / Math.max(job.nparams, 1);
    const inRows = Math.max(1, Math.ceil(job.nparams / 4));
    const outRows = Math.ceil(job.nout / 4);
    const prog = gl.createProgram();
    gl.attachShader(prog, compile(gl.VERTEX_SHADER, vs));
    gl.attachShader(prog, compile(gl.FRAGMENT_SHADER, job.source));
    gl.linkProgram(prog);
    if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) throw new Error('GLSL link: ' + gl.getProgramInfoLog(prog));
    gl.useProgram(prog);
    const data = new Float32Array(P * inRows * 4);
    for (let p = 0; p < P; p++) for (let i = 0; i < job.nparams; i++) data[(Math.floor(i / 4) * P + p) * 4 + (i % 4)] = job.points[p * job.nparams + i];
    const tin = gl.createTexture();
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, tin);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA32F, P, inRows, 0, gl.RGBA, gl.FLOAT, data);
    gl.uniform1i(gl.getUniformLocation(prog, 'inp'), 0);
    const tout = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, tout);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA32F, P, outRows, 0, gl.RGBA, gl.FLOAT, null);
    gl.bindTexture(gl.TEXTURE_2D, tin);
    const fb = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tout, 0);
    const buf = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, buf);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    const loc = gl.getAttribLocation(prog, 'pos');
    gl.enableVertexAttribArray(loc);
    gl.vertexAttribPointer(loc, 2, gl.FLOAT, false, 0, 0);
    gl.viewport(0, 0, P, outRows);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    const out = new Float32Array(P * outRows * 4);
    gl.readPixels(0, 0, P, outRows, gl.RGBA, gl.FLOAT, out);
    const values = [];
    for (let p = 0; p < P; p++) for (let o = 0; o < job.nout; o++) values.push(out[(Math.floor(o / 4) * P + p) * 4 + (o % 4)]);
    gl.deleteFramebuffer(fb);
    gl.deleteTexture(tin);
    gl.deleteTexture(tout);
    gl.deleteBuffer(buf);
    gl.deleteProgram(prog);
    return values;
  }
  async function runWgsl(job) {
    const P = job.points.length / Math.max(job.nparams, 1);
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: job.source });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length) {
      await device.popErrorScope();
      throw new Error('WGSL compile: ' + errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; '));
    }
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const inp = device.createBuffer({ size: Math.max(16, job.points.length * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(inp, 0, new Float32Array(job.points.length ? job.points : [0]));
    const size = Math.max(16, P * job.nout * 4); // WebGPU refuses empty bindings (a row with no point in its domain)
    const outp = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const read = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: inp } }, { binding: 1, resource: { buffer: outp } }],
    });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(Math.ceil(P / 64));
    pass.end();
    enc.copyBufferToBuffer(outp, 0, read, 0, size);
    device.queue.submit([enc.finish()]);
    const err = await device.popErrorScope();
    if (err) throw new Error('WebGPU: ' + err.message);
    await read.mapAsync(GPUMapMode.READ);
    const values = Array.from(new Float32Array(read.getMappedRange()));
    read.unmap();
    inp.destroy();
    outp.destroy();
    read.destroy();
    return values;
  }
  for (const job of jobs) {
    try {
      if (job.lang === 'glsl') results.push({ values: await runGlsl(job) });
      else if (device) results.push({ values: await runWgsl(job) });
      else results.push({ error: 'no WebGPU adapter' });
    } catch (e) {
      results.push({ error: String(e && e.message ? e.message : e) });
    }
  }
  return { results, webgpu, renderer: gl ? gl.getParameter(gl.getExtension('WEBGL_debug_renderer_info') ? 0x9246 : gl.RENDERER) : '' };
}
