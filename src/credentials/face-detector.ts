/**
 * Finds faces in a photo, offline. The detector is face-api's Tiny Face Detector (MIT, by
 * vladmandic): its model weights ship inside the npm package, so nothing is downloaded at run
 * time. TensorFlow.js runs it on WebAssembly: no native add-on, the same result on every
 * machine. Loading takes about a second, so the detector is loaded once, on first use.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

export interface FaceBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** The detector's confidence, 0..1. */
  readonly score: number;
}

export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** What this module needs of face-api's typings (its d.ts pulls in browser types we do not compile). */
interface FaceApi {
  tf: {
    setBackend(name: string): Promise<boolean>;
    ready(): Promise<void>;
    tensor3d(values: Uint8Array, shape: [number, number, number]): { dispose(): void };
  };
  nets: { tinyFaceDetector: { loadFromDisk(dir: string): Promise<void> } };
  TinyFaceDetectorOptions: new (o: { inputSize: number; scoreThreshold: number }) => unknown;
  detectAllFaces(input: unknown, options: unknown): Promise<{ score: number; box: { x: number; y: number; width: number; height: number } }[]>;
}

const require = createRequire(import.meta.url);
let loading: Promise<FaceApi> | undefined;

function load(): Promise<FaceApi> {
  return (loading ??= (async () => {
    // The node-wasm build uses @tensorflow/tfjs with its WebAssembly backend (no tfjs-node).
    const api = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    await api.tf.setBackend('wasm');
    await api.tf.ready();
    const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
    await api.nets.tinyFaceDetector.loadFromDisk(modelDir);
    return api;
  })());
}

/** Faces in an RGB image, most confident first. `minScore` 0.5 is face-api's own default. */
export async function detectFaces(img: RgbImage, minScore = 0.5): Promise<FaceBox[]> {
  const api = await load();
  const input = api.tf.tensor3d(img.data, [img.height, img.width, 3]);
  try {
    // 416 px: the detector's input size that finds passport-style faces reliably in ~100 ms on one core.
    const found = await api.detectAllFaces(input, new api.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: minScore }));
    return found.map((d) => ({ x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height, score: d.score })).sort((a, b) => b.score - a.score);
  } finally {
    input.dispose();
  }
}
