/**
 * nabla.data.text — text for sequence models.
 *
 * - Tokenizers and vocabularies: `chars`, `words`, `vocabulary` / `Vocabulary` (special tokens
 *   `<pad>` = 0, `<unk>` = 1, `<bos>` = 2, `<eos>` = 3; `toJSON` / `Vocabulary.fromJSON`).
 * - Batching: `pad`, `bucketBatches`, `split`, `lmWindows`, `bpttBatches` (batch-first
 *   `[batch, time]` int32 ids).
 * - Data sets parsed from npm packages (Node only, optional peer dependencies): `names`,
 *   `spamAssassin`, `cmudict`, `sotu`; and `sequentialMnist` (MNIST as 28 steps × 28 pixels).
 */
export { chars, words, vocabulary, Vocabulary, PAD, UNK, BOS, EOS, SPECIAL_TOKENS } from './vocabulary.js';
export type { TokenLevel, VocabularyOptions, VocabularyJSON, EncodeOptions, DecodeOptions } from './vocabulary.js';
export { pad, bucketBatches, split, lmWindows, bpttBatches } from './sequences.js';
export type { PadOptions, PaddedBatch, IdSequence, BucketOptions, SplitOptions, Splits, LmWindows, BpttOptions, BpttBatch, BpttBatches } from './sequences.js';
export { names, spamAssassin, cmudict, sotu, sequentialMnist, SPAM_GROUPS } from './datasets.js';
export type { NameEntry, SpamMessage, SpamGroup, SpamAssassinOptions, SpamAssassinData, CmudictEntry, CmudictOptions, CmudictData, SotuAddress } from './datasets.js';
