import { buildFederatedSchema, type Caller, type SubgraphModule } from "@localex/common";
import { Media } from "./uploads/media.type.ts";
import { UploadsResolver } from "./uploads/uploads.resolver.ts";

export interface MediaContext {
  caller: Caller | null;
}

export const media: SubgraphModule<object, MediaContext> = {
  name: "media",
  buildSchema: () =>
    buildFederatedSchema<MediaContext>({
      resolvers: [UploadsResolver],
      orphanedTypes: [Media],
      referenceResolvers: { Media: () => null, Job: () => null },
    }),
  createServices: () => ({}),
  createContext: (_services, caller) => ({ caller }),
};
