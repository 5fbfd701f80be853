import { createHash } from 'node:crypto';
import { type BertNormalizeOptions, endsBertWord, splitBertWords } from './bert-normalize.js';

/** Settings of a {@link WordPieceTokenizer}. */
export interface WordPieceTokenizerSettings extends BertNormalizeOptions {
  /** Token -> id. */
  vocab: ReadonlyMap<string, number>;
  /** @default '[UNK]' */
  unkToken?: string;
  /** @default '[CLS]' */
  clsToken?: string;
  /** @default '[SEP]' */
  sepToken?: string;
  /** @default '[PAD]' */
  padToken?: string;
  /** Words longer than this (in characters) become the unknown token. @default 100 */
  maxInputCharsPerWord?: number;
  /** Prefix of word continuations. @default '##' */
  continuingSubwordPrefix?: string;
}

const CHUNK_CHARS = 8192;

/** A pair encoded for a cross-encoder: `[CLS] query [SEP] document [SEP]`. */
export interface EncodedPair {
  inputIds: Int32Array;
  /** 0 for `[CLS] query [SEP]`, 1 for `document [SEP]`. */
  tokenTypeIds: Int32Array;
}

/** A BERT WordPiece tokenizer (uncased or cased), matching Hugging Face's fast tokenizer. */
export interface WordPieceTokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  /** Content hash of the vocabulary and normalization: equal hashes tokenize identically. */
  readonly fingerprint: string;
  /** One more than the largest token id. */
  readonly vocabularySize: number;
  /**
   * Token ids of a text, without special tokens. With `maxTokens`, stops once that many tokens
   * exist (the prefix is identical to the full encoding), so a huge text costs little.
   */
  encodeText(text: string, maxTokens?: number): Int32Array;
  /** Encodes a pair, truncating `longest_first` to `maxLength` tokens (special tokens included). */
  encodePair(queryIds: Int32Array, documentIds: Int32Array, maxLength: number): EncodedPair;
  /** Encodes one text as `[CLS] text [SEP]`, truncated to `maxLength` tokens. */
  encodeSingle(ids: Int32Array, maxLength: number): Int32Array;
  /** Id -> token, for debugging. */
  idToToken(id: number): string | undefined;
}

/**
 * Creates a WordPiece tokenizer from a vocabulary.
 *
 * @example
 * ```ts
 * const tokenizer = createWordPieceTokenizer({ vocab, lowercase: true, stripAccents: true, handleChineseChars: true });
 * tokenizer.encodeText('Hello, world!');
 * ```
 */
export function createWordPieceTokenizer(settings: WordPieceTokenizerSettings): WordPieceTokenizer {
  const { vocab } = settings;
  const prefix = settings.continuingSubwordPrefix ?? '##';
  const maxChars = settings.maxInputCharsPerWord ?? 100;
  const idOf = (token: string, role: string): number => {
    const id = vocab.get(token);
    if (id === undefined) throw new RangeError(`the vocabulary has no ${role} token '${token}'`);
    return id;
  };
  const unkId = idOf(settings.unkToken ?? '[UNK]', 'unknown');
  const clsId = idOf(settings.clsToken ?? '[CLS]', 'CLS');
  const sepId = idOf(settings.sepToken ?? '[SEP]', 'SEP');
  const padId = idOf(settings.padToken ?? '[PAD]', 'PAD');
  const tokens: string[] = [];
  for (const [token, id] of vocab) tokens[id] = token;

  const hash = createHash('sha256');
  hash.update(
    JSON.stringify([
      settings.lowercase,
      settings.stripAccents,
      settings.handleChineseChars,
      prefix,
      maxChars,
    ]),
  );
  // In id order: a vocabulary read from tokenizer.json (a JS object, whose integer-like keys come
  // first) must hash like the same vocabulary read from vocab.txt.
  tokens.forEach((token, id) => {
    hash.update(`${id}\t${token}\n`);
  });
  const fingerprint = hash.digest('hex').slice(0, 16);

  const wordCache = new Map<string, number[]>();
  const encodeWord = (word: string): number[] => {
    const cached = wordCache.get(word);
    if (cached) return cached;
    // A code point takes one or two code units: a longer word is surely over `maxChars` (and it
    // is not cached, so a huge word never stays in memory).
    if (word.length > 2 * maxChars) return [unkId];
    const chars = Array.from(word);
    let pieces: number[];
    if (chars.length > maxChars) {
      pieces = [unkId];
    } else {
      pieces = [];
      let start = 0;
      while (start < chars.length) {
        let end = chars.length;
        let found: number | undefined;
        while (start < end) {
          const piece = (start > 0 ? prefix : '') + chars.slice(start, end).join('');
          found = vocab.get(piece);
          if (found !== undefined) break;
          end -= 1;
        }
        if (found === undefined) {
          pieces = [unkId];
          break;
        }
        pieces.push(found);
        start = end;
      }
    }
    // Bounded: a word cache only helps for frequent words.
    if (wordCache.size < 200_000) wordCache.set(word, pieces);
    return pieces;
  };

  return {
    clsId,
    sepId,
    padId,
    unkId,
    fingerprint,
    vocabularySize: tokens.length,
    encodeText(text, maxTokens = Number.POSITIVE_INFINITY) {
      const ids: number[] = [];
      // Long texts are cut into chunks after a character that ends a word: normalization is per
      // character and words never span such a character, so chunking does not change the result.
      for (let start = 0; start < text.length && ids.length < maxTokens; ) {
        const end = chunkEnd(text, start, settings);
        for (const word of splitBertWords(text.slice(start, end), settings)) {
          for (const id of encodeWord(word)) ids.push(id);
        }
        start = end;
      }
      return Int32Array.from(ids.length > maxTokens ? ids.slice(0, maxTokens) : ids);
    },
    encodePair(queryIds, documentIds, maxLength) {
      const [queryLength, documentLength] = truncatedLengths(
        queryIds.length,
        documentIds.length,
        maxLength - 3,
      );
      const length = queryLength + documentLength + 3;
      const inputIds = new Int32Array(length);
      const tokenTypeIds = new Int32Array(length);
      inputIds[0] = clsId;
      inputIds.set(queryIds.subarray(0, queryLength), 1);
      inputIds[queryLength + 1] = sepId;
      inputIds.set(documentIds.subarray(0, documentLength), queryLength + 2);
      inputIds[length - 1] = sepId;
      tokenTypeIds.fill(1, queryLength + 2);
      return { inputIds, tokenTypeIds };
    },
    encodeSingle(ids, maxLength) {
      const kept = Math.max(0, Math.min(ids.length, maxLength - 2));
      const out = new Int32Array(kept + 2);
      out[0] = clsId;
      out.set(ids.subarray(0, kept), 1);
      out[kept + 1] = sepId;
      return out;
    },
    idToToken: (id) => tokens[id],
  };
}

