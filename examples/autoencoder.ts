/**
 * A dense autoencoder 784–256–64–256–784 on MNIST (ReLU, sigmoid output, MSE to the input, Adam
 * 1e-3, batches of 128, 10 epochs), trained with nb.train.loop; reports the reconstruction MSE on
 * the 10,000 test images and writes runs/autoencoder/{model.nabla, reconstructions.png,
 * features.png, metrics.json}.
 *
 * Run:  npx tsx examples/autoencoder.ts                  (10 epochs, all 60 000 images)
 *       NABLA_SHORT=1 npx tsx examples/autoencoder.ts    (1 000 images, 3 epochs: a smoke test)
 * Same run from the command line: nabla train autoencoder --out runs/autoencoder
 */
import { isShort, mainAutoencoderExample } from './shared/autoencoder-example.js';

// predicting 0 everywhere scores ≈ 0.11; a trained autoencoder far less
await mainAutoencoderExample('autoencoder', (r) => (r.testMse < (isShort ? 0.1 : 0.02) ? null : `test MSE ${r.testMse} is too high`));
