// `ipsec-ts explain <what>`: print what a Windows IPsec error code, a winerror name, a Linux
// xfrm_stat counter or a diagnosis cause means, its typical causes and how to check them.
// Exit status: 0 when the input was recognised, 2 when it was not (message and suggestions on stderr).
import { formatExplanation, formatLookupFailure, lookupExplanation } from '../verdict/explain-lookup.js';

export interface ExplainOptions {
  /** Print the catalog entry as JSON instead of text. */
  readonly json: boolean;
}

export interface ExplainOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

export function runExplain(what: string, opts: ExplainOptions, out: ExplainOutput): number {
  if (typeof what !== 'string') throw new TypeError('runExplain: what must be a string');
  const result = lookupExplanation(what);
  if (result.ok) {
    out.stdout(opts.json ? `${JSON.stringify(result.entry, null, 2)}\n` : formatExplanation(result.entry));
    return 0;
  }
  const failure = { error: result.message, suggestions: result.suggestions };
  out.stderr(opts.json ? `${JSON.stringify(failure, null, 2)}\n` : formatLookupFailure(result));
  return 2;
}