/**
 * Where the chunk of `text` that starts at `start` ends: after the last plain space within
 * {@link CHUNK_CHARS} code units; without one, after the last character there that ends a word;
 * without one either (a run of letters, emoji or controls), after the first such character beyond,
 * so a word or a surrogate pair is never cut in two.
 */
function chunkEnd(text: string, start: number, options: BertNormalizeOptions): number {
  const limit = start + CHUNK_CHARS;
  if (limit >= text.length) return text.length;
  const space = text.lastIndexOf(' ', limit - 1);
  if (space >= start) return space + 1;
  for (let end = limit; end > start; end--) if (endsWordAt(text, end, options)) return end;
  // Forward, jump between candidates with a native regex search (a long run costs little).
  WORD_END_CANDIDATE.lastIndex = limit;
  for (let match = WORD_END_CANDIDATE.exec(text); match; match = WORD_END_CANDIDATE.exec(text)) {
    const end = match.index + match[0].length;
    if (endsWordAt(text, end, options)) return end;
  }
  return text.length;
}

/** Every character that may end a word (a superset: {@link endsWordAt} decides). */
const WORD_END_CANDIDATE =
  /[\s!-/:-@[-`{-~\p{P}\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{2a6df}\u{2a700}-\u{2ceaf}\u{2f800}-\u{2fa1f}]/gu;

/** Whether the code point that ends just before `end` ends a word. */
function endsWordAt(text: string, end: number, options: BertNormalizeOptions): boolean {
  const last = text.charCodeAt(end - 1);
  // A high surrogate is either lone (dropped as a control) or the first half of a pair.
  if (last >= 0xd800 && last <= 0xdbff) return false;
  if (last >= 0xdc00 && last <= 0xdfff) {
    const high = text.charCodeAt(end - 2);
    if (!(high >= 0xd800 && high <= 0xdbff)) return false;
    return endsBertWord(text.slice(end - 2, end), options);
  }
  return endsBertWord(text[end - 1]!, options);
}

/**
 * Lengths after `longest_first` truncation to `budget` tokens, exactly as Hugging Face
 * `tokenizers` computes them (truncation.rs): when both must shrink, each gets half and the longer
 * input gets the odd token.
 */
export function truncatedLengths(first: number, second: number, budget: number): [number, number] {
  if (first + second <= budget) return [first, second];
  const max = Math.max(0, budget);
  let n1 = first;
  let n2 = second;
  const swap = n1 > n2;
  if (swap) [n1, n2] = [n2, n1];
  n2 = n1 > max ? n1 : Math.max(n1, max - n1);
  if (n1 + n2 > max) {
    n1 = Math.floor(max / 2);
    n2 = n1 + (max % 2);
  }
  if (swap) [n1, n2] = [n2, n1];
  return [Math.min(first, n1), Math.min(second, n2)];
}
