/**
 * nabla.io — saving and loading models.
 *
 * - `save(model, path, { metadata })` / `load(path)` / `loadFile(path)` / `inspect(path)`: the
 *   `.nabla` format (architecture + weights, format version, CRC-32), written atomically. Node only;
 *   the file system is reached lazily, so importing nabla in a browser is unaffected.
 * - `encodeModel` / `decodeModel`: the same format as bytes (browser-safe).
 * - `saveWeights(model, path)` / `loadWeights(model, path, { strict })`: the weights alone, by name,
 *   for any Module (custom ones without `config()` too); `encodeWeights` / `decodeWeights` as bytes.
 * - `writeFileAtomic(path, data)`: temp file + fsync + rename.
 * - `loadTorchStateDict(model, json)`: a PyTorch state dict exported as JSON, by parameter name.
 */
export { save, load, loadFile, inspect, writeFileAtomic, saveWeights, loadWeights } from './file.js';
export { listModels, removeModel } from './stores.js';
export type { StoredModel } from './stores.js';
export type { SaveOptions, LoadWeightsOptions } from './file.js';
export { encodeModel, decodeModel, encodeWeights, decodeWeights, readModelBytes, validateHeader, crc32, ModelFileError, FORMAT_VERSION, MAGIC, MODEL_FILE_LIMITS } from './format.js';
export type { ModelHeader, WeightsHeader, LoadWeightsResult, TensorEntry } from './format.js';
export { loadTorchStateDict } from './torch.js';
export type { LoadTorchOptions, LoadTorchResult, TorchTensorJson, NestedNumbers } from './torch.js';
export { fromTfjs, toTfjs, loadTfjs, saveTfjs } from './tfjs.js';
export type { TfjsArtifacts, TfjsWeightSpec, ToTfjsOptions } from './tfjs.js';
export { encodeSafetensors, decodeSafetensors, saveSafetensors, loadSafetensors } from './safetensors.js';
export type { SafeTensor } from './safetensors.js';
export { exportPytorch, pytorchSource } from './pytorch.js';
