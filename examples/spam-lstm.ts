/**
 * Many-to-one on words: SpamAssassin e-mails → spam or ham, with word embeddings and an LSTM
 * (embeddings 64 → LSTM 64 → its state after the last word → 2 classes), reading the subject and
 * the first 64 words of the body (no headers). Beside it, trained in the same run, the classic
 * baseline: bag-of-words logistic regression on every word of the message (binary features; it
 * is a sum of one learned weight pair per distinct word, so it runs on the same padded ids).
 *
 * Run:  npx tsx examples/spam-lstm.ts                 (2 epochs on the 4 837 training e-mails)
 *       NABLA_SHORT=1 npx tsx examples/spam-lstm.ts   (a few seconds after loading: a smoke test)
 * Same model from the command line: nabla train spam-lstm
 */
import * as nb from 'nabla';
import { spamLstm, trainClassifier, predictClasses, accuracyOf } from 'nabla/models';

const short = process.env.NABLA_SHORT === '1';
const t0 = performance.now();
nb.seed(0);
const data = await nb.data.text.spamAssassin({ seed: 0 });
const train = short ? data.train.slice(0, 200) : data.train;
const test = short ? data.test.slice(0, 200) : data.test;
const textOf = (m: nb.data.text.SpamMessage): string => `${m.subject}\n${m.text}`;
const vocab = nb.data.text.vocabulary(train.map(textOf), { level: 'word', minFreq: short ? 2 : 5, maxSize: 20000 });
const labels = (list: readonly nb.data.text.SpamMessage[]): number[] => list.map((m) => m.target);

// The LSTM reads the first 64 words (at least one id: an empty message is one <unk>).
const maxLen = short ? 30 : 64;
const firstWords = (m: nb.data.text.SpamMessage): Int32Array => {
  const ids = vocab.encode(textOf(m)).subarray(0, maxLen);
  return ids.length ? ids : Int32Array.of(vocab.unk);
};
const model = spamLstm(vocab.size);
const epochs = short ? 1 : 2;
console.log(`spam-lstm: ${train.length} training and ${test.length} test e-mails · ${vocab.size} words · ${model.numParameters().toLocaleString('en-US')} parameters · ${epochs} epochs`);
trainClassifier(model, train.map(firstWords), labels(train), {
  epochs, batchSize: 32, lr: 3e-3, seed: 0,
  onEpoch: (e, loss, s) => console.log(`  LSTM epoch ${e + 1}: loss ${loss.toFixed(4)} · ${s.toFixed(1)} s`),
});
const lstmAcc = accuracyOf(predictClasses(model, test.map(firstWords)), labels(test));
model.dispose();

// The baseline: logistic regression on which words occur. The distinct word ids of a message,
// after <bos> (present in every message: its weights are the intercept), summed by embedding(V, 2).
const bag = (m: nb.data.text.SpamMessage): Int32Array => Int32Array.from(new Set([vocab.bos, ...vocab.encode(textOf(m))]));
class SumWords extends nb.nn.Module {
  forward(x: nb.Tensor): nb.Tensor {
    return x.sum(1); // [batch, words, 2] → [batch, 2]; padding's row is zero
  }
}
const baseline = nb.nn.sequential(nb.nn.embedding(vocab.size, 2, { paddingIdx: 0, init: 'zeros' }), new SumWords());
trainClassifier(baseline, train.map(bag), labels(train), {
  epochs: short ? 1 : 5, batchSize: 32, lr: 0.05, seed: 0,
  onEpoch: (e, loss, s) => console.log(`  bag-of-words epoch ${e + 1}: loss ${loss.toFixed(4)} · ${s.toFixed(1)} s`),
});
const bowAcc = accuracyOf(predictClasses(baseline, test.map(bag)), labels(test));
const ham = labels(test).filter((l) => l === 0).length / test.length;
console.log(`test accuracy: LSTM ${(100 * lstmAcc).toFixed(2)}% · bag-of-words logistic regression ${(100 * bowAcc).toFixed(2)}% · majority class (ham) ${(100 * ham).toFixed(2)}%`);
if (!short && !(lstmAcc > ham + 0.1)) throw new Error(`the LSTM's test accuracy ${lstmAcc} is not clearly above the majority class (${ham})`);
baseline.dispose();
console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
