// The decoder's side of the channel: each request runs the processing code as the media process
// used to run it in-process, one at a time, and its outcome goes back as a reply.
import { detectMediaType } from "../detect.ts";
import { inspectImage } from "../inspect.ts";
import { isMediaRejected } from "../rejection.ts";
import { renderOriginal, renderResizedVariants, renderVariants } from "../variants.ts";
import { DECODER_READY, type DecodeReply, type DecodeRequest, type Operation, type Operations } from "./protocol.ts";

type Handler<O extends Operation> = (request: DecodeRequest<O>, progress: (fraction: number) => void) => Promise<Operations[O]["result"]>;

const handlers: { [O in Operation]: Handler<O> } = {
  detectMediaType: ({ args: [path, options] }) => detectMediaType(path, options),
  inspectImage: ({ args: [path, options] }) => inspectImage(path, options),
  renderVariants: ({ args: [input, outDir, limits] }, onProgress) => renderVariants(input, outDir, { ...limits, onProgress }),
  renderResizedVariants: ({ args: [input, outDir, limits] }, onProgress) => renderResizedVariants(input, outDir, { ...limits, onProgress }),
  renderOriginal: ({ args: [input, outDir, limits] }, onProgress) => renderOriginal(input, outDir, { ...limits, onProgress }),
};

const reply = (message: DecodeReply) => process.send!(message);

async function handle(request: DecodeRequest): Promise<void> {
  const handler = handlers[request.op] as Handler<Operation> | undefined;
  try {
    if (!handler) throw new Error(`The decoder has no operation ${String(request.op)}.`);
    const result = await handler(request, (progress) => reply({ id: request.id, progress }));
    reply({ id: request.id, result });
  } catch (error) {
    if (isMediaRejected(error)) reply({ id: request.id, error: { message: error.message, rejected: error.code } });
    else reply({ id: request.id, error: { message: error instanceof Error ? error.message : String(error) } });
  }
}

process.on("message", (request: DecodeRequest) => void handle(request));
// The media process is gone (or closed the channel): nothing is left to decode for.
process.on("disconnect", () => process.exit(0));
process.send!(DECODER_READY);
