/**
 * A stacked autoencoder, pre-trained greedily layer by layer (784→256→784 on the pixels, then
 * 256→64→256 on the first layer's codes, sigmoid units, each with nb.train.loop), then fine-tuned
 * as a classifier 784–256–64–10 on only 1,000 labelled images — against the same network from
 * random initialisation on the same 1,000 images. Prints both test accuracies.
 *
 * Run:  npx tsx examples/stacked-autoencoder.ts                  (5 epochs of pre-training on 60 000 images)
 *       NABLA_SHORT=1 npx tsx examples/stacked-autoencoder.ts    (1 000 images, 3 epochs: a smoke test)
 * Same run from the command line: nabla train stacked-ae --out runs/stacked-ae
 */
import { mainAutoencoderExample } from './shared/autoencoder-example.js';

await mainAutoencoderExample('stacked-ae', (r) => (r.stacked!.pretrainedAccuracy > 0.2 ? null : `pre-trained accuracy ${r.stacked!.pretrainedAccuracy} is near chance`));
