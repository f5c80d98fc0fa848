export { DECODE_TIME_LIMIT_MS, DECODER_POOL_SIZE, IsolatedDecoder, type DecoderOptions } from "./isolated-decoder.ts";
export { DecoderFailed } from "./decoder-child.ts";
export { decoderEnv, FORBIDDEN_IN_DECODER, secretsIn } from "./decoder-env.ts";
export { checkedOutputs } from "./handover.ts";
