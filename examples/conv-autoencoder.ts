/**
 * A convolutional autoencoder on MNIST: conv 3×3 stride 2 to 16×14×14, conv 3×3 stride 2 to
 * 32×7×7, then two transposed convolutions (nb.nn.conv2dTranspose, stride 2) back to 1×28×28 with
 * a sigmoid; MSE to the input, Adam 1e-3, 5 epochs. Reports the test reconstruction MSE and writes
 * runs/conv-ae/reconstructions.png.
 *
 * Run:  npx tsx examples/conv-autoencoder.ts                  (5 epochs, all 60 000 images)
 *       NABLA_SHORT=1 npx tsx examples/conv-autoencoder.ts    (1 000 images, 3 epochs: a smoke test)
 * Same run from the command line: nabla train conv-ae --out runs/conv-ae
 */
import { isShort, mainAutoencoderExample } from './shared/autoencoder-example.js';

await mainAutoencoderExample('conv-ae', (r) => (r.testMse < (isShort ? 0.15 : 0.02) ? null : `test MSE ${r.testMse} is too high`));
