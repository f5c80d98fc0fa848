export { startStack, type RunningStack } from "./stack.ts";
export { composeSupergraph, staleFiles } from "./composition.ts";
export { stopOnExitSignals } from "./lifecycle.ts";
