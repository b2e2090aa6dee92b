// Messages between the page (web/train.ts, web/draw.ts) and the training worker (web/worker.ts).
import type { TrainEvent } from '../src/nn/train.js';

export interface TrainSettings {
  /** 'gpujs', 'wasm' or 'js'. */
  readonly backend: string;
  /** gpu.js mode (gpujs backend): gpu, webgl2, webgl, webasm, cpu. */
  readonly mode: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  /** Use only the first N training examples (before the validation split). */
  readonly limit: number;
  /** Stop each run (start or resume) after this many steps (0: run all epochs). */
  readonly maxSteps: number;
  readonly seed: number;
}

export type ToWorker =
  | { type: 'probe' }
  | { type: 'start'; program: string; settings: TrainSettings }
  | { type: 'resume'; settings: TrainSettings }
  | { type: 'stop' }
  | { type: 'predict'; id: number; pixels: Float32Array }
  | { type: 'sample'; id: number };

/** What this worker can run, found by asking the platform (not assumed). */
export interface WorkerEnvironment {
  readonly offscreenCanvas: boolean;
  readonly webgl2: boolean;
  readonly webgl: boolean;
  /** navigator.gpu exists (an adapter may still be missing). */
  readonly webgpu: boolean;
  readonly webAssembly: boolean;
  /** The wasm backend here: SIMD, threads (needs cross-origin isolation: the server's COOP/COEP headers), cores. */
  readonly wasm: { simd: boolean; threads: boolean; cores: number; noThreadsReason?: string };
  readonly crossOriginIsolated: boolean;
  /** The WebGL renderer string from an OffscreenCanvas in the worker, or why there is none. */
  readonly renderer: string;
  readonly userAgent: string;
}

export interface ErrorInfo {
  readonly message: string;
  readonly reason?: string;
  readonly code?: string;
  readonly line?: number;
  readonly column?: number;
  readonly offset?: number;
  readonly excerpt?: string;
}

export interface KernelReport {
  /** The fused training step's runner(s): what ran forward + backward + Adam. */
  readonly train: string[];
  /** The evaluation programs (validation, test): Model.description and the others. */
  readonly evaluate: string[];
  /** Model.description after the run. */
  readonly model: string;
}

export type FromWorker =
  | { type: 'env'; env: WorkerEnvironment }
  | { type: 'data'; status: 'loading' | 'ready'; message: string }
  | { type: 'model'; parameters: number; layers: string; features: number; classes: number }
  | { type: 'event'; event: TrainEvent; run: number; globalStep: number; stepsPerSecond: number; kernels: KernelReport }
  | { type: 'done'; run: number; globalStep: number; stopped?: string; test?: { loss: number; accuracy: number }; kernels: KernelReport; weightsStep: number }
  | { type: 'error'; error: ErrorInfo; where: 'program' | 'data' | 'training' | 'predict' }
  | { type: 'prediction'; id: number; probabilities: number[]; digit: number; weightsStep: number; trained: boolean; backend: string }
  | { type: 'sample'; id: number; pixels: Uint8Array; label: number; index: number };
